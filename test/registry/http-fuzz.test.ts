// Issue 11 "Also": fuzz the whole HTTP API of `sigil serve` — registry API,
// log (tiles, Rekor v2), npm and Go personalities — with random methods,
// paths built from every route's shape, headers and bodies (fastify inject, no
// sockets). No input may produce a 5xx other than the deliberate ones (503 +
// Retry-After pushback, 507 disk full), and every error body is free of stack
// traces. The budget is small (SIGIL_FUZZ_MS, default 15 s) so CI stays fast;
// raise it locally to dig deeper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey } from '../../src/core/keys.js';
import { serializeBundle } from '../../src/core/bundle.js';
import { signRelease } from '../../src/core/sign.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { buildTgz } from '../helpers/tar-builder.js';

const BUDGET_MS = Number(process.env.SIGIL_FUZZ_MS ?? 15_000);

let dir: string;
let reg: Registry;
/** A second registry without accounts (open writes): random bodies reach the publish pipelines. */
let open: Registry;
let token: string;
const tgz = buildTgz([
  { name: 'package/package.json', content: JSON.stringify({ name: 'fuzzed', version: '1.0.0' }) },
]);
const key = generateKey();
const bundle = JSON.parse(
  serializeBundle(signRelease({ purl: 'pkg:npm/fuzzed@1.0.0', digests: digestBytes(tgz), key })),
);
const sha256 = digestBytes(tgz).sha256!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-fuzz-'));
  reg = await openRegistry({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    passphrase: 'pw',
    authLimits: {
      perIp: { burst: 1e9, perMinute: 1e9 },
      perAccount: { burst: 1e9, perMinute: 1e9 },
    },
  });
  token = reg.adminToken!;
  await reg.app.ready();
  open = await openRegistry({
    dataDir: join(dir, 'open'),
    host: '127.0.0.1',
    port: 0,
    passphrase: 'pw',
    openWrites: true,
  });
  await open.app.ready();
  // Something to find: one published release (so lookups, tiles and proofs have data).
  const r = await reg.app.inject({
    method: 'POST',
    url: '/api/v1/publish',
    headers: { authorization: `Bearer ${token}` },
    payload: { filename: 'fuzzed-1.0.0.tgz', artifact: tgz.toString('base64'), bundle: null },
  });
  expect(r.statusCode, r.body).toBe(201);
});
afterAll(async () => {
  await reg?.close();
  await open?.close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- generators -------------------------------------------------------------

/** A path segment: plausible names, hostile spellings, percent-encodings, unicode, huge. */
const segment = fc.oneof(
  fc.constantFrom(
    'fuzzed',
    '@scope%2ffuzzed',
    '@scope',
    'fuzzed-1.0.0.tgz',
    '1.0.0',
    'latest',
    '-',
    '..',
    '.',
    '%2e%2e',
    '%00',
    '%ff',
    '%',
    '%zz',
    '@v',
    'list',
    'v1.0.0.info',
    '!a',
    'pkg%3Anpm%2Ffuzzed%401.0.0',
    'pkg:npm/fuzzed@1.0.0',
    sha256,
    'x'.repeat(5000),
    'tile',
    'entries',
    '000.p',
    'data',
    'checkpoint',
    'lookup',
    'supported',
    'latest',
  ),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', maxLength: 8 }).map(encodeURIComponent),
  fc.nat(1_000_000).map(String),
);

/** Route shapes of every personality; '$' is replaced by random segments. */
const SHAPES = [
  '/api/v1/publish',
  '/api/v1/releases/$',
  '/api/v1/releases',
  '/api/v1/releases/lookup',
  '/api/v1/blobs/sha256/$',
  '/api/v1/blobs/sha256/$/$',
  '/api/v1/ledger/$',
  '/api/v1/ledger/$/$',
  '/api/v1/ledger/lookup',
  '/api/v1/key-events',
  '/.well-known/sigil/keys.json',
  '/-/npm/v1/keys',
  '/log/checkpoint',
  '/log/tile/$/$',
  '/log/tile/$/$.p/$',
  '/log/tile/entries/$',
  '/log/add',
  '/log/api/v2/log/entries',
  '/$',
  '/$/$',
  '/$/-/$',
  '/@scope/$',
  '/-/package/$/dist-tags',
  '/-/package/$/dist-tags/$',
  '/-/ping',
  '/-/whoami',
  '/-/v1/search',
  '/-/user/$',
  '/go/$/@v/list',
  '/go/$/@v/$',
  '/go/$/$/@v/$',
  '/go/$/@latest',
  '/go/example.com/$/@v/$',
  '/go/example.com/$/@v/list',
  '/fuzzed/$',
  '/fuzzed/-/$',
  '/@scope/fuzzed/-/$',
  '/go/sumdb/$/supported',
  '/go/sumdb/$/lookup/$',
  '/go/sumdb/$/tile/8/$/$',
  '/go/sumdb/$/latest',
  '/go/$',
  // the web UI (src/web)
  '/ui/$',
  '/ui/package/$',
  '/ui/ledger/$',
  '/ui/log',
  '/ui/log/entry/$',
  '/ui/api/inclusion/$',
  '/ui/api/consistency',
  '/ui/search',
  '/ui/verify',
  '/ui/account',
  '/ui/account/sign-in',
  '/ui/account/tokens/revoke',
  '/ui/account/2fa/confirm',
  '/ui/assets/$',
];

const path = fc
  .tuple(
    fc.constantFrom(...SHAPES),
    fc.array(segment, { minLength: 6, maxLength: 6 }),
    fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
  )
  .map(([shape, segs, query]) => {
    let i = 0;
    const p = shape.replace(/\$/g, () => segs[i++]!);
    return query === undefined ? p : `${p}?${query.replace(/[#\s]/g, '')}`;
  });

const json = fc.jsonValue({ maxDepth: 4 });
/** Bodies near the real shapes (so validation runs deep), and random ones. */
const body = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc
    .record({
      filename: fc.oneof(fc.string(), fc.constant('fuzzed-1.0.0.tgz')),
      artifact: fc.oneof(fc.string(), fc.constant(tgz.toString('base64')), fc.base64String()),
      bundle: fc.oneof(json, fc.constant(bundle)),
      keyEvents: fc.option(fc.array(json, { maxLength: 2 })),
      type: fc.option(fc.string()),
      name: fc.option(fc.string()),
      version: fc.option(fc.string()),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      purls: fc.array(fc.oneof(fc.string(), fc.constant('pkg:npm/fuzzed@1.0.0'), json), {
        maxLength: 5,
      }),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({ namespaces: fc.array(fc.oneof(fc.string(), json), { maxLength: 5 }) })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      envelope: fc.oneof(
        json,
        fc.record({
          payload: fc.base64String(),
          payloadType: fc.string(),
          signatures: fc.array(json, { maxLength: 2 }),
        }),
      ),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .record({
      name: fc.string(),
      versions: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 2 }),
      'dist-tags': json,
      _attachments: fc.dictionary(
        fc.string({ maxLength: 8 }),
        fc.record({
          data: fc.oneof(fc.base64String(), fc.constant(tgz.toString('base64'))),
          length: fc.nat(),
        }),
        { maxKeys: 2 },
      ),
    })
    .map((v) => JSON.stringify(v)),
  fc.record({ dsseRequestV002: json }).map((v) => JSON.stringify(v)),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  fc.string({ maxLength: 200 }),
  fc.constant(undefined),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/octet-stream',
      'text/plain',
      'application/json; charset=utf-16',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
      '*/*',
      'application/vnd.npm.install-v1+json',
      '',
    ),
    authorization: fc.oneof(
      fc.constant('VALID'),
      fc.string({ maxLength: 40 }),
      fc.constant('Bearer '),
      fc.constant('Basic Zm9vOmJhcg=='),
    ),
    accept: fc.constantFrom(
      'application/json',
      'application/vnd.npm.install-v1+json',
      'text/html',
      '*/*',
    ),
    'npm-otp': fc.string({ maxLength: 8 }),
    'content-encoding': fc.constantFrom('gzip', 'identity', 'br'),
    'if-none-match': fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);

const request = fc.record({
  openWrites: fc.boolean(),
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  url: path,
  headers,
  body,
});

describe('HTTP API fuzz (every route, every personality)', () => {
  it(
    `no input gets an unexpected 5xx or a stack trace (${BUDGET_MS} ms budget)`,
    async () => {
      let runs = 0;
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          runs++;
          const h: Record<string, string> = {};
          for (const [k, v] of Object.entries(r.headers))
            if (v !== undefined && v !== '')
              h[k] = v === 'VALID' ? `Bearer ${token}` : v.replace(/[^\t\x20-\x7e]/g, '');
          if (r.body === undefined) delete h['content-type'];
          const res = await (r.openWrites ? open : reg).app.inject({
            method: r.method as 'GET',
            url: r.url,
            headers: h,
            ...(r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD'
              ? { payload: r.body }
              : {}),
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const deliberate =
            (res.statusCode === 503 || res.statusCode === 507) &&
            res.headers['retry-after'] !== undefined;
          expect(
            res.statusCode >= 500 && !deliberate,
            `${r.method} ${r.url} → ${res.statusCode} ${res.body.slice(0, 300)}`,
          ).toBe(false);
          expect(res.body, `${r.method} ${r.url}`).not.toMatch(/\n\s+at [^\n]+\.(?:ts|js):\d+/);
        }),
        { numRuns: 1_000_000, interruptAfterTimeLimit: BUDGET_MS, markInterruptAsFailure: false },
      );
      console.log(
        `fuzz: ${runs} requests; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort((a, b) => a[0] - b[0])))}`,
      );
      expect(runs).toBeGreaterThan(100);
    },
    BUDGET_MS + 30_000,
  );
});
