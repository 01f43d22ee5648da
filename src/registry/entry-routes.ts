/**
 * The envelopes behind log entries, by log index, for monitors:
 *
 *   GET /api/v1/log/envelopes?start=N&end=M    (M − N ≤ 1000)
 *     → {"entries": [{"logIndex": i, "kind": "author"|"publish"|"key-event", "envelope": {DSSE}}, …]}
 *
 * A Rekor v2 dsse leaf holds only the hash of its payload; a monitor that
 * replays the log from its tiles fetches the payloads here and checks each
 * against the leaf's payloadHash, so this endpoint is not trusted for
 * anything it says (src/monitor). Indexes with no envelope (entries appended
 * by others, or pending) are simply absent.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReleaseTables } from '../store/registry/release-tables.js';
import { PushbackError } from '../log/service.js';
import { RegistryError } from './errors.js';
import { refuseInvalid, schemaCompiler } from './route-schema.js';

export const MAX_ENVELOPE_RANGE = 1000;

const index = { type: 'string', pattern: '^[0-9]+$', description: 'a log index (digits)' } as const;
const RANGE_QUERY = {
  type: 'object',
  required: ['start', 'end'],
  properties: { start: index, end: index },
} as const;
const rangeHint = `give ?start=N&end=M with 0 ≤ M − N ≤ ${MAX_ENVELOPE_RANGE}`;

export interface EntryRoutesOptions {
  /** The registry's release tables (any storage driver: the replicas' shared ones too). */
  readonly releases: ReleaseTables;
}

export async function entryRoutes(app: FastifyInstance, opts: EntryRoutesOptions): Promise<void> {
  const { releases } = opts;
  app.setValidatorCompiler(schemaCompiler);
  // This route's refusals keep their own shape: {"error": "<message>", "code"}.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof RegistryError)
      return reply.code(err.status).send({ error: err.message, code: err.code });
    // Storage out of reach (a replica's PostgreSQL) or full: pushback, not a server fault.
    if (err instanceof PushbackError)
      return reply
        .code(503)
        .header('retry-after', String(err.retryAfterSeconds))
        .send({ error: err.message, code: 'STORAGE_UNAVAILABLE' });
    req.log.error(err);
    return reply
      .code(500)
      .send({ error: 'the registry failed to handle this request', code: 'INTERNAL' });
  });
  async function logEnvelopes(
    req: FastifyRequest<{ Querystring: { start: string; end: string } }>,
    reply: FastifyReply,
  ) {
    const start = Number(req.query.start);
    const end = Number(req.query.end);
    if (end < start || end - start > MAX_ENVELOPE_RANGE)
      throw new RegistryError(400, 'BAD_REQUEST', rangeHint);
    const rows = await releases.loggedDocuments(start, end);
    const entries = [...rows]
      .sort((a, b) => a.index - b.index)
      .map((r) => {
        const doc = JSON.parse(r.doc) as Record<string, unknown>;
        // Author bundles are stored whole; the logged thing is their DSSE envelope.
        const envelope = r.kind === 'author' ? doc['dsseEnvelope'] : doc;
        return { logIndex: r.index, kind: r.kind, envelope };
      });
    return reply.header('cache-control', 'no-cache').send({ entries });
  }
  app.get(
    '/api/v1/log/envelopes',
    { schema: { querystring: RANGE_QUERY }, schemaErrorFormatter: refuseInvalid(rangeHint) },
    logEnvelopes,
  );
}
