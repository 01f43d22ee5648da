/**
 * Fetching from an upstream registry, bounded: a timeout over the whole request, a byte
 * limit enforced while reading (a lying or absent Content-Length cannot get past it),
 * redirects followed by hand (at most MAX_REDIRECTS, loops refused), a limit on
 * concurrent requests per upstream. Every failure is an UpstreamError whose message
 * names the upstream and the URL: 504 for a timeout, 502 for everything else.
 */
import { RegistryError } from '../errors.js';

export const MAX_REDIRECTS = 5;

/** UpstreamError: the upstream failed; the answer to the client names it (502/504). Nothing was logged. */
export class UpstreamError extends RegistryError {
  constructor(
    status: 502 | 504,
    code: string,
    message: string,
    hint?: string,
    detail?: Record<string, unknown>,
  ) {
    super(status, code, message, hint, detail);
    this.name = 'UpstreamError';
  }
}

export interface UpstreamLimits {
  /** Whole-request timeout (connect, headers and body), ms. */
  readonly timeoutMs: number;
  /** Concurrent requests to this upstream. */
  readonly concurrency: number;
}

/** Semaphore: at most `n` holders at once, the rest wait in order. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly n: number) {}
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.n) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

export interface GetOptions {
  /** Label of the upstream for messages, e.g. "npm upstream http://127.0.0.1:4873". */
  readonly upstream: string;
  readonly maxBytes: number;
  /** What is fetched, for messages ("packument of left-pad", "tarball"). */
  readonly what: string;
  readonly accept?: string;
}

export interface GetResult {
  readonly status: number;
  readonly body: Buffer;
  readonly url: string;
  readonly headers: Headers;
}

/**
 * UpstreamClient: GETs against one upstream within its limits. `get` resolves with
 * status 200 and the body, or undefined for 404/410 (the upstream has no such thing);
 * anything else rejects with an UpstreamError.
 */
export class UpstreamClient {
  private readonly sem: Semaphore;
  constructor(readonly limits: UpstreamLimits) {
    this.sem = new Semaphore(limits.concurrency);
  }

  get(url: string, o: GetOptions): Promise<GetResult | undefined> {
    return this.sem.run(() => this.getNow(url, o));
  }

  /** getJson is `get` of a JSON document: its parsed value, undefined for 404/410, UPSTREAM_BAD_INDEX when it is not JSON. */
  async getJson(url: string, o: GetOptions): Promise<unknown> {
    const r = await this.get(url, { accept: 'application/json', ...o });
    if (!r) return undefined;
    try {
      return JSON.parse(r.body.toString('utf8')) as unknown;
    } catch {
      throw new UpstreamError(
        502,
        'UPSTREAM_BAD_INDEX',
        `${o.upstream}: the ${o.what} is not JSON`,
      );
    }
  }

  private async getNow(url: string, o: GetOptions): Promise<GetResult | undefined> {
    const signal = AbortSignal.timeout(this.limits.timeoutMs);
    const seen = new Set<string>();
    let current = url;
    try {
      for (let hop = 0; ; hop++) {
        if (seen.has(current))
          throw new UpstreamError(
            502,
            'UPSTREAM_REDIRECT_LOOP',
            `${o.upstream}: redirect loop while fetching the ${o.what} (${current} again)`,
          );
        seen.add(current);
        const res = await fetch(current, {
          redirect: 'manual',
          signal,
          headers: { accept: o.accept ?? '*/*', 'user-agent': 'sigil-proxy' },
        });
        if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
          await res.body?.cancel();
          if (hop >= MAX_REDIRECTS)
            throw new UpstreamError(
              502,
              'UPSTREAM_TOO_MANY_REDIRECTS',
              `${o.upstream}: more than ${MAX_REDIRECTS} redirects while fetching the ${o.what} (${url})`,
            );
          current = new URL(res.headers.get('location')!, current).toString();
          continue;
        }
        if (res.status === 404 || res.status === 410) {
          await res.body?.cancel();
          return undefined;
        }
        if (res.status !== 200) {
          await res.body?.cancel();
          throw new UpstreamError(
            502,
            'UPSTREAM_ERROR',
            `${o.upstream} answered ${res.status} for the ${o.what} (${current})`,
            'the upstream registry is failing; try again later',
          );
        }
        const declared = Number(res.headers.get('content-length') ?? NaN);
        if (declared > o.maxBytes) {
          await res.body?.cancel();
          throw tooLarge(o, declared);
        }
        const body = await readLimited(res, o);
        if (Number.isFinite(declared) && body.length !== declared) {
          throw new UpstreamError(
            502,
            'UPSTREAM_TRUNCATED',
            `${o.upstream}: the ${o.what} was truncated (${body.length} of ${declared} bytes) (${current})`,
          );
        }
        return { status: 200, body, url: current, headers: res.headers };
      }
    } catch (e) {
      if (e instanceof UpstreamError) throw e;
      if (signal.aborted)
        throw new UpstreamError(
          504,
          'UPSTREAM_TIMEOUT',
          `${o.upstream} did not answer within ${this.limits.timeoutMs} ms for the ${o.what} (${url})`,
          'the upstream registry is slow or unreachable; try again later',
        );
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      if (/terminated|ECONNRESET|UND_ERR_SOCKET/i.test(`${(e as Error).message} ${why}`)) {
        throw new UpstreamError(
          502,
          'UPSTREAM_TRUNCATED',
          `${o.upstream}: the connection broke while reading the ${o.what} (${why}) (${url})`,
        );
      }
      throw new UpstreamError(
        502,
        'UPSTREAM_UNREACHABLE',
        `${o.upstream} is unreachable: ${why} (${url})`,
        'check that the upstream URL is right and the registry is up',
      );
    }
  }
}

function tooLarge(o: GetOptions, size: number | undefined): UpstreamError {
  return new UpstreamError(
    502,
    'UPSTREAM_TOO_LARGE',
    `${o.upstream}: the ${o.what} is larger than this proxy's limit of ${o.maxBytes} bytes${size !== undefined ? ` (${size} bytes)` : ''}`,
    'raise the limit in sigil.config.json (upstreams.limits) if this is expected',
    { limit: o.maxBytes },
  );
}

async function readLimited(res: Response, o: GetOptions): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  if (!res.body) return Buffer.alloc(0);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    n += value.byteLength;
    if (n > o.maxBytes) {
      await reader.cancel();
      throw tooLarge(o, undefined);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return Buffer.concat(chunks);
}
