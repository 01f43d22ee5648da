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
import type Database from 'better-sqlite3';
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
  readonly db: Database.Database;
}

export async function entryRoutes(app: FastifyInstance, opts: EntryRoutesOptions): Promise<void> {
  const { db } = opts;
  const releases = db.prepare(
    `SELECT author_index AS i, 'author' AS kind, author_bundle AS doc FROM release WHERE state = 'published' AND author_index >= ? AND author_index < ?
     UNION ALL
     SELECT publish_index AS i, 'publish' AS kind, publish_envelope AS doc FROM release WHERE state = 'published' AND publish_index >= ? AND publish_index < ?`,
  );
  const events = db.prepare(
    `SELECT log_index AS i, 'key-event' AS kind, envelope AS doc FROM key_event WHERE log_index >= ? AND log_index < ?`,
  );
  app.setValidatorCompiler(schemaCompiler);
  // This route's refusals keep their own shape: {"error": "<message>", "code"}.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    if (err instanceof RegistryError)
      return reply.code(err.status).send({ error: err.message, code: err.code });
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
    const rows = [
      ...(releases.all(start, end, start, end) as { i: number; kind: string; doc: string }[]),
      ...(events.all(start, end) as { i: number; kind: string; doc: string }[]),
    ];
    const entries = rows
      .sort((a, b) => a.i - b.i)
      .map((r) => {
        const doc = JSON.parse(r.doc) as Record<string, unknown>;
        // Author bundles are stored whole; the logged thing is their DSSE envelope.
        const envelope = r.kind === 'author' ? doc['dsseEnvelope'] : doc;
        return { logIndex: r.i, kind: r.kind, envelope };
      });
    return reply.header('cache-control', 'no-cache').send({ entries });
  }
  app.get(
    '/api/v1/log/envelopes',
    { schema: { querystring: RANGE_QUERY }, schemaErrorFormatter: refuseInvalid(rangeHint) },
    logEnvelopes,
  );
}
