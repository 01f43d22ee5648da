/**
 * Release records as the registry answers them: a stored row plus inclusion
 * proofs of its log entries against ONE checkpoint (so a batch of records
 * can be checked against a single signed tree head).
 */
import { StorageUnavailableError } from '../store/scale/unavailable.js';
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

/**
 * proveIn is the inclusion proof of `index` in the tree of `size`. With replicas, a row another
 * replica completed can be newer than the tree this one can read (its object store or
 * PostgreSQL out of reach): that is pushback (503), not a bad request.
 */
async function proveIn(ctx: RecordContext, index: number, size: number) {
  if (index >= size)
    throw new StorageUnavailableError(
      `the log tree that holds entry ${index} (this server reads a tree of ${size})`,
    );
  return ctx.log.inclusionProof(index, size);
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
    hashes: (await proveIn(ctx, publishIndex, size)).map(b64),
  };
  const author =
    row.authorIndex === null
      ? undefined
      : {
          logIndex: row.authorIndex,
          hashes: (await proveIn(ctx, row.authorIndex, size)).map(b64),
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
 * A record as JSON text is three parts: what the stored row says (the same for every
 * checkpoint: a published row never changes), the log part (checkpoint and inclusion proofs:
 * the same for every record until the checkpoint moves) and the ledger facts. The stored JSON
 * columns (bundle, statement, signature) are embedded as they are instead of parsed and
 * re-serialized. Same document as JSON.stringify(buildRecord(...)).
 */
interface RowText {
  /** `"purl":…` up to and including the registry signature. */
  readonly head: string;
  /** `"downloadUrl":…`. */
  readonly tail: string;
}

function rowText(ctx: RecordContext, row: ReleaseRow): RowText {
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
  return { head: parts.join(','), tail: `"downloadUrl":${j(downloadUrl(ctx.baseUrl, row))}` };
}

/** The identity of a published row: what its record text depends on besides the checkpoint and ledger facts. */
const rowKey = (row: ReleaseRow): string =>
  `${row.purl}\n${row.publishIndex}\n${row.authorIndex}\n${row.sha256}`;

/**
 * Per registry: row texts (kept across checkpoints, bounded in bytes), and for the current
 * checkpoint the log part's prefix, each entry's inclusion proof as JSON (shared by every
 * record that names it) and whole record texts (dropped when the checkpoint moves).
 */
const RECORD_CACHE_MAX_BYTES = 64 * 1024 * 1024;
/** What is cached for one checkpoint; replaced whole when the checkpoint moves. */
interface CheckpointCache {
  readonly checkpoint: string;
  /** `{"origin":…,"checkpoint":…` as JSON.stringify writes the log object. */
  readonly logPrefix: string;
  readonly proofs: Map<number, string>;
  readonly texts: Map<string, string>;
  textBytes: number;
}
interface RecordCache {
  readonly rows: Map<string, RowText>;
  rowBytes: number;
  current: CheckpointCache | undefined;
}
const recordCaches = new WeakMap<RecordContext, RecordCache>();

function cachesFor(ctx: RecordContext, checkpoint: string): [RecordCache, CheckpointCache] {
  let cache = recordCaches.get(ctx);
  if (!cache) recordCaches.set(ctx, (cache = { rows: new Map(), rowBytes: 0, current: undefined }));
  if (cache.current?.checkpoint !== checkpoint) {
    const j = JSON.stringify({ origin: ctx.log.origin, checkpoint });
    cache.current = {
      checkpoint,
      logPrefix: j.slice(0, -1),
      proofs: new Map(),
      texts: new Map(),
      textBytes: 0,
    };
  }
  return [cache, cache.current];
}

async function proofJson(
  ctx: RecordContext,
  cp: CheckpointCache,
  index: number,
  size: number,
): Promise<string> {
  let p = cp.proofs.get(index);
  if (p === undefined) {
    p = `{"logIndex":${index},"hashes":${JSON.stringify((await proveIn(ctx, index, size)).map(b64))}}`;
    cp.proofs.set(index, p);
  }
  return p;
}

async function cachedRecordJson(
  ctx: RecordContext,
  row: ReleaseRow,
  checkpoint: string,
  size: number,
  resetInHistory: boolean,
  ledgerNamespace?: string,
): Promise<string> {
  const [cache, cp] = cachesFor(ctx, checkpoint);
  const id = rowKey(row);
  const key = `${id}\n${resetInHistory}\n${ledgerNamespace ?? ''}`;
  const hit = cp.texts.get(key);
  if (hit !== undefined) return hit;
  let rt = cache.rows.get(id);
  if (rt === undefined) {
    rt = rowText(ctx, row);
    if (cache.rowBytes > RECORD_CACHE_MAX_BYTES) {
      cache.rows.clear();
      cache.rowBytes = 0;
    }
    cache.rows.set(id, rt);
    cache.rowBytes += rt.head.length + rt.tail.length;
  }
  const author =
    row.authorIndex === null ? '' : `,"author":${await proofJson(ctx, cp, row.authorIndex, size)}`;
  const publish = await proofJson(ctx, cp, row.publishIndex!, size);
  const text = recordText(rt, cp.logPrefix, author, publish, resetInHistory, ledgerNamespace);
  if (cp.textBytes + text.length > RECORD_CACHE_MAX_BYTES) {
    cp.texts.clear();
    cp.textBytes = 0;
  }
  cp.texts.set(key, text);
  cp.textBytes += text.length;
  return text;
}

function recordText(
  rt: RowText,
  logPrefix: string,
  author: string,
  publish: string,
  resetInHistory: boolean,
  ledgerNamespace: string | undefined,
): string {
  const ledger = ledgerNamespace
    ? `,"ledger":${JSON.stringify({ namespace: ledgerNamespace, resetInHistory })}`
    : '';
  return `{${rt.head},"log":${logPrefix}${author},"publish":${publish}}${ledger},${rt.tail}}`;
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
