/**
 * Release records as the registry answers them: a stored row plus inclusion
 * proofs of its log entries against ONE checkpoint (so a batch of records
 * can be checked against a single signed tree head).
 */
import { createPublicKey } from 'node:crypto';
import type { ReleaseRecord } from '../core/release-record.js';
import { parseCheckpoint } from '../log/checkpoint.js';
import { parseNote } from '../log/note.js';
import type { TransparencyLog } from '../log/service.js';
import type { ReleaseRow } from '../store/registry/releases.js';
import { responseTooLarge } from './batch-lookup.js';

export interface RecordContext {
  readonly log: TransparencyLog;
  readonly baseUrl: string;
}

/** checkpointSize reads the tree size out of a signed checkpoint the registry itself produced. */
export function checkpointSize(checkpoint: string): number {
  // Every publish and record asks for the newest checkpoint's size: parse each text once.
  if (checkpoint !== lastCheckpoint?.text)
    lastCheckpoint = { text: checkpoint, size: parseCheckpoint(parseNote(checkpoint).text).size };
  return lastCheckpoint.size;
}
let lastCheckpoint: { readonly text: string; readonly size: number } | undefined;

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

// A registry has few author keys and many records: parse each PEM once.
const algorithmByPem = new Map<string, string>();
function authorAlgorithm(pem: string): string {
  let a = algorithmByPem.get(pem);
  if (a === undefined) {
    a = createPublicKey(pem).asymmetricKeyType === 'ed25519' ? 'ed25519' : 'ecdsa-p256';
    if (algorithmByPem.size > 10_000) algorithmByPem.clear();
    algorithmByPem.set(pem, a);
  }
  return a;
}

export function downloadUrl(baseUrl: string, row: Pick<ReleaseRow, 'sha256' | 'filename'>): string {
  return `${baseUrl}/api/v1/blobs/sha256/${row.sha256}/${encodeURIComponent(row.filename)}`;
}

/** buildRecord turns a published row into a ReleaseRecord with proofs against `checkpoint`. */
export async function buildRecord(
  ctx: RecordContext,
  row: ReleaseRow,
  checkpoint: string,
  resetInHistory = false,
  ledgerNamespace?: string,
): Promise<ReleaseRecord> {
  const size = checkpointSize(checkpoint);
  const publishIndex = row.publishIndex!;
  const publish = {
    logIndex: publishIndex,
    hashes: (await ctx.log.inclusionProof(publishIndex, size)).map(b64),
  };
  const author =
    row.authorIndex === null
      ? undefined
      : {
          logIndex: row.authorIndex,
          hashes: (await ctx.log.inclusionProof(row.authorIndex, size)).map(b64),
        };
  return {
    purl: row.purl,
    digests: { sha256: row.sha256, sha512: row.sha512 },
    native: JSON.parse(row.native) as Record<string, string>,
    size: row.size,
    publishedAt: row.publishedAt,
    authorBundle: row.authorBundle === null ? null : JSON.parse(row.authorBundle),
    ...(row.authorKeyId && row.authorKeyPem
      ? {
          authorKey: {
            keyid: row.authorKeyId,
            algorithm: authorAlgorithm(row.authorKeyPem),
            pem: row.authorKeyPem,
          },
        }
      : {}),
    publishStatement: JSON.parse(row.publishEnvelope),
    ...(row.registrySignature ? { registrySignature: JSON.parse(row.registrySignature) } : {}),
    log: { origin: ctx.log.origin, checkpoint, ...(author ? { author } : {}), publish },
    ...(ledgerNamespace ? { ledger: { namespace: ledgerNamespace, resetInHistory } } : {}),
    downloadUrl: downloadUrl(ctx.baseUrl, row),
  };
}

/**
 * recordJson is buildRecord's answer as JSON text, with the stored JSON columns
 * (bundle, statement, signature) embedded as they are instead of parsed and
 * re-serialized: the batch lookup of a lockfile's thousands of records is
 * mostly this copying. Same document as JSON.stringify(buildRecord(...)).
 */
async function recordJson(
  ctx: RecordContext,
  row: ReleaseRow,
  checkpoint: string,
  size: number,
  resetInHistory: boolean,
  ledgerNamespace?: string,
): Promise<string> {
  const publish = {
    logIndex: row.publishIndex!,
    hashes: (await ctx.log.inclusionProof(row.publishIndex!, size)).map(b64),
  };
  const author =
    row.authorIndex === null
      ? undefined
      : {
          logIndex: row.authorIndex,
          hashes: (await ctx.log.inclusionProof(row.authorIndex, size)).map(b64),
        };
  const j = JSON.stringify;
  const parts = [
    `"purl":${j(row.purl)}`,
    `"digests":${j({ sha256: row.sha256, sha512: row.sha512 })}`,
    `"native":${row.native}`,
    `"size":${row.size}`,
    `"publishedAt":${j(row.publishedAt)}`,
    `"authorBundle":${row.authorBundle === null ? 'null' : row.authorBundle.trimEnd()}`,
  ];
  if (row.authorKeyId && row.authorKeyPem)
    parts.push(
      `"authorKey":${j({ keyid: row.authorKeyId, algorithm: authorAlgorithm(row.authorKeyPem), pem: row.authorKeyPem })}`,
    );
  parts.push(`"publishStatement":${row.publishEnvelope}`);
  if (row.registrySignature) parts.push(`"registrySignature":${row.registrySignature}`);
  parts.push(
    `"log":${j({ origin: ctx.log.origin, checkpoint, ...(author ? { author } : {}), publish })}`,
  );
  if (ledgerNamespace) parts.push(`"ledger":${j({ namespace: ledgerNamespace, resetInHistory })}`);
  parts.push(`"downloadUrl":${j(downloadUrl(ctx.baseUrl, row))}`);
  return `{${parts.join(',')}}`;
}

/**
 * Record texts of the current checkpoint, per registry: a published row never
 * changes and a record is a function of (row, checkpoint, ledger facts), so
 * between two log commits the same lockfile's lookups are answered from here.
 * Keyed by everything the text depends on; dropped whole when the checkpoint
 * moves; bounded in bytes.
 */
const RECORD_CACHE_MAX_BYTES = 64 * 1024 * 1024;
const recordCaches = new WeakMap<
  RecordContext,
  { checkpoint: string; bytes: number; texts: Map<string, string> }
>();

async function cachedRecordJson(
  ctx: RecordContext,
  row: ReleaseRow,
  checkpoint: string,
  size: number,
  resetInHistory: boolean,
  ledgerNamespace?: string,
): Promise<string> {
  let cache = recordCaches.get(ctx);
  if (!cache || cache.checkpoint !== checkpoint)
    recordCaches.set(ctx, (cache = { checkpoint, bytes: 0, texts: new Map() }));
  const key = `${row.purl}\n${row.publishIndex}\n${row.authorIndex}\n${row.sha256}\n${resetInHistory}\n${ledgerNamespace ?? ''}`;
  const hit = cache.texts.get(key);
  if (hit !== undefined) return hit;
  const text = await recordJson(ctx, row, checkpoint, size, resetInHistory, ledgerNamespace);
  if (recordCaches.get(ctx) === cache) {
    if (cache.bytes + text.length > RECORD_CACHE_MAX_BYTES) {
      cache.texts.clear();
      cache.bytes = 0;
    }
    cache.texts.set(key, text);
    cache.bytes += text.length;
  }
  return text;
}

const isFileList = (
  v: ReleaseRow | readonly ReleaseRow[] | undefined,
): v is readonly ReleaseRow[] => Array.isArray(v);

/** BatchJsonOptions bound the work of one batch answer (issue 11 item 8, batch-lookup.ts). */
export interface BatchJsonOptions {
  /** Largest answer in bytes: over it, RegistryError 413 RESPONSE_TOO_LARGE. */
  readonly maxBytes?: number;
  /** Records built between two yields to the event loop (default 64). */
  readonly yieldEvery?: number;
}

/**
 * buildBatchJson is buildBatch as JSON text (one checkpoint, records embedded without re-parsing).
 * A row reached under several spellings is built once; other requests are served between
 * chunks of records (setImmediate), so one large batch cannot stall the server.
 */
export async function buildBatchJson(
  ctx: RecordContext,
  rows: ReadonlyMap<string, ReleaseRow | readonly ReleaseRow[] | undefined>,
  ledger?: (row: ReleaseRow) => Promise<{ namespace: string; resetInHistory: boolean } | undefined>,
  options: BatchJsonOptions = {},
): Promise<string> {
  const checkpoint = await ctx.log.latestCheckpoint();
  const size = checkpointSize(checkpoint);
  const maxBytes = options.maxBytes ?? Infinity;
  const yieldEvery = options.yieldEvery ?? 64;
  const built = new Map<string, string>();
  const out: string[] = [];
  let bytes = checkpoint.length + 32;
  let sinceYield = 0;
  const one = async (row: ReleaseRow): Promise<string> => {
    const memo = built.get(row.purl);
    if (memo !== undefined) return memo;
    const l = ledger ? await ledger(row) : undefined;
    const json = await cachedRecordJson(
      ctx,
      row,
      checkpoint,
      size,
      l?.resetInHistory ?? false,
      l?.namespace,
    );
    built.set(row.purl, json);
    if (++sinceYield >= yieldEvery) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return json;
  };
  for (const [purl, row] of rows) {
    let json = 'null';
    if (isFileList(row)) {
      // A version that is a set of files (PyPI): every file's record (core/release-record.ts ReleaseFileSet).
      const files: string[] = [];
      for (const r of row) files.push(await one(r));
      json = `{"purl":${JSON.stringify(purl)},"files":[${files.join(',')}]}`;
    } else if (row) json = await one(row);
    const item = `${JSON.stringify(purl)}:${json}`;
    bytes += item.length + 1;
    if (bytes > maxBytes) throw responseTooLarge(maxBytes);
    out.push(item);
  }
  return `{"checkpoint":${JSON.stringify(checkpoint)},"records":{${out.join(',')}}}`;
}
