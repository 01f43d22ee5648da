/**
 * httpRecordSource: records from a Sigil server over HTTP (see source.ts for
 * the endpoints). Lookups go in batches of `batchSize` purls; every response
 * is bounded in size; consistency proofs are computed from the log's hash
 * tiles (the tiles need no trust: the verifier checks the proof against two
 * signed roots).
 */
import { inBatches } from '../batches.js';
import { LogClient } from '../log-client.js';
import { type Fetcher, httpFetcher } from '../fetcher.js';
import {
  parseLookupResponse,
  parseServerKeys,
  type RecordLookup,
  type RecordSource,
  RecordSourceError,
  type ServerKeys,
  type AnswerRecord,
} from './source.js';

export interface HttpRecordSourceOptions {
  readonly timeoutMs?: number;
  /** purls per lookup request (default 1000). */
  readonly batchSize?: number;
  /** lookup requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Largest accepted response in bytes (default 256 MiB: 10,000 records of ~20 KiB). */
  readonly maxResponseBytes?: number;
  /** Tiles are read with this fetcher (tests). */
  readonly fetcher?: Fetcher;
}

const OFFLINE_HINT =
  'is the server up? to verify without the network, run `sigil fetch-records <lockfile> --server URL` while online, then `sigil verify <lockfile> --offline`';

export function httpRecordSource(
  server: string,
  options: HttpRecordSourceOptions = {},
): RecordSource {
  const base = server.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 30_000;
  const batchSize = options.batchSize ?? 1000;
  const concurrency = options.concurrency ?? 4;
  const maxBytes = options.maxResponseBytes ?? 256 * 1024 * 1024;
  let keysPromise: Promise<ServerKeys> | undefined;
  let logClient: LogClient | undefined;

  async function request(url: string, init?: { body: unknown }): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        method: init ? 'POST' : 'GET',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          accept: 'application/json',
          'user-agent': 'sigil',
          ...(init ? { 'content-type': 'application/json' } : {}),
        },
        ...(init ? { body: JSON.stringify(init.body) } : {}),
      });
    } catch (cause) {
      const why =
        (cause as Error & { cause?: { code?: string } }).cause?.code ?? (cause as Error).message;
      throw new RecordSourceError(
        'RECORDS_UNAVAILABLE',
        `cannot reach the Sigil server ${base}: ${why}`,
        { hint: OFFLINE_HINT, cause },
      );
    }
    const text = await readBounded(res, url, maxBytes);
    if (res.status === 404) return undefined;
    if (res.status !== 200) {
      let detail = '';
      try {
        const j = JSON.parse(text) as { message?: unknown; code?: unknown };
        if (typeof j.message === 'string') detail = `: ${j.message}`;
      } catch {
        /* not JSON */
      }
      throw new RecordSourceError(
        'RECORDS_UNAVAILABLE',
        `${url} answered HTTP ${res.status}${detail}`,
        { hint: res.status >= 500 ? OFFLINE_HINT : undefined },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new RecordSourceError('RECORDS_RESPONSE_INVALID', `${url} did not answer JSON`);
    }
  }

  const source: RecordSource = {
    name: base,
    keys() {
      keysPromise ??= (async () => {
        const url = `${base}/.well-known/sigil/keys.json`;
        const v = await request(url);
        if (v === undefined)
          throw new RecordSourceError(
            'RECORDS_UNAVAILABLE',
            `${url} was not found: is ${base} a Sigil server?`,
          );
        return parseServerKeys(v, url);
      })();
      return keysPromise;
    },
    async lookup(purls) {
      const url = `${base}/api/v1/releases/lookup`;
      const records: Record<string, AnswerRecord> = {};
      let checkpoint = '';
      // Up to `concurrency` batches in flight; answers taken in batch order (the last batch's checkpoint, as one at a time).
      const answers = await inBatches(
        purls.length === 0 ? [undefined] : purls,
        batchSize,
        concurrency,
        async (chunk) => {
          const asked = chunk.filter((p): p is string => p !== undefined);
          const v = await request(url, { body: { purls: asked } });
          if (v === undefined)
            throw new RecordSourceError(
              'RECORDS_UNAVAILABLE',
              `${url} was not found: the server does not implement the batch lookup`,
            );
          return { asked, r: parseLookupResponse(v, url) };
        },
      );
      for (const { asked, r } of answers) {
        checkpoint = r.checkpoint;
        for (const p of asked) records[p] = r.records[p] ?? null;
      }
      return { checkpoint, records } satisfies RecordLookup;
    },
    async consistencyProof(size1, size2) {
      const keys = await source.keys();
      logClient ??= new LogClient({
        baseUrl: keys.log.url ?? `${base}/log`,
        verifierKey: keys.log.vkey,
        origin: keys.log.origin,
        fetcher: options.fetcher ?? httpFetcher({ timeoutMs }),
      });
      return (await logClient.proveConsistency(size1, size2)).map((h) =>
        Buffer.from(h).toString('base64'),
      );
    },
  };
  return source;
}

async function readBounded(res: Response, url: string, maxBytes: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await reader.read().catch((cause: unknown) => {
      throw new RecordSourceError(
        'RECORDS_UNAVAILABLE',
        `reading ${url} failed: ${(cause as Error).message}`,
        { cause },
      );
    });
    if (r.done) break;
    total += r.value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw new RecordSourceError(
        'RECORDS_RESPONSE_INVALID',
        `${url} sent more than ${maxBytes} bytes`,
      );
    }
    chunks.push(r.value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
