/**
 * MemoryRecordSource: a registry in memory that makes REAL records — author
 * bundles signed with src/core/sign.ts, publish statements signed by a
 * registry key, both logged in a Merkle tree built with the pure log
 * (src/log), proofs computed with proveInclusion against checkpoints signed
 * with signCheckpoint — so every check of the verifier runs for real. For
 * tests, demos and benchmarks; `mutate` lets a test tamper with answers.
 */
import { PackageURL } from 'packageurl-js';
import { digestBytes, sriFromHex, type DigestSet } from '../../src/core/digest.js';
import { signEnvelope } from '../../src/core/dsse.js';
import { generateKey, npmKeyId, type PrivateKey, signBytes } from '../../src/core/keys.js';
import { canonicalPurl } from '../../src/core/purl.js';
import { PUBLISH_PREDICATE_TYPE } from '../../src/core/release-record.js';
import { signRelease } from '../../src/core/sign.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE } from '../../src/core/statement.js';
import { signCheckpoint } from '../../src/log/checkpoint.js';
import type { Hash } from '../../src/log/hash.js';
import { emptyTreeHash, recordHash } from '../../src/log/hash.js';
import { hashReaderFromArray, storedHashes, treeHash } from '../../src/log/merkle.js';
import { generateNoteKey, parseSignerKey } from '../../src/log/note-key.js';
import { proveConsistency, proveInclusion } from '../../src/log/proof.js';
import { envelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import type {
  RecordLookup,
  RecordSource,
  ServerKeys,
  SigilRecord,
} from '../../src/client/records/source.js';

export interface MemoryRecordSourceOptions {
  readonly origin?: string;
  /** Log signer key "PRIVATE+KEY+…" (reuse one to build a second, forked history of the same log). */
  readonly logSignerKey?: string;
  readonly registryKey?: PrivateKey;
  readonly baseUrl?: string;
  readonly now?: () => Date;
}

export interface MemoryPublishInput {
  readonly purl: string;
  /** Artifact bytes (digests computed) or digests directly. */
  readonly bytes?: Uint8Array;
  readonly digests?: Required<Pick<DigestSet, 'sha256' | 'sha512'>>;
  /** The author's key; null publishes without an author signature. */
  readonly author: PrivateKey | null;
  /** Put the author's public key in the record (default true). */
  readonly includeAuthorKey?: boolean;
  readonly ledgerNamespace?: string;
  readonly resetInHistory?: boolean;
  /** Extra native digests, e.g. {h1: "h1:…"} for Go. */
  readonly native?: Record<string, string>;
}

interface Published {
  readonly base: Omit<SigilRecord, 'log'>;
  readonly authorIndex: number | undefined;
  readonly publishIndex: number;
}

export class MemoryRecordSource implements RecordSource {
  readonly name: string;
  readonly origin: string;
  readonly logSignerKey: string;
  readonly logVerifierKey: string;
  readonly registryKey: PrivateKey;
  private readonly stored: Hash[] = [];
  private readonly entries: Uint8Array[] = [];
  private readonly releases = new Map<string, Published>();
  private readonly mutations = new Map<string, (r: SigilRecord) => SigilRecord | null>();
  private readonly now: () => Date;
  /** Number of lookups answered (tests count requests). */
  lookups = 0;

  constructor(options: MemoryRecordSourceOptions = {}) {
    this.origin = options.origin ?? 'sigil.test/log';
    const key = options.logSignerKey
      ? { signerKey: options.logSignerKey }
      : generateNoteKey(this.origin);
    this.logSignerKey = key.signerKey;
    const signer = parseSignerKey(this.logSignerKey);
    this.logVerifierKey = `${signer.name}+${signer.keyId.toString(16).padStart(8, '0')}+${Buffer.concat([Uint8Array.of(signer.type), signer.publicKey]).toString('base64')}`;
    this.registryKey = options.registryKey ?? generateKey('ecdsa-p256');
    this.name = options.baseUrl ?? 'memory://sigil.test';
    this.now = options.now ?? (() => new Date('2026-01-01T00:00:00Z'));
  }

  get size(): number {
    return this.entries.length;
  }

  /** append adds a leaf (entry bytes) to the log; returns its index. */
  append(entry: Uint8Array): number {
    const n = this.entries.length;
    this.stored.push(...storedHashes(n, recordHash(entry), hashReaderFromArray(this.stored)));
    this.entries.push(entry);
    return n;
  }

  /** checkpoint signs the current tree head. */
  checkpoint(size = this.entries.length): string {
    const hash = size === 0 ? emptyTreeHash() : treeHash(size, hashReaderFromArray(this.stored));
    return signCheckpoint({ origin: this.origin, size, hash, extensions: [] }, [
      parseSignerKey(this.logSignerKey),
    ]);
  }

  /** publish signs (author, registry), logs both entries and keeps the release. */
  publish(input: MemoryPublishInput): SigilRecord {
    const purl = canonicalPurl(input.purl);
    const digests =
      input.digests ??
      (digestBytes(input.bytes ?? new Uint8Array(0)) as Required<
        Pick<DigestSet, 'sha256' | 'sha512'>
      >);
    const p = PackageURL.fromString(purl);
    const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
    const version = p.version ?? '';
    const integrity = sriFromHex('sha512', digests.sha512);
    const publishedAt = this.now().toISOString();
    let authorBundle = null;
    let authorIndex: number | undefined;
    if (input.author) {
      authorBundle = signRelease({ purl, digests, key: input.author });
      authorIndex = this.append(
        envelopeLogEntry(authorBundle.dsseEnvelope, input.author.publicKey),
      );
    }
    const statement = {
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: [{ name: purl, digest: { sha256: digests.sha256, sha512: digests.sha512 } }],
      predicateType: PUBLISH_PREDICATE_TYPE,
      predicate: {
        name,
        version,
        registry: this.name,
        publishedAt,
        authorKeyId: input.author?.publicKey.keyId ?? null,
      },
    };
    const publishStatement = signEnvelope(
      IN_TOTO_PAYLOAD_TYPE,
      Buffer.from(JSON.stringify(statement)),
      this.registryKey,
    );
    const publishIndex = this.append(
      envelopeLogEntry(publishStatement, this.registryKey.publicKey),
    );
    const native: Record<string, string> =
      p.type === 'npm' ? { 'sri-sha512': integrity, ...input.native } : { ...input.native };
    const base: Omit<SigilRecord, 'log'> = {
      purl,
      digests: { sha256: digests.sha256, sha512: digests.sha512 },
      native,
      size: input.bytes?.length ?? 0,
      publishedAt,
      authorBundle,
      publishStatement,
      ...(p.type === 'npm'
        ? {
            registrySignature: {
              keyid: npmKeyId(this.registryKey.publicKey.keyId),
              sig: signBytes(
                this.registryKey,
                Buffer.from(`${name}@${version}:${integrity}`),
              ).toString('base64'),
            },
          }
        : {}),
      ...(input.ledgerNamespace !== undefined
        ? {
            ledger: {
              namespace: input.ledgerNamespace,
              resetInHistory: input.resetInHistory ?? false,
            },
          }
        : {}),
      ...(input.author && input.includeAuthorKey !== false
        ? {
            authorKey: {
              keyid: input.author.publicKey.keyId,
              algorithm: input.author.algorithm,
              pem: String(input.author.publicKey.key.export({ type: 'spki', format: 'pem' })),
            },
          }
        : {}),
    };
    this.releases.set(purl, { base, authorIndex, publishIndex });
    return this.record(purl, this.checkpoint())!;
  }

  /** mutate makes every later answer for `purl` pass through `fn` (tampering in tests); null = answer "no record". */
  mutate(purl: string, fn: (r: SigilRecord) => SigilRecord | null): void {
    this.mutations.set(canonicalPurl(purl), fn);
  }

  private record(purl: string, checkpoint: string): SigilRecord | null {
    const pub = this.releases.get(purl);
    if (!pub) return null;
    const size = this.entries.length;
    const reader = hashReaderFromArray(this.stored);
    const b64 = (hs: Hash[]) => hs.map((h) => Buffer.from(h).toString('base64'));
    const record: SigilRecord = {
      ...pub.base,
      log: {
        origin: this.origin,
        checkpoint,
        ...(pub.authorIndex !== undefined
          ? {
              author: {
                logIndex: pub.authorIndex,
                hashes: b64(proveInclusion(pub.authorIndex, size, reader)),
              },
            }
          : {}),
        publish: {
          logIndex: pub.publishIndex,
          hashes: b64(proveInclusion(pub.publishIndex, size, reader)),
        },
      },
    };
    const m = this.mutations.get(purl);
    return m ? m(record) : record;
  }

  async keys(): Promise<ServerKeys> {
    return {
      keys: [
        {
          keyid: this.registryKey.publicKey.keyId,
          algorithm: this.registryKey.algorithm,
          pem: String(this.registryKey.publicKey.key.export({ type: 'spki', format: 'pem' })),
          use: 'registry',
        },
      ],
      log: { origin: this.origin, vkey: this.logVerifierKey },
    };
  }

  async lookup(purls: readonly string[]): Promise<RecordLookup> {
    this.lookups++;
    const checkpoint = this.checkpoint();
    const records: Record<string, SigilRecord | null> = {};
    for (const p of purls) {
      let c: string;
      try {
        c = canonicalPurl(p);
      } catch {
        records[p] = null;
        continue;
      }
      records[p] = this.record(c, checkpoint);
    }
    return { checkpoint, records };
  }

  async consistencyProof(size1: number, size2: number): Promise<string[]> {
    return proveConsistency(size1, size2, hashReaderFromArray(this.stored)).map((h) =>
      Buffer.from(h).toString('base64'),
    );
  }
}
