/**
 * The read side of a transparency log over HTTP (c2sp.org/tlog-tiles), plus a
 * generic raw-bytes add endpoint, as a fastify plugin over any
 * {@link TransparencyLog}:
 *
 *   GET  <prefix>/checkpoint                 text/plain; Cache-Control: no-cache
 *   GET  <prefix>/tile/<L>/<N>[.p/<W>]       application/octet-stream
 *   GET  <prefix>/tile/entries/<N>[.p/<W>]   application/octet-stream
 *        full tiles: public, max-age=31536000, immutable; partial: max-age=5
 *        404 when the tree has no such tile (a pruned partial: fetch the full tile)
 *   POST <prefix>/add                        raw entry bytes → {index, treeSize, checkpoint, duplicate}
 *        413 over the body limit (named), 503 + Retry-After on pushback
 *
 * Handlers are thin: the log does the work; errors map to statuses in one
 * place (the plugin's error handler, encapsulated so a sibling plugin — the
 * Rekor v2 personality — keeps its own parsers and error format).
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { SigilError, InputError } from '../core/errors.js';
import { MAX_ENTRY_SIZE } from '../log/entry-bundle.js';
import { type AppendResult, PushbackError, type TransparencyLog } from '../log/service.js';
import type { LogAdmission } from './log-admission.js';
import { capConnections, fastifyHttpOptions, type TrustedProxies } from './http-limits.js';
import { acceptRawBody } from './raw-body.js';

export interface LogRoutesOptions {
  readonly log: TransparencyLog;
  /** Largest accepted POST /add body (default 65535, the largest entry a tlog-tiles bundle holds). */
  readonly maxEntryBytes?: number;
  /** Who may POST /add (default: anyone; the registry refuses all, `sigil log serve` applies its policy). */
  readonly admission?: LogAdmission;
}

/** IMMUTABLE is the Cache-Control of full tiles and bundles: their bytes never change. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** PARTIAL is the Cache-Control of partial tiles (they are superseded, and may be pruned, when the full tile exists). */
export const PARTIAL = 'public, max-age=5';

/** HttpResponse is what the thin handlers write. */
interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | object;
}

/** tileResponse answers GET tile/…: the bytes with their cache policy, or 404. */
export async function tileResponse(log: TransparencyLog, path: string): Promise<HttpResponse> {
  const data = await log.readTile(path);
  if (data === undefined)
    return {
      status: 404,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `${path} not found\n`,
    };
  const partial = /\.p\/[0-9]+$/.test(path);
  return {
    status: 200,
    headers: {
      'content-type': 'application/octet-stream',
      'cache-control': partial ? PARTIAL : IMMUTABLE,
    },
    body: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** addResponse answers POST add: appends the body as one entry. */
export async function addResponse(
  log: TransparencyLog,
  body: Uint8Array | undefined,
): Promise<HttpResponse> {
  if (body === undefined || body.length === 0)
    throw new InputError('ENTRY_EMPTY', 'the request body (the entry) is empty');
  const r: AppendResult = await log.append(body);
  return {
    status: 200,
    headers: {},
    body: {
      index: r.index,
      treeSize: r.treeSize,
      checkpoint: r.checkpoint,
      duplicate: r.duplicate,
    },
  };
}

/** errorResponse maps an error to an HTTP answer: 413, 503 + Retry-After, 400 for bad input, else a generic 500. */
export function errorResponse(
  e: unknown,
  maxEntryBytes: number,
): HttpResponse & { readonly log: boolean } {
  const fe = e as Partial<FastifyError>;
  if (
    fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ||
    (e instanceof InputError && e.code === 'ENTRY_TOO_LARGE')
  ) {
    return {
      status: 413,
      headers: {},
      body: { error: `entry too large: the limit is ${maxEntryBytes} bytes` },
      log: false,
    };
  }
  if (e instanceof PushbackError) {
    return {
      status: 503,
      headers: { 'retry-after': String(e.retryAfterSeconds) },
      body: { error: e.message },
      log: false,
    };
  }
  if (e instanceof InputError)
    return { status: 400, headers: {}, body: { error: e.message, code: e.code }, log: false };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return {
      status: fe.statusCode,
      headers: {},
      body: { error: fe.message ?? 'bad request' },
      log: false,
    };
  }
  if (e instanceof SigilError && e.code === 'LOG_CLOSED') {
    return {
      status: 503,
      headers: { 'retry-after': '5' },
      body: { error: 'the log is shutting down' },
      log: false,
    };
  }
  return { status: 500, headers: {}, body: { error: 'internal error' }, log: true };
}

/** logRoutes is the fastify plugin; register it with `{ log, prefix }`. */
export const logRoutes: FastifyPluginAsync<LogRoutesOptions> = async (app, opts) => {
  const { log } = opts;
  const maxEntryBytes = opts.maxEntryBytes ?? MAX_ENTRY_SIZE;
  // Encapsulated: raw bytes whatever the content type, only inside this plugin.
  app.removeAllContentTypeParsers();
  acceptRawBody(app, '*', maxEntryBytes);
  app.setErrorHandler(async (err, req, reply) => {
    const r = errorResponse(err, maxEntryBytes);
    if (r.log) req.log.error({ err }, 'log request failed');
    return reply.code(r.status).headers(r.headers).send(r.body);
  });

  app.get('/checkpoint', async (_req, reply) => {
    const cp = await log.latestCheckpoint();
    return reply
      .code(200)
      .headers({ 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' })
      .send(cp);
  });

  app.get('/tile/*', async (req, reply) => {
    const r = await tileResponse(log, `tile/${(req.params as { '*': string })['*']}`);
    return reply.code(r.status).headers(r.headers).send(r.body);
  });

  const admission = opts.admission;
  const admit = admission
    ? {
        // Before the body is read: a refused writer costs no upload.
        onRequest: async (
          req: import('fastify').FastifyRequest,
          reply: import('fastify').FastifyReply,
        ) => {
          const r = admission.checkRequest(req, 'raw');
          if (r.refused)
            return reply
              .code(r.refused.status)
              .headers(r.refused.headers)
              .send({ error: r.refused.message, code: r.refused.code });
        },
      }
    : {};
  app.post('/add', { bodyLimit: maxEntryBytes, ...admit }, async (req, reply) => {
    const r = await addResponse(log, req.body as Buffer | undefined);
    return reply.code(r.status).headers(r.headers).send(r.body);
  });
};

export interface LogServerOptions extends LogRoutesOptions {
  /** URL prefix of the log, '' (the default, like Rekor v2 and Tessera) or e.g. '/log'. */
  readonly prefix?: string;
  /** fastify logger option (default off). */
  readonly logger?: boolean;
  /** Reverse proxies whose X-Forwarded-For names the client for write rate limits (http-limits.ts). */
  readonly trustedProxies?: TrustedProxies;
}

/**
 * createLogServer builds a fastify instance serving the log under `prefix`
 * (not listening yet). Other personalities register their own plugins on the
 * returned instance, e.g. `app.register(rekorV2Routes, { log })`.
 */
export function createLogServer(options: LogServerOptions): FastifyInstance {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: Math.max(1024 * 1024, options.maxEntryBytes ?? 0),
    ...fastifyHttpOptions(),
    ...(options.trustedProxies
      ? { trustProxy: (address: string) => options.trustedProxies!.includes(address) }
      : {}),
  });
  capConnections(app.server, undefined, options.trustedProxies);
  void app.register(logRoutes, { ...options, prefix: options.prefix ?? '' });
  return app;
}
