/**
 * rekorRoutes: the Rekor v2 write endpoint as a fastify 5 plugin.
 *
 *   app.register(rekorRoutes, { log, maxBodyBytes })   // POST /api/v2/log/entries
 *
 * Register it WITHOUT fastify-plugin (as here): it installs its own raw-body
 * content-type parser and error handler, which stay inside its encapsulation
 * context and do not touch sibling routes (e.g. createLogServer's read side).
 * Use `prefix` to serve it under the log's prefix.
 */
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import { DEFAULT_MAX_REQUEST_BYTES } from '../../../log/rekor/index.js';
import type { TransparencyLog } from '../../../log/service.js';
import { createEntry, errorAnswer, type HttpAnswer } from './create-entry.js';
import type { LogAdmission } from '../../log-admission.js';
import type { PreparePool } from './prepare-pool.js';
import { acceptRawBody } from '../../raw-body.js';

export interface RekorRoutesOptions {
  readonly log: TransparencyLog;
  /** Largest request body accepted, in bytes (default 4 MiB). Larger bodies get 413 naming the limit. */
  readonly maxBodyBytes?: number;
  /** Who may add entries (default: anyone with a valid signed entry; see log-admission.ts). */
  readonly admission?: LogAdmission;
  /** Parse and verify requests on these worker threads (default: on the event loop). */
  readonly preparePool?: PreparePool;
}

export const REKOR_ENTRIES_PATH = '/api/v2/log/entries';

export const rekorRoutes: FastifyPluginAsync<RekorRoutesOptions> = async (fastify, opts) => {
  const maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const send = (reply: import('fastify').FastifyReply, a: HttpAnswer) =>
    reply.code(a.status).headers(a.headers).send(a.body);

  // Raw bytes in: the pure layer parses JSON itself and names bad fields.
  fastify.removeAllContentTypeParsers();
  acceptRawBody(fastify, '*', maxBodyBytes);

  fastify.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return send(
        reply,
        errorAnswer(413, {
          code: 'REKOR_REQUEST_TOO_LARGE',
          message: `request body is over the limit of ${maxBodyBytes} bytes`,
          limit: maxBodyBytes,
        }),
      );
    }
    if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) {
      return send(
        reply,
        errorAnswer(err.statusCode, { code: 'REKOR_REQUEST_MALFORMED', message: err.message }),
      );
    }
    reply.log.error(err);
    return send(
      reply,
      errorAnswer(500, { code: 'INTERNAL', message: 'the log failed to add the entry' }),
    );
  });

  const admission = opts.admission;
  const needsKey = Symbol('needsKey');
  type AdmittedRequest = import('fastify').FastifyRequest & { [needsKey]?: boolean };
  const admit = admission
    ? {
        // Before the body is read: rate limit, token; the key policy needs the parsed entry.
        onRequest: async (req: AdmittedRequest, reply: import('fastify').FastifyReply) => {
          const r = admission.checkRequest(req, 'dsse');
          if (r.refused)
            return send(
              reply,
              errorAnswer(
                r.refused.status,
                { code: r.refused.code, message: r.refused.message },
                { ...r.refused.headers },
              ),
            );
          req[needsKey] = r.needsEntryCheck;
        },
      }
    : {};

  fastify.post(REKOR_ENTRIES_PATH, admit, async (req: AdmittedRequest, reply) => {
    const body = req.body;
    if (!(body instanceof Uint8Array) || body.length === 0) {
      return send(
        reply,
        errorAnswer(400, {
          code: 'REKOR_REQUEST_MALFORMED',
          message: 'request body is empty; expected a JSON CreateEntryRequest',
          fields: ['(body)'],
        }),
      );
    }
    const check =
      admission && req[needsKey]
        ? (e: Parameters<LogAdmission['checkEntry']>[0]) => admission.checkEntry(e)
        : undefined;
    return send(
      reply,
      await createEntry(opts.log, body, {
        maxBodyBytes,
        ...(check ? { admit: check } : {}),
        ...(opts.preparePool ? { pool: opts.preparePool } : {}),
      }),
    );
  });
};
