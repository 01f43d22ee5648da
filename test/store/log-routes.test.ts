// The log's HTTP read side and generic add endpoint (fastify inject, no socket).
import { describe, expect, it } from 'vitest';
import { verifyCheckpoint } from '../../src/log/checkpoint.js';
import { parseVerifierKey } from '../../src/log/note-key.js';
import { createLogServer, IMMUTABLE, logRoutes } from '../../src/registry/log-routes.js';
import { MemoryLog } from '../../src/store/index.js';
import Fastify from 'fastify';

describe('log routes', () => {
  it('serves checkpoint, tiles and entry bundles with cache headers, and adds raw entries', async () => {
    const log = new MemoryLog({ batchSize: 300, batchIntervalMs: 1 });
    const app = createLogServer({ log });
    const adds = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/add',
          payload: Buffer.from(`e${i}`),
          headers: { 'content-type': 'application/json' },
        }),
      ),
    );
    for (const r of adds) expect(r.statusCode).toBe(200);
    const body = adds[7]!.json() as {
      index: number;
      treeSize: number;
      checkpoint: string;
      duplicate: boolean;
    };
    expect(body).toMatchObject({ treeSize: 300, duplicate: false });
    expect(verifyCheckpoint(body.checkpoint, [parseVerifierKey(log.verifierKey)]).ok).toBe(true);
    const dup = await app.inject({ method: 'POST', url: '/add', payload: Buffer.from('e7') });
    expect(dup.json()).toMatchObject({ index: body.index, duplicate: true });

    const cp = await app.inject('/checkpoint');
    expect(cp.statusCode).toBe(200);
    expect(cp.headers['content-type']).toMatch(/^text\/plain/);
    expect(cp.headers['cache-control']).toBe('no-cache');
    expect(cp.body).toBe(await log.latestCheckpoint());

    const full = await app.inject('/tile/0/000');
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('application/octet-stream');
    expect(full.headers['cache-control']).toBe(IMMUTABLE);
    expect(full.rawPayload).toHaveLength(8192);
    const partial = await app.inject('/tile/0/001.p/44');
    expect(partial.statusCode).toBe(200);
    expect(partial.headers['cache-control']).toMatch(/max-age=5$/);
    expect((await app.inject('/tile/entries/000')).statusCode).toBe(200);
    expect((await app.inject('/tile/entries/001.p/44')).rawPayload.length).toBeGreaterThan(44 * 3);
    for (const bad of [
      '/tile/0/002',
      '/tile/0/001.p/45',
      '/tile/1/000.p/2',
      '/tile/2/000.p/1',
      '/tile/x/000',
      '/tile/0/1',
      '/tile/entries/000.p/256',
    ]) {
      expect((await app.inject(bad)).statusCode, bad).toBe(404);
    }
    await app.close();
    await log.close();
  });

  it('answers 413 naming the limit, 400 for an empty body, 503 + Retry-After on pushback', async () => {
    const log = new MemoryLog({ batchSize: 1000, batchIntervalMs: 200, maxPending: 2 });
    const app = Fastify();
    await app.register(logRoutes, { log, prefix: '/log', maxEntryBytes: 100 });
    const big = await app.inject({ method: 'POST', url: '/log/add', payload: Buffer.alloc(101) });
    expect(big.statusCode).toBe(413);
    expect(big.json().error).toContain('100 bytes');
    expect(
      (await app.inject({ method: 'POST', url: '/log/add', payload: Buffer.alloc(0) })).statusCode,
    ).toBe(400);
    const held = [
      app.inject({ method: 'POST', url: '/log/add', payload: 'a' }),
      app.inject({ method: 'POST', url: '/log/add', payload: 'b' }),
    ];
    await new Promise((r) => setTimeout(r, 20));
    const busy = await app.inject({ method: 'POST', url: '/log/add', payload: 'c' });
    expect(busy.statusCode).toBe(503);
    expect(busy.headers['retry-after']).toBe('1');
    for (const r of await Promise.all(held)) expect(r.statusCode).toBe(200);
    await app.close();
    await log.close();
  });
});
