// POST /api/v2/log/entries through fastify (inject, no sockets): statuses,
// error bodies, Retry-After on pushback, and that refused entries never reach the log.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { signEnvelope } from '../../src/core/dsse.js';
import { generateKey, spkiDer } from '../../src/core/keys.js';
import { parseVerifierKey } from '../../src/log/index.js';
import { checkTransparencyLogEntry } from '../../src/log/rekor/index.js';
import { rekorRoutes } from '../../src/registry/personalities/rekor/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

const key = generateKey('ed25519');
const envelope = signEnvelope('application/vnd.in-toto+json', Buffer.from('{"x":1}'), key);
const good = {
  dsseRequestV002: {
    envelope,
    verifiers: [
      {
        publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
        keyDetails: 'PKIX_ED25519',
      },
    ],
  },
};

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function server(log: MemoryLog, maxBodyBytes?: number): Promise<FastifyInstance> {
  app = Fastify();
  await app.register(rekorRoutes, maxBodyBytes === undefined ? { log } : { log, maxBodyBytes });
  // a sibling route keeps fastify's own JSON parser: the plugin's parser is encapsulated
  app.post('/other', async (req) => ({ got: req.body }));
  return app;
}

const post = (
  a: FastifyInstance,
  payload: unknown,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  a.inject({
    method: 'POST',
    url: '/api/v2/log/entries',
    headers,
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });

describe('rekorRoutes', () => {
  it('201 with a TransparencyLogEntry whose proof verifies; 200 with the same index for a duplicate', async () => {
    const log = new MemoryLog();
    const a = await server(log);
    const r = await post(a, good);
    expect(r.statusCode).toBe(201);
    expect(r.headers['content-type']).toMatch(/application\/json/);
    const tle = r.json();
    expect(tle.logIndex).toBe('0');
    expect(
      checkTransparencyLogEntry(tle, { verifiers: [parseVerifierKey(log.verifierKey)], envelope })
        .ok,
    ).toBe(true);
    const again = await post(a, good);
    expect(again.statusCode).toBe(200);
    expect(again.json().logIndex).toBe('0');
    expect(log.size).toBe(1);
    expect((await a.inject({ method: 'POST', url: '/other', payload: { a: 1 } })).json()).toEqual({
      got: { a: 1 },
    });
  });

  it('400 with code, message and fields for bad requests; nothing is logged', async () => {
    const log = new MemoryLog();
    const a = await server(log);
    const r = await post(a, {
      dsseRequestV002: { ...good.dsseRequestV002, envelope: { ...envelope, payload: '!!' } },
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({
      code: 'REKOR_REQUEST_MALFORMED',
      fields: ['dsseRequestV002.envelope.payload'],
    });
    expect((await post(a, { hashedRekordRequestV002: {} })).json()).toMatchObject({
      code: 'REKOR_KIND_UNSUPPORTED',
    });
    expect((await post(a, 'not json')).statusCode).toBe(400);
    expect((await post(a, '', {})).json()).toMatchObject({
      code: 'REKOR_REQUEST_MALFORMED',
      message: expect.stringMatching(/empty/),
    });
    const forged = {
      dsseRequestV002: {
        ...good.dsseRequestV002,
        envelope: { ...envelope, payload: Buffer.from('{"x":2}').toString('base64') },
      },
    };
    expect((await post(a, forged)).json()).toMatchObject({
      code: 'REKOR_SIGNATURE_INVALID',
      fields: ['dsseRequestV002.envelope.signatures[0].sig'],
    });
    expect(log.size).toBe(0);
  });

  it('413 naming the limit for a body over maxBodyBytes', async () => {
    const log = new MemoryLog();
    const a = await server(log, 256);
    const r = await post(a, good);
    expect(r.statusCode).toBe(413);
    expect(r.json()).toEqual({
      code: 'REKOR_REQUEST_TOO_LARGE',
      message: 'request body is over the limit of 256 bytes',
      limit: 256,
    });
    expect(log.size).toBe(0);
  });

  it('503 with Retry-After when the log pushes back', async () => {
    const log = new MemoryLog({ pushback: () => 2.5 });
    const a = await server(log);
    const r = await post(a, good);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('3');
    expect(r.json()).toMatchObject({ code: 'LOG_PUSHBACK' });
  });
});
