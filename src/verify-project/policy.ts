/**
 * The verification policy (`sigil.policy.json` or `sigil.policy.yaml`,
 * schema docs/schemas/policy.schema.json, examples docs/policy.md): what a
 * project demands of its dependencies. Pure: the CLI reads the file.
 *
 * Package patterns name packages as their ecosystem writes them, with `*`
 * matching any run of characters: "left-pad", "@babel/*", "*"; optionally
 * with a purl type prefix to limit them to one ecosystem: "npm:@babel/*",
 * "golang:golang.org/x/*".
 */
import { yamlLib } from '../ecosystems/support/lazy-libs.js'; // yaml loads only for a YAML policy
import { InputError } from '../core/errors.js';
import { KEY_ALGORITHMS, type KeyAlgorithm } from '../core/keys.js';
import { parsePurl } from '../core/purl.js';
import type { TlogPolicy } from '../log/policy.js';

export interface Policy {
  /** Which packages must carry an author signature: all, none, or those matching patterns. */
  readonly requireAuthorSignature: 'all' | 'none' | readonly string[];
  /** A package with no Sigil record (or no author signature where none is required): fail or warn. */
  readonly unsigned: 'fail' | 'warn';
  /** Allowed author keys per package pattern: hex key ids (64 digits) or PEM public keys. A listed pattern allows only these. */
  readonly keys: Readonly<Record<string, readonly string[]>>;
  /** Accept a namespace's key the first time it is seen (then pin it with --pin). */
  readonly trustOnFirstUse: boolean;
  /** Largest checkpoint age in seconds; null = not checked. */
  readonly maxCheckpointAge: number | null;
  /** Witness cosignatures required on the checkpoint. */
  readonly minWitnesses: number;
  /** Witness note verifier keys ("name+hash+base64"). */
  readonly witnesses: readonly string[];
  /**
   * A c2sp.org/tlog-policy file (path relative to the policy file): witnesses,
   * groups and quorum. When set it decides the witness check; `minWitnesses`
   * with `witnesses` is the same thing written short (a k-of-n group).
   */
  readonly witnessPolicyFile?: string;
  /** The parsed witness policy (read by the caller, which does the I/O). */
  readonly witnessPolicy?: TlogPolicy;
  /** Author key algorithms accepted. */
  readonly allowedAlgorithms: readonly KeyAlgorithm[];
  /** Default Sigil server (the --server flag wins). */
  readonly server?: string;
  /**
   * Minimum trust level per package pattern: `author` > `registry` > `logged` > `none`
   * (levels.ts). The most specific matching pattern wins. `"*": "none"` is the explicit
   * line that allows a run in which no dependency is verified.
   */
  readonly levels?: Readonly<Record<string, TrustLevel>>;
}

/** TrustLevel: what a dependency's record proves, strongest first (DESIGN.md "Records"). */
export type TrustLevel = 'author' | 'registry' | 'logged' | 'none';
export const TRUST_LEVELS: readonly TrustLevel[] = ['author', 'registry', 'logged', 'none'];

/**
 * DEFAULT_POLICY applies without a policy file: every record found must
 * verify completely; unsigned packages and packages without an author
 * signature only warn (most of a real tree is unsigned today); keys are
 * trusted on first use; no checkpoint age limit (checkpoints carry no signed
 * time until witnesses cosign them); no witnesses; Ed25519 and ECDSA P-256.
 */
export const DEFAULT_POLICY: Policy = {
  requireAuthorSignature: 'none',
  unsigned: 'warn',
  keys: {},
  trustOnFirstUse: true,
  maxCheckpointAge: null,
  minWitnesses: 0,
  witnesses: [],
  allowedAlgorithms: KEY_ALGORITHMS,
};

export const POLICY_FILE_NAMES = [
  'sigil.policy.json',
  'sigil.policy.yaml',
  'sigil.policy.yml',
] as const;

const FIELDS = [
  '$schema',
  'version',
  'requireAuthorSignature',
  'unsigned',
  'keys',
  'trustOnFirstUse',
  'maxCheckpointAge',
  'minWitnesses',
  'witnesses',
  'witnessPolicy',
  'allowedAlgorithms',
  'server',
  'levels',
];

/** parseDuration reads "90s", "15m", "24h", "7d" or a number of seconds. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)?$/.exec(v.trim());
  if (!m) return undefined;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[(m[2] ?? 's') as 's'];
  return Number(m[1]) * unit;
}

/**
 * parsePolicy parses and validates a policy document. Every problem is
 * gathered; the error names the file, each field and what was expected
 * (InputError POLICY_INVALID, CLI exit code 2).
 */
export function parsePolicy(text: string, file: string): Policy {
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(file) ? yamlLib().parse(text, { maxAliasCount: 50 }) : JSON.parse(text);
  } catch (e) {
    throw new InputError(
      'POLICY_INVALID',
      `${file}: is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'} (${(e as Error).message.split('\n')[0]})`,
      { file },
    );
  }
  if (doc === null || doc === undefined) return DEFAULT_POLICY;
  if (typeof doc !== 'object' || Array.isArray(doc))
    throw new InputError('POLICY_INVALID', `${file}: expected an object at the top level`, {
      file,
    });
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  const bad = (field: string, expected: string, got: unknown) =>
    problems.push(
      `${field}: expected ${expected}, got ${got === undefined ? 'nothing' : JSON.stringify(got)?.slice(0, 60)}`,
    );
  for (const k of Object.keys(d))
    if (!FIELDS.includes(k))
      problems.push(
        `${k}: unknown field (known: ${FIELDS.filter((f) => f !== '$schema').join(', ')})`,
      );
  if (d['version'] !== undefined && d['version'] !== 1) bad('version', '1', d['version']);

  let requireAuthorSignature: Policy['requireAuthorSignature'] =
    DEFAULT_POLICY.requireAuthorSignature;
  const ras = d['requireAuthorSignature'];
  if (ras !== undefined) {
    if (ras === 'all' || ras === 'none') requireAuthorSignature = ras;
    else if (ras === true) requireAuthorSignature = 'all';
    else if (ras === false) requireAuthorSignature = 'none';
    else if (Array.isArray(ras) && ras.every((p) => typeof p === 'string' && p !== ''))
      requireAuthorSignature = ras as string[];
    else
      bad(
        'requireAuthorSignature',
        '"all", "none" or a list of package patterns like ["@myorg/*", "left-pad"]',
        ras,
      );
  }
  let unsigned = DEFAULT_POLICY.unsigned;
  if (d['unsigned'] !== undefined) {
    if (d['unsigned'] === 'fail' || d['unsigned'] === 'warn') unsigned = d['unsigned'];
    else bad('unsigned', '"fail" or "warn"', d['unsigned']);
  }
  const keys: Record<string, string[]> = {};
  if (d['keys'] !== undefined) {
    if (typeof d['keys'] !== 'object' || d['keys'] === null || Array.isArray(d['keys']))
      bad('keys', 'an object mapping package patterns to lists of key ids or PEM keys', d['keys']);
    else
      for (const [pattern, list] of Object.entries(d['keys'] as Record<string, unknown>)) {
        const ok =
          Array.isArray(list) &&
          list.every(
            (k) =>
              typeof k === 'string' && (/^[0-9a-f]{64}$/.test(k) || k.includes('BEGIN PUBLIC KEY')),
          );
        if (!ok) bad(`keys.${pattern}`, 'a list of 64-hex-digit key ids or PEM public keys', list);
        else keys[pattern] = list as string[];
      }
  }
  let trustOnFirstUse = DEFAULT_POLICY.trustOnFirstUse;
  if (d['trustOnFirstUse'] !== undefined) {
    if (typeof d['trustOnFirstUse'] === 'boolean') trustOnFirstUse = d['trustOnFirstUse'];
    else bad('trustOnFirstUse', 'true or false', d['trustOnFirstUse']);
  }
  let maxCheckpointAge = DEFAULT_POLICY.maxCheckpointAge;
  if (d['maxCheckpointAge'] !== undefined && d['maxCheckpointAge'] !== null) {
    const s = parseDuration(d['maxCheckpointAge']);
    if (s === undefined)
      bad(
        'maxCheckpointAge',
        'a duration like "90s", "15m", "24h", "7d" or a number of seconds',
        d['maxCheckpointAge'],
      );
    else maxCheckpointAge = s;
  }
  let minWitnesses = DEFAULT_POLICY.minWitnesses;
  if (d['minWitnesses'] !== undefined) {
    if (Number.isInteger(d['minWitnesses']) && (d['minWitnesses'] as number) >= 0)
      minWitnesses = d['minWitnesses'] as number;
    else bad('minWitnesses', 'a whole number ≥ 0', d['minWitnesses']);
  }
  let witnesses: string[] = [];
  if (d['witnesses'] !== undefined) {
    if (
      Array.isArray(d['witnesses']) &&
      d['witnesses'].every((w) => typeof w === 'string' && w.split('+').length >= 3)
    )
      witnesses = d['witnesses'] as string[];
    else bad('witnesses', 'a list of witness verifier keys ("name+hash+base64")', d['witnesses']);
  }
  let witnessPolicyFile: string | undefined;
  if (d['witnessPolicy'] !== undefined) {
    if (typeof d['witnessPolicy'] === 'string' && d['witnessPolicy'] !== '')
      witnessPolicyFile = d['witnessPolicy'];
    else
      bad(
        'witnessPolicy',
        'the path of a tlog-policy file (c2sp.org/tlog-policy)',
        d['witnessPolicy'],
      );
  }
  let allowedAlgorithms = DEFAULT_POLICY.allowedAlgorithms;
  if (d['allowedAlgorithms'] !== undefined) {
    const a = d['allowedAlgorithms'];
    if (
      Array.isArray(a) &&
      a.length > 0 &&
      a.every((x) => (KEY_ALGORITHMS as readonly unknown[]).includes(x))
    )
      allowedAlgorithms = a as KeyAlgorithm[];
    else
      bad(
        'allowedAlgorithms',
        `a non-empty list of ${KEY_ALGORITHMS.map((x) => `"${x}"`).join(', ')}`,
        a,
      );
  }
  let server: string | undefined;
  if (d['server'] !== undefined) {
    if (typeof d['server'] === 'string' && /^https?:\/\//.test(d['server'])) server = d['server'];
    else bad('server', 'an http(s) URL', d['server']);
  }
  let levels: Record<string, TrustLevel> | undefined;
  if (d['levels'] !== undefined) {
    const l = d['levels'];
    if (typeof l !== 'object' || l === null || Array.isArray(l))
      bad(
        'levels',
        'an object mapping package patterns to "author", "registry", "logged" or "none"',
        l,
      );
    else {
      levels = {};
      for (const [pattern, level] of Object.entries(l as Record<string, unknown>)) {
        if (typeof level === 'string' && (TRUST_LEVELS as readonly string[]).includes(level))
          levels[pattern] = level as TrustLevel;
        else bad(`levels.${pattern}`, '"author", "registry", "logged" or "none"', level);
      }
    }
  }
  if (problems.length > 0) {
    throw new InputError('POLICY_INVALID', `${file}: invalid policy:\n  ${problems.join('\n  ')}`, {
      file,
      field: problems[0]!.split(':')[0]!,
      hint: 'see docs/policy.md and docs/schemas/policy.schema.json',
    });
  }
  return {
    requireAuthorSignature,
    unsigned,
    keys,
    trustOnFirstUse,
    maxCheckpointAge,
    minWitnesses,
    witnesses,
    allowedAlgorithms,
    ...(server ? { server } : {}),
    ...(witnessPolicyFile ? { witnessPolicyFile } : {}),
    ...(levels ? { levels } : {}),
  };
}

/** packageName is the package's name as its ecosystem writes it ("@babel/core", "golang.org/x/mod"), from a purl. */
export function packageName(purl: string): { type: string; name: string; version: string } {
  const p = parsePurl(purl);
  return {
    type: p.type,
    name: p.namespace ? `${p.namespace}/${p.name}` : p.name,
    version: p.version ?? '',
  };
}

/** matchesPattern tells whether a package (by purl) matches a policy pattern ("@babel/*", "npm:left-pad", "*"). */
export function matchesPattern(purl: string, pattern: string): boolean {
  const { type, name } = packageName(purl);
  let pat = pattern;
  const typed = /^([a-z][a-z0-9.+-]*):(.+)$/.exec(pattern);
  if (typed && !pattern.startsWith('pkg:')) {
    if (typed[1] !== type) return false;
    pat = typed[2]!;
  } else if (pattern.startsWith('pkg:')) {
    const m = /^pkg:([^/]+)\/(.+)$/.exec(pattern);
    if (!m || m[1] !== type) return false;
    pat = decodeURIComponent(m[2]!);
  }
  const re = new RegExp(
    `^${pat
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(name);
}

/** requiresAuthorSignature applies `requireAuthorSignature` to one package. */
export function requiresAuthorSignature(policy: Policy, purl: string): boolean {
  const r = policy.requireAuthorSignature;
  if (r === 'all') return true;
  if (r === 'none') return false;
  return r.some((p) => matchesPattern(purl, p));
}

/** allowedKeysFor returns the allowed-key entries of every pattern matching the package, or undefined when no pattern matches. */
export function allowedKeysFor(policy: Policy, purl: string): string[] | undefined {
  let out: string[] | undefined;
  for (const [pattern, keys] of Object.entries(policy.keys))
    if (matchesPattern(purl, pattern)) (out ??= []).push(...keys);
  return out;
}
