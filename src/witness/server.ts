/**
 * The witness over HTTP (c2sp.org/tlog-witness v1.0.0):
 *
 *   POST /add-checkpoint           request body per tlog-witness; 200 text/x.tlog.cosignature… lines,
 *                                  409 text/x.tlog.size "<latest size>\n", 400/403/404/422 text/plain reason
 *   GET  /<hex sha256(origin)>/checkpoint   the latest cosigned checkpoint (log + witness signatures), 404 if none
 *   GET  /                         the witness's name, vkey and logs (JSON; for operators)
 *
 * Handlers are thin: the store makes the decision atomically (store.ts).
 */
import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { InputError } from '../core/errors.js';
import { MAX_ADD_CHECKPOINT_BYTES, parseAddCheckpointRequest } from '../log/add-checkpoint.js';
import type { WitnessKey } from './key.js';
import type { WitnessStore } from './store.js';

export interface WitnessServerOptions {
  readonly store: WitnessStore;
  readonly key: Pick<WitnessKey, 'name' | 'signer' | 'vkey'>;
  readonly logger?: boolean;
}

/** originHash is the monitoring path segment of a log: lowercase hex SHA-256 of its origin. */
export function originHash(origin: string): string {
  return createHash('sha256').update(origin, 'utf8').digest('hex');
}

/** createWitnessServer builds the fastify app (not listening yet). */
export function createWitnessServer(options: WitnessServerOptions): FastifyInstance {
  const { store, key } = options;
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: MAX_ADD_CHECKPOINT_BYTES });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  const text = 'text/plain; charset=utf-8';

  app.post('/add-checkpoint', async (req, reply) => {
    const body = req.body as Buffer | undefined;
    let request;
    try {
      request = parseAddCheckpointRequest(new Uint8Array(body ?? Buffer.alloc(0)));
    } catch (e) {
      if (e instanceof InputError) return reply.code(400).type(text).send(`${e.message}\n`);
      throw e;
    }
    const r = store.addCheckpoint(request, key.signer);
    if (r.ok) return reply.code(200).type(text).send(r.body);
    if (r.status === 409)
      return reply
        .code(409)
        .type('text/x.tlog.size')
        .send(`${r.latestSize ?? 0}\n`);
    return reply.code(r.status).type(text).send(`${r.message}\n`);
  });

  app.get('/:hash/checkpoint', async (req, reply) => {
    const { hash } = req.params as { hash: string };
    const origin = store.logs().find((l) => originHash(l.origin) === hash)?.origin;
    const cp = origin === undefined ? undefined : store.latestCheckpoint(origin);
    if (cp === undefined)
      return reply
        .code(404)
        .type(text)
        .send('this witness has cosigned no checkpoint of that log\n');
    return reply.code(200).headers({ 'content-type': text, 'cache-control': 'no-cache' }).send(cp);
  });

  app.get('/', async (_req, reply) =>
    reply.send({
      name: key.name,
      vkey: key.vkey,
      logs: store.logs().map((l) => ({
        origin: l.origin,
        size: l.size ?? null,
        checkpoint: `/${originHash(l.origin)}/checkpoint`,
      })),
    }),
  );
  return app;
}
