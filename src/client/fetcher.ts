/**
 * Fetcher: how the client reads a log over HTTP, injectable for tests
 * (tuf-js client/src/fetcher.ts). Every read is bounded: a response larger
 * than `maxBytes` is refused while streaming, never buffered whole.
 */
import { LogClientError } from './errors.js';

/**
 * Fetcher contract: `get` resolves with the body of a 200 response (at most
 * `maxBytes` bytes), with undefined for 404/410 (absent), and rejects with
 * LogClientError LOG_TRANSPORT for any other status or network failure,
 * LOG_RESPONSE_TOO_LARGE when the body exceeds `maxBytes`.
 */
export interface Fetcher {
  get(url: string, options: { readonly maxBytes: number }): Promise<Uint8Array | undefined>;
}

export interface HttpFetcherOptions {
  /** Per-request timeout in milliseconds (default 30 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

/** httpFetcher is the default Fetcher, over the global fetch (Node ≥ 20). */
export function httpFetcher(options: HttpFetcherOptions = {}): Fetcher {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async get(url, { maxBytes }) {
      let res: Response;
      try {
        res = await fetch(url, {
          signal: AbortSignal.timeout(timeoutMs),
          headers: { 'user-agent': options.userAgent ?? 'sigil', accept: '*/*' },
          redirect: 'follow',
        });
      } catch (cause) {
        throw new LogClientError(
          'LOG_TRANSPORT',
          `cannot fetch ${url}: ${(cause as Error).message}`,
          { url, cause },
        );
      }
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel();
        return undefined;
      }
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new LogClientError('LOG_TRANSPORT', `${url} answered HTTP ${res.status}`, {
          url,
          status: res.status,
        });
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (Number.isFinite(declared) && declared > maxBytes) {
        await res.body?.cancel();
        throw tooLarge(url, maxBytes);
      }
      return readBounded(res, url, maxBytes);
    },
  };
}

function tooLarge(url: string, maxBytes: number): LogClientError {
  return new LogClientError('LOG_RESPONSE_TOO_LARGE', `${url} sent more than ${maxBytes} bytes`, {
    url,
  });
}

async function readBounded(res: Response, url: string, maxBytes: number): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let r: Awaited<ReturnType<typeof reader.read>>;
    try {
      r = await reader.read();
    } catch (cause) {
      throw new LogClientError(
        'LOG_TRANSPORT',
        `reading ${url} failed: ${(cause as Error).message}`,
        { url, cause },
      );
    }
    if (r.done) break;
    total += r.value.length;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, maxBytes);
    }
    chunks.push(r.value);
  }
  return new Uint8Array(Buffer.concat(chunks));
}
