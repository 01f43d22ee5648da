// Routes with a typed querystring, checked by the route's schema (route-schema.ts):
// GET /api/v1/log/envelopes (entry-routes.ts, refusals in its own {error, code} shape) and
// GET /api/v1/conflicts (observed/routes.ts, the registry's error body).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { buildTgz } from '../helpers/tar-builder.js';

let t: TestRegistry;
beforeAll(async () => {
  t = await startRegistry('entries');
  const tgz = buildTgz([
    {
      name: 'package/package.json',
      content: JSON.stringify({ name: 'env-pkg', version: '1.0.0' }),
    },
  ]);
  expect((await t.publish(t.admin, tgz)).status).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

describe('GET /api/v1/log/envelopes', () => {
  it('answers the publish envelope of a release by its log index', async () => {
    const r = await t.call(t.admin, 'GET', '/api/v1/log/envelopes?start=0&end=10');
    expect(r.status, r.text).toBe(200);
    const entries = r.json['entries'] as {
      logIndex: number;
      kind: string;
      envelope: { payloadType: string };
    }[];
    expect(entries.map((e) => e.kind)).toContain('publish');
    expect(entries.every((e) => typeof e.envelope.payloadType === 'string')).toBe(true);
  });

  it('refuses a query without two log indexes, or a range over 1000, naming the problem', async () => {
    for (const [query, says] of [
      ['', 'start is missing; end is missing'],
      ['?start=0', 'end is missing'],
      ['?start=-1&end=3', 'start must be a log index (digits)'],
      ['?start=0&end=1e3', 'end must be a log index (digits)'],
      ['?start=0&end=1&end=2', 'end must be a log index (digits)'],
      ['?start=5&end=4', ''],
      ['?start=0&end=1001', ''],
    ] as const) {
      const r = await t.call(t.admin, 'GET', `/api/v1/log/envelopes${query}`);
      expect(r.status, query).toBe(400);
      expect(Object.keys(r.json).sort()).toEqual(['code', 'error']);
      expect(r.json['code']).toBe('BAD_REQUEST');
      expect(r.json['error']).toBe(
        `give ?start=N&end=M with 0 ≤ M − N ≤ 1000${says ? `: ${says}` : ''}`,
      );
    }
  });
});

describe('GET /api/v1/conflicts', () => {
  it('lists conflicts for one purl or all; a repeated or bad purl is refused in the registry error shape', async () => {
    expect((await t.call(t.admin, 'GET', '/api/v1/conflicts')).json).toEqual({ conflicts: [] });
    expect(
      (
        await t.call(
          t.admin,
          'GET',
          `/api/v1/conflicts?purl=${encodeURIComponent('pkg:npm/env-pkg')}`,
        )
      ).json,
    ).toEqual({ conflicts: [] });
    const twice = await t.call(t.admin, 'GET', '/api/v1/conflicts?purl=pkg:npm/a&purl=pkg:npm/b');
    expect(twice.status).toBe(400);
    expect(twice.json.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'give ?purl=<package URL> or nothing: purl must be one package URL',
    });
    const bad = await t.call(t.admin, 'GET', '/api/v1/conflicts?purl=nope');
    expect(bad.status).toBe(400);
    expect(bad.json.error?.code).toBe('PURL_INVALID');
  });
});
