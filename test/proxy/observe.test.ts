// The observe service through the HTTP API of `sigil serve --upstream npm=…`, against a static
// npm upstream serving real tarballs with npm registry signatures: first lookup logs an observed
// record (DSSE by the registry key, in the same log), later lookups answer it; hosted and private
// names are never asked upstream; faults answer 502/504 naming the upstream and log nothing.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyEnvelope } from '../../src/core/dsse.js';
import { OBSERVED_PREDICATE_TYPE, parseObservedStatement } from '../../src/core/observed.js';
import { envelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { recordHash } from '../../src/log/hash.js';
import {
  cachedLockPackages,
  startStaticNpmUpstream,
  type StaticNpmUpstream,
  type UpstreamPackage,
} from './static-npm-upstream.js';
import { checkInclusion } from '../../src/log/proof.js';
import { runCli } from '../helpers/cli.js';
import { writeFileSync } from 'node:fs';
import { buildTgz } from '../helpers/tar-builder.js';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { parseNote } from '../../src/log/note.js';

let dir: string;
let upstream: StaticNpmUpstream;
let registry: Registry;
let url: string;
let small: UpstreamPackage[];

const purlOf = (p: { name: string; version: string }) =>
  `pkg:npm/${p.name.replace('@', '%40')}@${p.version}`;
const api = (purl: string) => `${url}/api/v1/releases/${encodeURIComponent(purl)}`;
const logSize = () => registry.log.size;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-observe-'));
  small = cachedLockPackages()
    .filter((p) => p.bytes.length < 20_000)
    .slice(0, 12);
  expect(small.length).toBeGreaterThanOrEqual(8);
  upstream = await startStaticNpmUpstream(small, { sign: true });
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    batchIntervalMs: 1,
    proxy: parseProxyConfig(
      {
        upstreams: { npm: { url: upstream.url } },
        private: [purlOf({ name: small[7]!.name, version: 'x' }).replace(/@x$/, '')],
        limits: { timeoutMs: 1500, maxArtifactBytes: 1_000_000, maxIndexBytes: 2_000_000 },
      },
      'test',
    ),
  });
  url = await registry.listen();
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  upstream.fault = undefined;
});

describe('observed records', () => {
  it('a first lookup fetches, checks and logs; the record is a registry-signed observed statement in the log', async () => {
    const p = small[0]!;
    const before = logSize();
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(200);
    const record = (await res.json()) as {
      purl: string;
      digests: { sha512: string };
      publishStatement: { payload: string; payloadType: string; signatures: { sig: string }[] };
      log: { publish: { logIndex: number; hashes: string[] }; checkpoint: string };
      registrySignature?: unknown;
    };
    expect(record.purl).toBe(purlOf(p));
    expect(record.digests.sha512).toBe(createHash('sha512').update(p.bytes).digest('hex'));
    const statement = parseObservedStatement(
      Buffer.from(record.publishStatement.payload, 'base64'),
    );
    expect(statement.predicateType).toBe(OBSERVED_PREDICATE_TYPE);
    expect(statement.predicate.upstream).toBe(upstream.url);
    expect(statement.predicate.evidence.registrySignature.verdict).toBe('valid');
    expect(statement.predicate.evidence.provenance.verdict).toBe('none');
    expect(statement.predicate.evidence.indexDigest).toEqual({
      algorithm: 'sha512',
      value: record.digests.sha512,
    });
    expect(
      verifyEnvelope(record.publishStatement as never, [registry.registryKey.publicKey]).verified
        .length,
    ).toBe(1);
    expect(record.registrySignature).toBeDefined();
    expect(logSize()).toBe(before + 1);
    // The leaf is the Rekor v2 dsse entry of the envelope: proven against the signed checkpoint.
    const leaf = envelopeLogEntry(record.publishStatement as never, registry.registryKey.publicKey);
    const cp = parseCheckpoint(parseNote(record.log.checkpoint).text);
    expect(
      checkInclusion(
        record.log.publish.hashes.map((h) => new Uint8Array(Buffer.from(h, 'base64'))),
        record.log.publish.logIndex,
        cp.size,
        recordHash(leaf),
        cp.hash,
      ).status,
    ).toBe('pass');
    // Again: the same record, nothing fetched, nothing logged.
    const fetches = registry.proxy!.observe.fetches;
    expect((await fetch(api(purlOf(p)))).status).toBe(200);
    expect(registry.proxy!.observe.fetches).toBe(fetches);
    expect(logSize()).toBe(before + 1);
  });

  it('GET /api/v1/sum/<purl> answers one C2SP tlog-proof that verifies offline', async () => {
    const p = small[1]!;
    const res = await fetch(`${url}/api/v1/sum/${encodeURIComponent(purlOf(p))}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const [head, checkpoint] = [
      text.slice(0, text.indexOf('\n\n')),
      text.slice(text.indexOf('\n\n') + 2),
    ];
    const lines = head.split('\n');
    expect(lines[0]).toBe('c2sp.org/tlog-proof@v1');
    const envelope = JSON.parse(
      Buffer.from(lines[1]!.replace(/^extra /, ''), 'base64').toString('utf8'),
    );
    const index = Number(lines[2]!.replace(/^index /, ''));
    const cp = parseCheckpoint(parseNote(checkpoint).text);
    const leaf = envelopeLogEntry(envelope, registry.registryKey.publicKey);
    expect(
      checkInclusion(
        lines.slice(3).map((h) => new Uint8Array(Buffer.from(h, 'base64'))),
        index,
        cp.size,
        recordHash(leaf),
        cp.hash,
      ).status,
    ).toBe('pass');
    expect(parseObservedStatement(Buffer.from(envelope.payload, 'base64')).predicate.purl).toBe(
      purlOf(p),
    );
  });

  it('concurrent first lookups of one version: one upstream fetch, one log entry', async () => {
    const p = small[2]!;
    const before = logSize();
    const tarballs = () =>
      upstream.requests.filter(
        (r) => r.endsWith(`-${p.version}.tgz`) && r.startsWith(`/${p.name}/`),
      ).length;
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => fetch(api(purlOf(p))).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(12).fill(200));
    expect(tarballs()).toBe(1);
    expect(logSize()).toBe(before + 1);
  });

  it('a version the upstream does not have: 404, nothing logged', async () => {
    const before = logSize();
    const res = await fetch(api(purlOf({ name: small[3]!.name, version: '999.0.0' })));
    expect(res.status).toBe(404);
    expect(logSize()).toBe(before);
  });

  it('a private name (config) and a name published here are never asked upstream', async () => {
    const priv = small[7]!;
    const seen = upstream.requests.length;
    expect((await fetch(api(purlOf(priv)))).status).toBe(404);
    // A name published here (first asked of the upstream, which has no such package: a public
    // name is not published here, test/proxy/namespaces.test.ts): no other version of it is resolved upstream.
    const hosted = { name: 'sigil-hosted-only', version: '1.0.0' };
    const pub = await fetch(`${url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        filename: `${hosted.name}-${hosted.version}.tgz`,
        artifact: buildTgz([
          { name: 'package/package.json', content: JSON.stringify(hosted) },
        ]).toString('base64'),
        bundle: null,
      }),
    });
    expect(pub.status).toBe(201);
    const before = upstream.requests.length;
    expect((await fetch(api(purlOf({ name: hosted.name, version: '999.1.0' })))).status).toBe(404);
    expect(
      (
        await fetch(
          `${url}/api/v1/sum/${encodeURIComponent(purlOf({ name: hosted.name, version: '999.1.0' }))}`,
        )
      ).status,
    ).toBe(404);
    expect(upstream.requests.slice(before)).toEqual([]);
    expect(upstream.requests.slice(seen).filter((q) => q.includes(priv.name))).toEqual([]);
  });
});

describe('sigil verify against a server that observes npm', () => {
  it('fails closed: a dependency still without a record after the on-demand lookup fails the run; observed ones verify as logged', async () => {
    const p = small[0]!;
    const sri = `sha512-${createHash('sha512').update(p.bytes).digest('base64')}`;
    const lockDir = join(dir, 'failclosed');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(lockDir, { recursive: true });
    writeFileSync(
      join(lockDir, 'package-lock.json'),
      JSON.stringify({
        name: 'x',
        version: '1.0.0',
        lockfileVersion: 3,
        requires: true,
        packages: {
          '': { name: 'x', version: '1.0.0' },
          [`node_modules/${p.name}`]: { version: p.version, integrity: sri },
          'node_modules/not-on-upstream': { version: '1.0.0', integrity: sri },
        },
      }),
    );
    const r = await runCli(
      ['verify', join(lockDir, 'package-lock.json'), '--server', url, '--json'],
      { SIGIL_CONFIG_DIR: join(dir, 'cfg') },
    );
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      dependencies: { display: string; status: string; reason: string; level: string }[];
      summary: unknown;
    };
    const [observed, missing] = [
      report.dependencies.find((d) => d.display === `${p.name}@${p.version}`)!,
      report.dependencies.find((d) => d.display === 'not-on-upstream@1.0.0')!,
    ];
    expect(observed).toMatchObject({ status: 'unsigned', level: 'logged' });
    expect(observed.reason).toMatch(/^logged, first seen \d{4}-\d{2}-\d{2} from http:/);
    expect(missing.status).toBe('failed');
    expect(missing.reason).toBe(
      'the server has no record even after looking it up upstream (fail-closed default: the server observes npm)',
    );
    expect(report.summary).toEqual({ verified: 1, notVerified: 1 });
  });
});

describe('upstream faults: a clear error naming the upstream, nothing logged', () => {
  const failWith = (fn: (path: string, res: import('node:http').ServerResponse) => boolean) => {
    upstream.fault = (req, res) => fn(decodeURIComponent(req.url ?? ''), res);
  };

  it('500 from the upstream → 502 naming it', async () => {
    const p = small[4]!;
    failWith((_path, res) => (res.writeHead(500).end('boom'), true));
    const before = logSize();
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UPSTREAM_ERROR');
    expect(body.error.message).toContain(upstream.url);
    expect(logSize()).toBe(before);
    expect(registry.store.get(purlOf(p))).toBeUndefined();
  });

  it('a slow upstream → 504 after the timeout', async () => {
    const p = small[4]!;
    failWith(() => true); // never answers
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(504);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_TIMEOUT');
    expect(registry.store.get(purlOf(p))).toBeUndefined();
  });

  it("bytes whose digest differs from the upstream's own packument → 502, nothing logged", async () => {
    const p = small[4]!;
    failWith((path, res) => {
      if (!path.endsWith('.tgz')) return false;
      const other = Buffer.from(p.bytes);
      other[other.length - 1]! ^= 1;
      res.writeHead(200, { 'content-length': other.length }).end(other);
      return true;
    });
    const before = logSize();
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'UPSTREAM_DIGEST_MISMATCH',
    );
    expect(logSize()).toBe(before);
  });

  it('a truncated download → 502 UPSTREAM_TRUNCATED', async () => {
    const p = small[4]!;
    failWith((path, res) => {
      if (!path.endsWith('.tgz')) return false;
      res.writeHead(200, { 'content-length': p.bytes.length });
      res.write(p.bytes.subarray(0, p.bytes.length >> 1));
      res.socket?.destroy();
      return true;
    });
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'UPSTREAM_TRUNCATED',
    );
    expect(registry.store.get(purlOf(p))).toBeUndefined();
  });

  it('a redirect loop → 502 UPSTREAM_REDIRECT_LOOP', async () => {
    const p = small[4]!;
    failWith((path, res) => {
      if (!path.endsWith('.tgz')) return false;
      res
        .writeHead(302, {
          location: path.endsWith('a.tgz')
            ? path.replace(/a\.tgz$/, '.tgz')
            : path.replace(/\.tgz$/, 'a.tgz'),
        })
        .end();
      return true;
    });
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toMatch(
      /UPSTREAM_REDIRECT_LOOP|UPSTREAM_TOO_MANY_REDIRECTS/,
    );
  });

  it('an artifact over the size limit (announced 10 GB) → 502 UPSTREAM_TOO_LARGE without reading it', async () => {
    const p = small[4]!;
    failWith((path, res) => {
      if (!path.endsWith('.tgz')) return false;
      res.writeHead(200, { 'content-length': String(10 * 1024 ** 3) });
      res.write(Buffer.alloc(1024));
      return true; // never finishes: the proxy must not wait for 10 GB
    });
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UPSTREAM_TOO_LARGE');
    expect(body.error.message).toContain('1000000 bytes');
  });

  it('a 50 MB packument → 502 UPSTREAM_TOO_LARGE (limit 2 MB here, 32 MB by default)', async () => {
    const p = small[5]!;
    failWith((path, res) => {
      if (path.endsWith('.tgz')) return false;
      res.writeHead(200, { 'content-type': 'application/json' }); // no content-length: the limit is enforced while reading
      const chunk = Buffer.alloc(1 << 20, 0x20);
      let sent = 0;
      const more = () => {
        while (sent < 50 && res.write(chunk)) sent++;
        if (sent < 50) res.once('drain', more);
        else res.end();
      };
      res.on('error', () => undefined);
      more();
      return true;
    });
    const before = logSize();
    const res = await fetch(api(purlOf(p)));
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'UPSTREAM_TOO_LARGE',
    );
    expect(logSize()).toBe(before);
  });

  it('the upstream down → 502 UPSTREAM_UNREACHABLE naming it', async () => {
    const down = await openRegistry({
      dataDir: join(dir, 'down'),
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      batchIntervalMs: 1,
      proxy: parseProxyConfig({ upstreams: { npm: 'http://127.0.0.1:1' } }, 'test'),
    });
    const u = await down.listen();
    try {
      const res = await fetch(`${u}/api/v1/releases/${encodeURIComponent(purlOf(small[0]!))}`);
      expect(res.status).toBe(502);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('UPSTREAM_UNREACHABLE');
      expect(body.error.message).toContain('http://127.0.0.1:1');
      expect(down.log.size).toBe(0);
    } finally {
      await down.close();
    }
  });
});
