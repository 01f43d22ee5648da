/**
 * Release records as the registry answers them: a stored row plus inclusion
 * proofs of its log entries against ONE checkpoint (so a batch of records
 * can be checked against a single signed tree head).
 */
import { createPublicKey } from 'node:crypto';
import type { ReleaseRecord, BatchLookupResponse } from '../core/release-record.js';
import { parseCheckpoint } from '../log/checkpoint.js';
import { parseNote } from '../log/note.js';
import type { TransparencyLog } from '../log/service.js';
import type { ReleaseRow } from '../store/registry/releases.js';

export interface RecordContext {
  readonly log: TransparencyLog;
  readonly baseUrl: string;
}

/** checkpointSize reads the tree size out of a signed checkpoint the registry itself produced. */
export function checkpointSize(checkpoint: string): number {
  return parseCheckpoint(parseNote(checkpoint).text).size;
}

const b64 = (h: Uint8Array) => Buffer.from(h).toString('base64');

function authorAlgorithm(pem: string): string {
  return createPublicKey(pem).asymmetricKeyType === 'ed25519' ? 'ed25519' : 'ecdsa-p256';
}

export function downloadUrl(baseUrl: string, row: Pick<ReleaseRow, 'sha256' | 'filename'>): string {
  return `${baseUrl}/api/v1/blobs/sha256/${row.sha256}/${encodeURIComponent(row.filename)}`;
}

/** buildRecord turns a published row into a ReleaseRecord with proofs against `checkpoint`. */
export async function buildRecord(ctx: RecordContext, row: ReleaseRow, checkpoint: string, resetInHistory = false, ledgerNamespace?: string): Promise<ReleaseRecord> {
  const size = checkpointSize(checkpoint);
  const publishIndex = row.publishIndex!;
  const publish = { logIndex: publishIndex, hashes: (await ctx.log.inclusionProof(publishIndex, size)).map(b64) };
  const author = row.authorIndex === null ? undefined : { logIndex: row.authorIndex, hashes: (await ctx.log.inclusionProof(row.authorIndex, size)).map(b64) };
  return {
    purl: row.purl,
    digests: { sha256: row.sha256, sha512: row.sha512 },
    native: JSON.parse(row.native) as Record<string, string>,
    size: row.size,
    publishedAt: row.publishedAt,
    authorBundle: row.authorBundle === null ? null : JSON.parse(row.authorBundle),
    ...(row.authorKeyId && row.authorKeyPem ? { authorKey: { keyid: row.authorKeyId, algorithm: authorAlgorithm(row.authorKeyPem), pem: row.authorKeyPem } } : {}),
    publishStatement: JSON.parse(row.publishEnvelope),
    ...(row.registrySignature ? { registrySignature: JSON.parse(row.registrySignature) } : {}),
    log: { origin: ctx.log.origin, checkpoint, ...(author ? { author } : {}), publish },
    ...(ledgerNamespace ? { ledger: { namespace: ledgerNamespace, resetInHistory } } : {}),
    downloadUrl: downloadUrl(ctx.baseUrl, row),
  };
}

/** buildBatch answers many purls against one checkpoint; unknown purls map to null. */
export async function buildBatch(ctx: RecordContext, rows: ReadonlyMap<string, ReleaseRow | undefined>, ledger?: (row: ReleaseRow) => Promise<{ namespace: string; resetInHistory: boolean } | undefined>): Promise<BatchLookupResponse> {
  const checkpoint = await ctx.log.latestCheckpoint();
  const records: Record<string, ReleaseRecord | null> = {};
  for (const [purl, row] of rows) {
    if (!row) {
      records[purl] = null;
      continue;
    }
    const l = ledger ? await ledger(row) : undefined;
    records[purl] = await buildRecord(ctx, row, checkpoint, l?.resetInHistory ?? false, l?.namespace);
  }
  return { checkpoint, records };
}
