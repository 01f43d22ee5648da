/**
 * Python lockfiles: each reader yields one entry per pinned distribution with
 * the sha256 digests the lockfile pins (hex, as PyPI's Simple API spells it).
 *
 * - requirements.txt with `--hash=sha256:…` (pip "hash-checking mode")
 * - poetry.lock: `[[package]] name, version, files = [{file, hash = "sha256:…"}]`
 * - Pipfile.lock: `{default|develop: {name: {version: "==1.0", hashes: ["sha256:…"]}}}`
 * - uv.lock: `[[package]] name, version, sdist = {hash}, wheels = [{hash}]`
 * - pylock.toml (PEP 751): `[[packages]] name, version, sdist/wheels/archive.hashes = {sha256 = …}`
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader, NativeDigest } from '../adapter.js';
import {
  decodeLockText,
  lockError,
  needRecord,
  needString,
  optArray,
  optString,
  readJsonLock,
  readTomlLock,
} from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import { normalizePypiName, PYPI_NAME } from './name.js';
import {
  requirementsTxtFormat,
  poetryLockFormat,
  pipfileLockFormat,
  uvLockFormat,
  pylockFormat,
} from './descriptor.js';

function purlFor(name: string, version: string | undefined, file: string, field: string): string {
  if (!PYPI_NAME.test(name))
    throw lockError(file, field, `"${name}" is not a valid Python project name`);
  return makePurl('pypi', undefined, normalizePypiName(name), version);
}

/** hashDigest turns "sha256:<hex>" (pip, poetry, uv) into a NativeDigest. */
function hashDigest(spec: string, file: string, field: string): NativeDigest {
  const m = /^(sha256|sha384|sha512|sha1|md5|blake2b_256):([0-9a-fA-F]+)$/.exec(spec.trim());
  if (!m) throw lockError(file, field, `"${spec}" is not "<algorithm>:<hex>"`);
  return { algorithm: m[1]!, value: m[2]!.toLowerCase() };
}

function dedupe(ds: NativeDigest[]): NativeDigest[] {
  const seen = new Set<string>();
  return ds.filter((d) =>
    seen.has(`${d.algorithm}:${d.value}`) ? false : (seen.add(`${d.algorithm}:${d.value}`), true),
  );
}

/** requirements.txt: logical lines (backslash continuations), `name[extras]==version ; marker --hash=…`. */
export const requirementsTxtReader: LockfileReader = {
  ...requirementsTxtFormat,
  read(file, bytes) {
    const text = decodeLockText(bytes, file);
    const logical: { line: number; text: string }[] = [];
    let current = '';
    let start = 0;
    text
      .replace(/\r\n?/g, '\n')
      .split('\n')
      .forEach((raw, i) => {
        if (current === '') start = i + 1;
        const noComment = raw.replace(/(^|\s)#.*$/, '');
        if (noComment.endsWith('\\')) {
          current += `${noComment.slice(0, -1)} `;
          return;
        }
        current += noComment;
        if (current.trim() !== '') logical.push({ line: start, text: current.trim() });
        current = '';
      });
    if (current.trim() !== '') logical.push({ line: start, text: current.trim() });
    const out: LockfileEntry[] = [];
    for (const { line, text: l } of logical) {
      const field = `line ${line}`;
      if (l.startsWith('-')) continue; // options: -r, -c, -e, --index-url, … (not pinned distributions)
      const hashes = [...l.matchAll(/--hash[=\s]+(\S+)/g)].map((m) =>
        hashDigest(m[1]!, file, field),
      );
      const req = l
        .replace(/--hash[=\s]+\S+/g, '')
        .replace(/\s--\S+(\s+\S+)?/g, '')
        .trim();
      const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$/.exec(req);
      if (!m)
        throw lockError(
          file,
          field,
          `"${req}" is not a requirement`,
          'expected name==version --hash=sha256:…',
        );
      const rest = m[3]!.split(';')[0]!.trim();
      const url = /^@\s*(\S+)/.exec(rest);
      const pin = /^===?\s*([A-Za-z0-9.!+_-]+)$/.exec(rest);
      if (!url && !pin && rest !== '' && !/^[<>=!~,\s.*A-Za-z0-9+_-]+$/.test(rest))
        throw lockError(file, field, `"${rest}" is not a version specifier`);
      const entry: LockfileEntry = {
        purl: purlFor(m[1]!, pin?.[1], file, field),
        digests: dedupe(hashes),
        ...(url ? { resolved: url[1]! } : {}),
      };
      out.push(entry);
    }
    return out;
  },
};

/** poetry.lock (TOML). */
export const poetryLockReader: LockfileReader = {
  ...poetryLockFormat,
  read(file, bytes) {
    const doc = readTomlLock(bytes, file);
    const meta = isRecord(doc['metadata']) ? doc['metadata'] : {};
    return optArray(doc['package'], file, 'package').map((p, i) => {
      const field = `package[${i}]`;
      const pkg = needRecord(p, file, field);
      const name = needString(pkg, 'name', file, field);
      const version = needString(pkg, 'version', file, field);
      let files = optArray(pkg['files'], file, `${field}.files`);
      // poetry lock format 1.x kept the hashes in [metadata.files] by name.
      if (files.length === 0 && isRecord(meta['files']))
        files = optArray(
          (meta['files'] as Record<string, unknown>)[name],
          file,
          `metadata.files.${name}`,
        );
      const digests = files.map((f, j) => {
        const rec = needRecord(f, file, `${field}.files[${j}]`);
        return hashDigest(
          needString(rec, 'hash', file, `${field}.files[${j}]`),
          file,
          `${field}.files[${j}].hash`,
        );
      });
      const source = isRecord(pkg['source'])
        ? optString(pkg['source'], 'url', file, `${field}.source`)
        : undefined;
      return {
        purl: purlFor(name, version, file, field),
        digests: dedupe(digests),
        ...(source ? { resolved: source } : {}),
      };
    });
  },
};

/** Pipfile.lock (JSON). */
export const pipfileLockReader: LockfileReader = {
  ...pipfileLockFormat,
  read(file, bytes) {
    const doc = readJsonLock(bytes, file);
    const out: LockfileEntry[] = [];
    for (const section of Object.keys(doc)) {
      if (section === '_meta') continue;
      const group = needRecord(doc[section], file, section);
      for (const [name, v] of Object.entries(group)) {
        const field = `${section}.${name}`;
        const rec = needRecord(v, file, field);
        const spec = optString(rec, 'version', file, field);
        const pin = spec === undefined ? undefined : /^===?(.+)$/.exec(spec.trim())?.[1];
        if (spec !== undefined && pin === undefined)
          throw lockError(file, `${field}.version`, `"${spec}" is not a "==version" pin`);
        const digests = optArray(rec['hashes'], file, `${field}.hashes`).map((h, j) => {
          if (typeof h !== 'string')
            throw lockError(file, `${field}.hashes[${j}]`, 'is not a string');
          return hashDigest(h, file, `${field}.hashes[${j}]`);
        });
        out.push({ purl: purlFor(name, pin, file, field), digests: dedupe(digests) });
      }
    }
    return out;
  },
};

/**
 * distributionsOf lists a uv.lock / pylock.toml package's distribution tables with their field
 * paths: the single ones named (`sdist`, `archive`; absent ones as undefined), then each wheel.
 */
function distributionsOf(
  pkg: Record<string, unknown>,
  singles: readonly string[],
  file: string,
  field: string,
): [unknown, string][] {
  return [
    ...singles.map((k): [unknown, string] => [pkg[k], `${field}.${k}`]),
    ...optArray(pkg['wheels'], file, `${field}.wheels`).map((w, j): [unknown, string] => [
      w,
      `${field}.wheels[${j}]`,
    ]),
  ];
}

/** uv.lock (TOML): packages from registries, direct URLs or paths; editable/virtual ones carry no hash. */
export const uvLockReader: LockfileReader = {
  ...uvLockFormat,
  read(file, bytes) {
    const doc = readTomlLock(bytes, file);
    return optArray(doc['package'], file, 'package').map((p, i) => {
      const field = `package[${i}]`;
      const pkg = needRecord(p, file, field);
      const name = needString(pkg, 'name', file, field);
      const version = optString(pkg, 'version', file, field);
      const digests: NativeDigest[] = [];
      const dists = distributionsOf(pkg, ['sdist'], file, field);
      for (const [d, f] of dists) {
        if (d === undefined) continue;
        const rec = needRecord(d, file, f);
        const h = optString(rec, 'hash', file, f);
        if (h !== undefined) digests.push(hashDigest(h, file, `${f}.hash`));
      }
      const src = isRecord(pkg['source']) ? pkg['source'] : {};
      const resolved = ['registry', 'url', 'git']
        .map((k) => src[k])
        .find((x): x is string => typeof x === 'string');
      return {
        purl: purlFor(name, version, file, field),
        digests: dedupe(digests),
        ...(resolved ? { resolved } : {}),
      };
    });
  },
};

/** pylock.toml (PEP 751, packaging.python.org/specifications/pylock-toml). */
export const pylockReader: LockfileReader = {
  ...pylockFormat,
  read(file, bytes) {
    const doc = readTomlLock(bytes, file);
    const lv = doc['lock-version'];
    if (typeof lv !== 'string' || !/^1(\.\d+)?$/.test(lv))
      throw lockError(
        file,
        'lock-version',
        `is ${JSON.stringify(lv)}; Sigil reads lock-version 1.x`,
      );
    return optArray(doc['packages'], file, 'packages').map((p, i) => {
      const field = `packages[${i}]`;
      const pkg = needRecord(p, file, field);
      const name = needString(pkg, 'name', file, field);
      const version = optString(pkg, 'version', file, field);
      const digests: NativeDigest[] = [];
      const dists = distributionsOf(pkg, ['sdist', 'archive'], file, field);
      for (const [d, f] of dists) {
        if (d === undefined) continue;
        const rec = needRecord(d, file, f);
        if (rec['hashes'] === undefined) continue;
        for (const [alg, hex] of Object.entries(needRecord(rec['hashes'], file, `${f}.hashes`))) {
          if (typeof hex !== 'string' || !/^[0-9a-fA-F]+$/.test(hex))
            throw lockError(file, `${f}.hashes.${alg}`, 'is not a hex digest');
          digests.push({ algorithm: alg, value: hex.toLowerCase() });
        }
      }
      const index = optString(pkg, 'index', file, field);
      return {
        purl: purlFor(name, version, file, field),
        digests: dedupe(digests),
        ...(index ? { resolved: index } : {}),
      };
    });
  },
};

export const PYPI_LOCKFILES: readonly LockfileReader[] = [
  requirementsTxtReader,
  poetryLockReader,
  pipfileLockReader,
  uvLockReader,
  pylockReader,
];
