/**
 * Pins (`.sigil/trust.json`, committed with the project like known_hosts):
 * each namespace's authorised author keys as first seen, and where they were
 * seen in the log. Written by `sigil verify --pin`; later runs fail when a
 * namespace is signed by a key outside its pins, unless the key ledger
 * authorised the change (then it is reported, and --pin records it).
 *
 *   { "version": 1,
 *     "namespaces": {
 *       "pkg:npm/left-pad": {
 *         "keys": [{ "keyid": "<hex>", "algorithm": "ed25519", "pem": "-----BEGIN PUBLIC KEY-----…" }],
 *         "firstSeen": { "origin": "sigil.example.org/log", "treeSize": 918223, "logIndex": 880102, "at": "2026-…Z" } } } }
 */
import { InputError } from '../core/errors.js';
import type { KeyAlgorithm } from '../core/keys.js';

export interface PinnedKey {
  readonly keyid: string;
  readonly algorithm: KeyAlgorithm;
  readonly pem: string;
}

export interface NamespacePin {
  readonly keys: readonly PinnedKey[];
  readonly firstSeen: {
    readonly origin: string;
    readonly treeSize: number;
    readonly logIndex: number;
    readonly at: string;
  };
}

export interface TrustFile {
  readonly version: 1;
  readonly namespaces: Readonly<Record<string, NamespacePin>>;
}

export const EMPTY_TRUST: TrustFile = { version: 1, namespaces: {} };

/** parseTrustFile validates .sigil/trust.json, naming every bad field (InputError TRUST_FILE_INVALID). */
export function parseTrustFile(text: string, file: string): TrustFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      'TRUST_FILE_INVALID',
      `${file}: is not valid JSON (${(e as Error).message})`,
      { file },
    );
  }
  const problems: string[] = [];
  const obj = v as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InputError('TRUST_FILE_INVALID', `${file}: expected an object`, { file });
  if (obj['version'] !== 1)
    problems.push(`version: expected 1, got ${JSON.stringify(obj['version'])}`);
  const ns = obj['namespaces'];
  if (typeof ns !== 'object' || ns === null || Array.isArray(ns))
    problems.push('namespaces: expected an object');
  else
    for (const [name, pin] of Object.entries(ns as Record<string, unknown>)) {
      const p = pin as Record<string, unknown>;
      if (typeof pin !== 'object' || pin === null) {
        problems.push(`namespaces.${name}: expected an object`);
        continue;
      }
      if (!Array.isArray(p['keys']) || p['keys'].length === 0)
        problems.push(`namespaces.${name}.keys: expected a non-empty list`);
      else
        p['keys'].forEach((k: unknown, i: number) => {
          const kk = k as Record<string, unknown>;
          if (
            typeof kk !== 'object' ||
            kk === null ||
            typeof kk['keyid'] !== 'string' ||
            !/^[0-9a-f]{64}$/.test(kk['keyid']) ||
            typeof kk['pem'] !== 'string' ||
            typeof kk['algorithm'] !== 'string'
          ) {
            problems.push(
              `namespaces.${name}.keys[${i}]: expected {keyid: <64 hex>, algorithm, pem}`,
            );
          }
        });
      const fs = p['firstSeen'] as Record<string, unknown> | undefined;
      if (
        typeof fs !== 'object' ||
        fs === null ||
        typeof fs['origin'] !== 'string' ||
        typeof fs['treeSize'] !== 'number' ||
        typeof fs['logIndex'] !== 'number'
      ) {
        problems.push(`namespaces.${name}.firstSeen: expected {origin, treeSize, logIndex, at}`);
      }
    }
  if (problems.length > 0)
    throw new InputError('TRUST_FILE_INVALID', `${file}: ${problems.join('; ')}`, {
      file,
      hint: 'fix the entries, or delete the file and pin again with `sigil verify --pin`',
    });
  return v as TrustFile;
}

/** formatTrustFile writes namespaces sorted, two-space indented, with a final newline (stable diffs). */
export function formatTrustFile(t: TrustFile): string {
  const namespaces: Record<string, NamespacePin> = {};
  for (const k of Object.keys(t.namespaces).sort()) namespaces[k] = t.namespaces[k]!;
  return `${JSON.stringify({ version: 1, namespaces }, null, 2)}\n`;
}
