/**
 * The proxy part of the server config (`sigil.config.json` or `.yaml`, schema
 * docs/schemas/sigil-config.schema.json, example in docs/proxy.md), and the
 * `sigil serve --upstream <ecosystem>=<url>` flags, which override the file.
 *
 *   {
 *     "upstreams": { "npm": { "url": "https://registry.npmjs.org", "keys": <npm keys document> },
 *                    "golang": { "url": "https://proxy.golang.org", "sumdb": "<vkey> https://sum.golang.org" },
 *                    "pypi": { "url": "https://pypi.org/simple", "trustedRoot": <Sigstore trusted_root.json> } },
 *     "private": ["pkg:npm/%40acme/*", "pkg:golang/git.acme.example/*"],
 *     "limits": { "maxArtifactBytes": 268435456, "maxIndexBytes": 33554432, "timeoutMs": 30000, "concurrency": 16 },
 *     "policy": { "minimumReleaseAgeHours": 48, "requireRegistrySignature": ["pkg:npm/*"],
 *                 "requireProvenance": ["pkg:npm/%40acme-oss/*"], "deny": ["pkg:npm/event-stream@3.3.6"] }
 *   }
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../../core/errors.js';
import type { ProxyPolicyConfig } from '../observed/policy.js';
import { parseTrustedRoot } from '../../foreign/sigstore/index.js';
import { parseSumdbSpec } from './go-sumdb.js';
import { hexUpstreamKey } from './hex.js';
import { parseDebUpstreamConfig, type DebUpstreamConfig } from './deb-config.js';

/** Ecosystems with an upstream implementation. */
export const UPSTREAM_ECOSYSTEMS = [
  'npm',
  'golang',
  'hackage',
  'hex',
  'puppet',
  'wordpress',
  'pypi',
  'cargo',
  'gem',
  'composer',
  'cran',
  'maven',
  'deb',
  'cpan',
] as const;
export type UpstreamEcosystem = (typeof UPSTREAM_ECOSYSTEMS)[number];

export interface UpstreamLimitsConfig {
  readonly maxArtifactBytes: number;
  readonly maxIndexBytes: number;
  /** An index the upstream serves compressed (Debian Packages.xz), once decompressed. */
  readonly maxUncompressedIndexBytes: number;
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** How long an upstream index (npm packument) is reused before it is fetched again, ms (0: every time). */
  readonly indexTtlMs: number;
}

export const DEFAULT_UPSTREAM_LIMITS: UpstreamLimitsConfig = {
  maxArtifactBytes: 256 * 1024 * 1024,
  maxIndexBytes: 32 * 1024 * 1024,
  maxUncompressedIndexBytes: 256 * 1024 * 1024,
  timeoutMs: 30_000,
  concurrency: 16,
  indexTtlMs: 10_000,
};

export interface ProxyConfig {
  readonly upstreams: Partial<
    Record<
      UpstreamEcosystem,
      {
        readonly url: string;
        readonly keys?: unknown;
        readonly sumdb?: string;
        /** hex: the upstream's RSA public key (PEM) and repository name (default "hexpm"). */
        readonly publicKey?: string;
        readonly repository?: string;
        /** hackage: the upstream's root key ids and how many must sign root.json. */
        readonly rootKeys?: readonly string[];
        readonly keyThreshold?: number;
        /** deb: which suite of the archive, and what of it (deb-upstream.ts). */
        readonly deb?: DebUpstreamConfig;
        /** deb and cpan: the keyring file the upstream's signatures are checked with. */
        readonly keyring?: string;
        /** PyPI: the Sigstore trusted root PEP 740 provenance is checked against (default: the bundled public-good root). */
        readonly trustedRoot?: unknown;
      }
    >
  >;
  /** purl patterns never resolved upstream (besides what is hosted here). */
  readonly private: readonly string[];
  readonly limits: UpstreamLimitsConfig;
  readonly policy: ProxyPolicyConfig;
  /** Scale-out engines of `sigil serve` (`--database`/`--objects` flags win); checked when opened. */
  readonly scaleOut?: { readonly database?: string; readonly objects?: string };
}

export const EMPTY_PROXY_CONFIG: ProxyConfig = {
  upstreams: {},
  private: [],
  limits: DEFAULT_UPSTREAM_LIMITS,
  policy: {},
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function checkUrl(u: unknown, field: string, problems: string[]): string | undefined {
  if (typeof u !== 'string') return void problems.push(`${field} must be a URL string`);
  try {
    const url = new URL(u);
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return void problems.push(`${field} must be an http(s) URL, not ${JSON.stringify(u)}`);
  } catch {
    return void problems.push(`${field} is not a URL: ${JSON.stringify(u)}`);
  }
  return u.replace(/\/+$/, '');
}

function patterns(v: unknown, field: string, problems: string[]): string[] | undefined {
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.some((p) => typeof p !== 'string' || !(p === '*' || p.startsWith('pkg:')))
  )
    return void problems.push(
      `${field} must be a list of purl patterns ("pkg:npm/%40acme/*", "pkg:npm/left-pad", "*")`,
    );
  return v as string[];
}

/** hexFields: a Hex upstream's public key (required: every resource is signed) and repository name. */
function hexFields(
  entry: Record<string, unknown>,
  problems: string[],
): { publicKey?: string; repository?: string } {
  const pem = entry['publicKey'];
  const repository = entry['repository'] ?? 'hexpm';
  if (typeof repository !== 'string' || !/^[a-z][a-z0-9_]*$/.test(repository))
    problems.push(
      'upstreams.hex.repository must be the repository name its resources carry (e.g. "hexpm")',
    );
  if (typeof pem !== 'string') {
    problems.push(
      "upstreams.hex.publicKey is required: the upstream's RSA public key in PEM (for repo.hex.pm, https://hex.pm/docs/public_keys)",
    );
    return {};
  }
  try {
    hexUpstreamKey(pem);
  } catch (e) {
    problems.push(
      `upstreams.hex.publicKey is not an RSA public key in PEM: ${(e as Error).message}`,
    );
    return {};
  }
  return { publicKey: pem, repository: repository as string };
}

/** hackageFields: a Hackage upstream's root key ids (required: its chain is checked from them) and threshold. */
function hackageFields(
  entry: Record<string, unknown>,
  problems: string[],
): { rootKeys?: string[]; keyThreshold?: number } {
  const keys = entry['rootKeys'];
  const threshold = entry['keyThreshold'] ?? 1;
  if (
    !Array.isArray(keys) ||
    keys.length === 0 ||
    keys.some((k) => typeof k !== 'string' || !/^[0-9a-f]{64}$/.test(k))
  ) {
    problems.push(
      "upstreams.hackage.rootKeys is required: the upstream's root key ids (64 hex digits each), as in cabal's root-keys:",
    );
    return {};
  }
  if (
    !Number.isSafeInteger(threshold) ||
    (threshold as number) < 1 ||
    (threshold as number) > keys.length
  ) {
    problems.push(
      `upstreams.hackage.keyThreshold must be 1 to ${keys.length} (the number of rootKeys)`,
    );
    return {};
  }
  return { rootKeys: keys as string[], keyThreshold: threshold as number };
}

/** parseProxyConfig checks a parsed config document; errors name the file and every bad field. */
export function parseProxyConfig(doc: unknown, file: string): ProxyConfig {
  const problems: string[] = [];
  if (!isObj(doc))
    throw new InputError('CONFIG_INVALID', `${file}: expected a JSON/YAML object at the top`, {
      file,
    });
  const known = new Set([
    '$schema',
    'upstreams',
    'private',
    'limits',
    'policy',
    'database',
    'objects',
  ]);
  for (const k of Object.keys(doc))
    if (!known.has(k)) problems.push(`unknown field "${k}" (known: ${[...known].join(', ')})`);
  const upstreams: Record<
    string,
    {
      url: string;
      keys?: unknown;
      sumdb?: string;
      publicKey?: string;
      repository?: string;
      rootKeys?: string[];
      keyThreshold?: number;
      deb?: DebUpstreamConfig;
      keyring?: string;
      trustedRoot?: unknown;
    }
  > = {};
  if (doc['upstreams'] !== undefined) {
    if (!isObj(doc['upstreams']))
      problems.push('upstreams must be an object: {"npm": {"url": …}, "golang": {"url": …}}');
    else
      for (const [eco, v] of Object.entries(doc['upstreams'])) {
        if (!(UPSTREAM_ECOSYSTEMS as readonly string[]).includes(eco)) {
          problems.push(
            `upstreams.${eco}: no upstream support for this ecosystem (supported: ${UPSTREAM_ECOSYSTEMS.join(', ')})`,
          );
          continue;
        }
        const entry = typeof v === 'string' ? { url: v } : v;
        if (!isObj(entry)) {
          problems.push(`upstreams.${eco} must be {"url": …} or a URL string`);
          continue;
        }
        const url = checkUrl(entry['url'], `upstreams.${eco}.url`, problems);
        if (entry['keys'] !== undefined && eco !== 'npm')
          problems.push(`upstreams.${eco}.keys: only npm upstreams take keys`);
        const trustedRoot = entry['trustedRoot'];
        if (trustedRoot !== undefined) {
          if (eco !== 'pypi')
            problems.push(
              `upstreams.${eco}.trustedRoot: only PyPI upstreams take a Sigstore trusted root`,
            );
          else
            try {
              parseTrustedRoot(trustedRoot);
            } catch (e) {
              problems.push(`upstreams.pypi.trustedRoot: ${(e as Error).message}`);
            }
        }
        const sumdb = entry['sumdb'];
        if (sumdb !== undefined) {
          if (eco !== 'golang')
            problems.push(`upstreams.${eco}.sumdb: only Go upstreams take a checksum database`);
          else if (typeof sumdb !== 'string')
            problems.push(`upstreams.golang.sumdb must be GOSUMDB syntax, "<vkey> <url>"`);
          else
            try {
              parseSumdbSpec(sumdb);
            } catch (e) {
              problems.push(
                `upstreams.golang.sumdb: ${(e as Error).message} (GOSUMDB syntax, e.g. "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8 https://sum.golang.org")`,
              );
            }
        }
        const hex = eco === 'hex' ? hexFields(entry, problems) : {};
        if (eco !== 'hex')
          for (const k of ['publicKey', 'repository'])
            if (entry[k] !== undefined)
              problems.push(`upstreams.${eco}.${k}: only Hex upstreams take ${k}`);
        const hackage = eco === 'hackage' ? hackageFields(entry, problems) : {};
        if (eco !== 'hackage')
          for (const k of ['rootKeys', 'keyThreshold'])
            if (entry[k] !== undefined)
              problems.push(`upstreams.${eco}.${k}: only Hackage upstreams take ${k}`);
        const deb = eco === 'deb' ? parseDebUpstreamConfig(entry, problems) : undefined;
        const keyring = entry['keyring'];
        if (
          keyring !== undefined &&
          ((eco !== 'deb' && eco !== 'cpan') || typeof keyring !== 'string')
        )
          problems.push(
            `upstreams.${eco}.keyring: only deb and cpan upstreams take a keyring file path`,
          );
        for (const k of ['suite', 'components', 'architectures'])
          if (eco !== 'deb' && entry[k] !== undefined)
            problems.push(`upstreams.${eco}.${k}: only deb upstreams take a ${k}`);
        if (url)
          upstreams[eco] = {
            url,
            ...(entry['keys'] !== undefined ? { keys: entry['keys'] } : {}),
            ...(typeof sumdb === 'string' ? { sumdb } : {}),
            ...hex,
            ...hackage,
            ...(deb ? { deb } : {}),
            ...(typeof keyring === 'string' ? { keyring } : {}),
            ...(trustedRoot !== undefined ? { trustedRoot } : {}),
          };
      }
  }
  const priv = patterns(doc['private'], 'private', problems) ?? [];
  const limits: Record<string, number> = { ...DEFAULT_UPSTREAM_LIMITS };
  if (doc['limits'] !== undefined) {
    if (!isObj(doc['limits'])) problems.push('limits must be an object');
    else
      for (const [k, v] of Object.entries(doc['limits'])) {
        if (!(k in DEFAULT_UPSTREAM_LIMITS))
          problems.push(
            `limits.${k}: unknown (known: ${Object.keys(DEFAULT_UPSTREAM_LIMITS).join(', ')})`,
          );
        else if (
          typeof v !== 'number' ||
          !Number.isSafeInteger(v) ||
          v < (k === 'indexTtlMs' ? 0 : 1)
        )
          problems.push(
            `limits.${k} must be a ${k === 'indexTtlMs' ? 'whole number ≥ 0' : 'positive integer'}`,
          );
        else limits[k] = v;
      }
  }
  let policy: ProxyPolicyConfig = {};
  if (doc['policy'] !== undefined) {
    const p = doc['policy'];
    if (!isObj(p)) problems.push('policy must be an object');
    else {
      for (const k of Object.keys(p))
        if (
          ![
            'minimumReleaseAgeHours',
            'requireRegistrySignature',
            'requireProvenance',
            'deny',
          ].includes(k)
        )
          problems.push(`policy.${k}: unknown field`);
      const age = p['minimumReleaseAgeHours'];
      if (age !== undefined && (typeof age !== 'number' || !(age >= 0)))
        problems.push('policy.minimumReleaseAgeHours must be a number of hours ≥ 0');
      const sig = patterns(
        p['requireRegistrySignature'],
        'policy.requireRegistrySignature',
        problems,
      );
      const prov = patterns(p['requireProvenance'], 'policy.requireProvenance', problems);
      const deny = patterns(p['deny'], 'policy.deny', problems);
      policy = {
        ...(typeof age === 'number' ? { minimumReleaseAgeHours: age } : {}),
        ...(sig ? { requireRegistrySignature: sig } : {}),
        ...(prov ? { requireProvenance: prov } : {}),
        ...(deny ? { deny } : {}),
      };
    }
  }
  const scaleOut: { database?: string; objects?: string } = {};
  for (const k of ['database', 'objects'] as const) {
    const v = doc[k];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v === '')
      problems.push(
        `${k} must be a URL string (${k === 'database' ? 'postgres://user@host/sigil' : 's3://bucket?endpoint=…'})`,
      );
    else scaleOut[k] = v;
  }
  if (problems.length > 0)
    throw new InputError(
      'CONFIG_INVALID',
      `${file} is not a valid Sigil config: ${problems.join('; ')}`,
      { file, hint: 'see docs/proxy.md and docs/schemas/sigil-config.schema.json' },
    );
  return {
    upstreams,
    private: priv,
    limits: limits as unknown as UpstreamLimitsConfig,
    policy,
    ...(Object.keys(scaleOut).length > 0 ? { scaleOut } : {}),
  };
}

/** readProxyConfig reads `sigil.config.json` / `.yaml` / `.yml`. */
export function readProxyConfig(file: string): ProxyConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(
      'CONFIG_UNREADABLE',
      `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      { file },
    );
  }
  let doc: unknown;
  try {
    doc = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new InputError(
      'CONFIG_INVALID',
      `${file} is not valid ${/\.ya?ml$/i.test(file) ? 'YAML' : 'JSON'}: ${(e as Error).message}`,
      { file },
    );
  }
  return parseProxyConfig(doc, file);
}

/** applyUpstreamFlags merges `--upstream eco=URL` flags over a config (flags win). */
export function applyUpstreamFlags(config: ProxyConfig, flags: readonly string[]): ProxyConfig {
  const upstreams = { ...config.upstreams };
  for (const f of flags) {
    const m = /^([a-z]+)=(.+)$/.exec(f);
    if (!m)
      throw new InputError(
        'USAGE',
        `--upstream takes <ecosystem>=<url>, e.g. --upstream npm=https://registry.npmjs.org (got ${JSON.stringify(f)})`,
      );
    const eco = m[1] as UpstreamEcosystem;
    // The file's other fields of this upstream (a Hex key) stay; the flag sets its URL.
    const doc = parseProxyConfig(
      { upstreams: { [eco]: { ...(config.upstreams[eco] ?? {}), url: m[2] } } },
      '--upstream',
    );
    upstreams[eco] = { ...(config.upstreams[eco] ?? {}), url: doc.upstreams[eco]!.url };
  }
  return { ...config, upstreams };
}
