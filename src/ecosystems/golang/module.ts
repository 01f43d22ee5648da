/**
 * Module paths and versions as golang.org/x/mod/module and x/mod/semver
 * define them (ported from x/mod v0.7.0 module.go, pseudo.go, semver.go):
 * CheckPath, CheckFilePath, Check (path/version major agreement),
 * CanonicalVersion, IsPseudoVersion, semver ordering, and the proxy's
 * case-escaping (EscapePath: "!x" stands for "X").
 *
 * Every check returns an error message or undefined (Go's `error`, nil =
 * valid); callers wrap it in the error type of their layer.
 */

/** Windows' reserved file names; no path element may start with one (module.go badWindowsNames). */
const BAD_WINDOWS_NAMES = [
  'CON',
  'PRN',
  'AUX',
  'NUL',
  'COM1',
  'COM2',
  'COM3',
  'COM4',
  'COM5',
  'COM6',
  'COM7',
  'COM8',
  'COM9',
  'LPT1',
  'LPT2',
  'LPT3',
  'LPT4',
  'LPT5',
  'LPT6',
  'LPT7',
  'LPT8',
  'LPT9',
];

type PathKind = 'module' | 'import' | 'file';

const modPathOK = (c: string): boolean => /^[-._~0-9A-Za-z]$/.test(c);
const fileNameOK = (c: string): boolean => {
  if (c.codePointAt(0)! < 0x80) return /^[0-9A-Za-z!#$%&()+,\-.=@[\]^_{}~ ]$/.test(c);
  return /^\p{L}$/u.test(c);
};

function checkElem(elem: string, kind: PathKind): string | undefined {
  if (elem === '') return 'empty path element';
  if (/^\.+$/.test(elem)) return `invalid path element "${elem}"`;
  if (elem.startsWith('.') && kind === 'module') return 'leading dot in path element';
  if (elem.endsWith('.')) return 'trailing dot in path element';
  for (const c of elem) {
    const ok =
      kind === 'module'
        ? modPathOK(c)
        : kind === 'import'
          ? modPathOK(c) || c === '+'
          : fileNameOK(c);
    if (!ok) return `invalid char ${JSON.stringify(c)}`;
  }
  const dot = elem.indexOf('.');
  const short = dot >= 0 ? elem.slice(0, dot) : elem;
  if (BAD_WINDOWS_NAMES.some((b) => b.toLowerCase() === short.toLowerCase()))
    return `"${short}" disallowed as path element component on Windows`;
  if (kind === 'file') return undefined;
  const tilde = short.lastIndexOf('~');
  if (tilde >= 0 && tilde < short.length - 1 && /^[0-9]+$/.test(short.slice(tilde + 1)))
    return 'trailing tilde and digits in path element';
  return undefined;
}

/** isWellFormed: no lone surrogates, i.e. the string is valid UTF-8 once encoded. */
function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

function checkPathOf(path: string, kind: PathKind): string | undefined {
  if (!isWellFormed(path)) return 'invalid UTF-8';
  if (path === '') return 'empty string';
  if (path.startsWith('-') && kind !== 'file') return 'leading dash';
  if (path.includes('//')) return 'double slash';
  if (path.endsWith('/')) return 'trailing slash';
  for (const elem of path.split('/')) {
    const e = checkElem(elem, kind);
    if (e) return e;
  }
  return undefined;
}

/** checkPath is module.CheckPath: why `path` is not a valid module path, or undefined. */
export function checkPath(path: string): string | undefined {
  const why = ((): string | undefined => {
    const e = checkPathOf(path, 'module');
    if (e) return e;
    const i = path.includes('/') ? path.indexOf('/') : path.length;
    if (i === 0) return 'leading slash';
    const first = path.slice(0, i);
    if (!first.includes('.')) return 'missing dot in first path element';
    if (path.startsWith('-')) return 'leading dash in first path element';
    for (const c of first)
      if (!/^[-.0-9a-z]$/.test(c)) return `invalid char ${JSON.stringify(c)} in first path element`;
    if (!splitPathVersion(path).ok) return 'invalid version';
    return undefined;
  })();
  return why === undefined ? undefined : `malformed module path "${path}": ${why}`;
}

/** checkFilePath is module.CheckFilePath: why a file path inside a module is invalid, or undefined. */
export function checkFilePath(path: string): string | undefined {
  const e = checkPathOf(path, 'file');
  return e === undefined ? undefined : `malformed file path "${path}": ${e}`;
}

/** splitPathVersion is module.SplitPathVersion: path = prefix + pathMajor ("/vN", N ≥ 2, or gopkg.in's ".vN"). */
export function splitPathVersion(path: string): { prefix: string; pathMajor: string; ok: boolean } {
  if (path.startsWith('gopkg.in/')) {
    let i = path.length;
    if (path.endsWith('-unstable')) i -= '-unstable'.length;
    while (i > 0 && /[0-9]/.test(path[i - 1]!)) i--;
    if (i <= 1 || path[i - 1] !== 'v' || path[i - 2] !== '.')
      return { prefix: path, pathMajor: '', ok: false };
    const [prefix, pathMajor] = [path.slice(0, i - 2), path.slice(i - 2)];
    if (pathMajor.length <= 2 || (pathMajor[2] === '0' && pathMajor !== '.v0'))
      return { prefix: path, pathMajor: '', ok: false };
    return { prefix, pathMajor, ok: true };
  }
  let i = path.length;
  let dot = false;
  while (i > 0 && /[0-9.]/.test(path[i - 1]!)) {
    if (path[i - 1] === '.') dot = true;
    i--;
  }
  if (i <= 1 || i === path.length || path[i - 1] !== 'v' || path[i - 2] !== '/')
    return { prefix: path, pathMajor: '', ok: true };
  const [prefix, pathMajor] = [path.slice(0, i - 2), path.slice(i - 2)];
  if (dot || pathMajor.length <= 2 || pathMajor[2] === '0' || pathMajor === '/v1')
    return { prefix: path, pathMajor: '', ok: false };
  return { prefix, pathMajor, ok: true };
}

// ---- semver (golang.org/x/mod/semver) ------------------------------------

interface Semver {
  readonly major: string;
  readonly minor: string;
  readonly patch: string;
  readonly short: string;
  readonly prerelease: string;
  readonly build: string;
}

const NUM = '0|[1-9][0-9]*';
const IDENT = '[0-9A-Za-z-]+';
const SEMVER_RE = new RegExp(
  `^v(${NUM})(?:\\.(${NUM})(?:\\.(${NUM})(-(?:${IDENT})(?:\\.${IDENT})*)?(\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`,
);

function parseSemver(v: string): Semver | undefined {
  const m = SEMVER_RE.exec(v);
  if (!m) return undefined;
  const prerelease = m[4] ?? '';
  // Numeric prerelease identifiers must not have leading zeros.
  if (
    prerelease &&
    prerelease
      .slice(1)
      .split('.')
      .some((p) => /^[0-9]+$/.test(p) && p.length > 1 && p.startsWith('0'))
  )
    return undefined;
  const short = m[2] === undefined ? '.0.0' : m[3] === undefined ? '.0' : '';
  return {
    major: m[1]!,
    minor: m[2] ?? '0',
    patch: m[3] ?? '0',
    short,
    prerelease,
    build: m[5] ?? '',
  };
}

/** isValidSemver is semver.IsValid ("v1", "v1.2" and "v1.2.3-pre+build" are valid). */
export function isValidSemver(v: string): boolean {
  return parseSemver(v) !== undefined;
}

/** canonicalVersion is module.CanonicalVersion: semver.Canonical keeping "+incompatible"; "" when invalid. */
export function canonicalVersion(v: string): string {
  const p = parseSemver(v);
  if (!p) return '';
  const c = `v${p.major}.${p.minor}.${p.patch}${p.prerelease}`;
  return p.build === '+incompatible' ? `${c}+incompatible` : c;
}

/** semverMajor is semver.Major: "v2" for "v2.1.0". */
export function semverMajor(v: string): string {
  const p = parseSemver(v);
  return p ? `v${p.major}` : '';
}

function cmpNum(a: string, b: string): number {
  return a.length !== b.length ? Math.sign(a.length - b.length) : a < b ? -1 : a > b ? 1 : 0;
}

function cmpPrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === '') return 1;
  if (y === '') return -1;
  const xs = x.slice(1).split('.');
  const ys = y.slice(1).split('.');
  for (let i = 0; i < Math.min(xs.length, ys.length); i++) {
    const [a, b] = [xs[i]!, ys[i]!];
    if (a === b) continue;
    const [an, bn] = [/^[0-9]+$/.test(a), /^[0-9]+$/.test(b)];
    if (an && bn) return cmpNum(a, b);
    if (an) return -1;
    if (bn) return 1;
    return a < b ? -1 : 1;
  }
  return Math.sign(xs.length - ys.length);
}

/** compareSemver is semver.Compare: invalid versions sort before valid ones and equal each other. */
export function compareSemver(v: string, w: string): number {
  const [p, q] = [parseSemver(v), parseSemver(w)];
  if (!p) return q ? -1 : 0;
  if (!q) return 1;
  return (
    cmpNum(p.major, q.major) ||
    cmpNum(p.minor, q.minor) ||
    cmpNum(p.patch, q.patch) ||
    cmpPrerelease(p.prerelease, q.prerelease)
  );
}

/** semverPrerelease is semver.Prerelease ("-pre" or ""). */
export function semverPrerelease(v: string): string {
  return parseSemver(v)?.prerelease ?? '';
}

const PSEUDO_RE =
  /^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** isPseudoVersion is module.IsPseudoVersion (v0.0.0-20191109021931-daa7c04131f5 and friends). */
export function isPseudoVersion(v: string): boolean {
  return (v.match(/-/g)?.length ?? 0) >= 2 && isValidSemver(v) && PSEUDO_RE.test(v);
}

/** checkPathMajor is module.CheckPathMajor: why version v does not fit the path's major suffix, or undefined. */
export function checkPathMajor(v: string, pathMajor: string): string | undefined {
  let pm = pathMajor;
  if (pm.startsWith('.v') && pm.endsWith('-unstable')) pm = pm.slice(0, -'-unstable'.length);
  if (v.startsWith('v0.0.0-') && pm === '.v1') return undefined;
  const m = semverMajor(v);
  if (pm === '') {
    if (m === 'v0' || m === 'v1' || parseSemver(v)?.build === '+incompatible') return undefined;
    pm = 'v0 or v1';
  } else if (pm.startsWith('/') || pm.startsWith('.')) {
    if (m === pm.slice(1)) return undefined;
    pm = pm.slice(1);
  }
  return `${v}: invalid version: should be ${pm}, not ${m}`;
}

/**
 * checkModuleVersion is module.Check plus the canonical-form rule module zips
 * and the proxy protocol require: why (path, version) is not a module version
 * the go command would fetch, or undefined.
 */
export function checkModuleVersion(path: string, version: string): string | undefined {
  const p = checkPath(path);
  if (p) return p;
  if (!isValidSemver(version)) return `${path}@${version}: invalid version: not a semantic version`;
  const c = canonicalVersion(version);
  if (c !== version) return `${path}@${version}: version is not canonical (should be ${c})`;
  const b = parseSemver(version)!.build;
  if (b === '+incompatible' && Number(semverMajor(version).slice(1)) < 2)
    return `${path}@${version}: invalid version: +incompatible suffix not allowed: major version v0 or v1`;
  const major = checkPathMajor(version, splitPathVersion(path).pathMajor);
  return major === undefined ? undefined : `${path}@${major}`;
}

// ---- case-escaping (module.EscapePath / UnescapePath) --------------------

function escapeString(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

function unescapeString(escaped: string): string | undefined {
  let out = '';
  let bang = false;
  for (const c of escaped) {
    if (c.codePointAt(0)! >= 0x80) return undefined;
    if (bang) {
      bang = false;
      if (c < 'a' || c > 'z') return undefined;
      out += c.toUpperCase();
      continue;
    }
    if (c === '!') {
      bang = true;
      continue;
    }
    if (c >= 'A' && c <= 'Z') return undefined;
    out += c;
  }
  return bang ? undefined : out;
}

/** escapePath is module.EscapePath for a valid module path ("github.com/Azure" → "github.com/!azure"). */
export function escapePath(path: string): string {
  return escapeString(path);
}

/** escapeVersion is module.EscapeVersion for a valid version. */
export function escapeVersion(v: string): string {
  return escapeString(v);
}

/** unescapePath is module.UnescapePath: the module path, or an error message. */
export function unescapePath(escaped: string): { path: string } | { error: string } {
  const path = unescapeString(escaped);
  if (path === undefined) return { error: `invalid escaped module path "${escaped}"` };
  const e = checkPath(path);
  return e ? { error: `invalid escaped module path "${escaped}": ${e}` } : { path };
}

/** unescapeVersion is module.UnescapeVersion: the version, or an error message. */
export function unescapeVersion(escaped: string): { version: string } | { error: string } {
  const v = unescapeString(escaped);
  if (v === undefined) return { error: `invalid escaped version "${escaped}"` };
  const e = checkElem(v, 'file');
  return e ? { error: `invalid escaped version "${v}": ${e}` } : { version: v };
}
