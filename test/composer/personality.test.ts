// The Composer personality over HTTP (fastify inject against the whole `openRegistry` app):
// packages.json, p2 documents built from the dists' own composer.json, downloads, and bad paths.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { makeZip } from '../ecosystems/helpers.js';

const zip = (manifest: Record<string, unknown>) =>
  makeZip([
    { name: 'composer.json', data: JSON.stringify(manifest) },
    { name: 'src/A.php', data: '<?php\n' },
  ]);

let registry: Registry;

const publish = (file: string, data: Buffer, version: string) =>
  registry.app.inject({
    method: 'POST',
    url: '/api/v1/publish',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${registry.adminToken!}`,
    },
    payload: {
      filename: file,
      artifact: data.toString('base64'),
      bundle: null,
      type: 'composer',
      version,
    },
  });

beforeEach(async () => {
  registry = await openRegistry({
    dataDir: mkdtempSync(join(tmpdir(), 'sigil-composerp-')),
    host: '127.0.0.1',
    port: 0,
    batchIntervalMs: 2,
    publicUrl: 'http://reg.test',
  });
});
afterEach(async () => {
  await registry.close();
});

describe('Composer repository', () => {
  it("serves packages.json, p2 documents with the record's sha1 as dist.shasum, and dists", async () => {
    const z = zip({
      name: 'acme/hello',
      type: 'library',
      require: { php: '>=8.0', 'acme/base': '^1.0' },
      autoload: { 'psr-4': { 'Acme\\': 'src/' } },
      scripts: { 'post-install-cmd': 'rm -rf /' },
    });
    expect((await publish('hello.zip', z, '1.0.0')).statusCode).toBe(201);
    const pj = (await registry.app.inject({ url: '/composer/packages.json' })).json();
    expect(pj).toEqual({
      packages: [],
      'metadata-url': 'http://reg.test/composer/p2/%package%.json',
      'available-packages': ['acme/hello'],
    });

    const doc = (await registry.app.inject({ url: '/composer/p2/acme/hello.json' })).json();
    const v = doc.packages['acme/hello'][0];
    expect(v).toMatchObject({
      name: 'acme/hello',
      version: '1.0.0',
      type: 'library',
      require: { php: '>=8.0', 'acme/base': '^1.0' },
      dist: {
        type: 'zip',
        url: 'http://reg.test/composer/dists/acme/hello/1.0.0/hello-1.0.0.zip',
        shasum: createHash('sha1').update(z).digest('hex'),
        reference: createHash('sha256').update(z).digest('hex'),
      },
    });
    // Root-only fields (scripts) are not passed on: Composer ignores them for dependencies anyway.
    expect(v.scripts).toBeUndefined();
    expect((await registry.app.inject({ url: '/composer/p2/acme/hello~dev.json' })).json()).toEqual(
      { packages: { 'acme/hello': [] } },
    );
    // Composer names are lower case; a mixed-case request finds the same package.
    expect(
      (await registry.app.inject({ url: '/composer/p2/Acme/Hello.json' })).json().packages[
        'acme/hello'
      ],
    ).toHaveLength(1);

    const dl = await registry.app.inject({
      url: '/composer/dists/acme/hello/1.0.0/hello-1.0.0.zip',
    });
    expect(dl.rawPayload.equals(z)).toBe(true);
    expect(dl.headers['cache-control']).toContain('immutable');
  });

  it('answers 404 for unknown packages and bad or traversing paths', async () => {
    expect((await publish('hello.zip', zip({ name: 'acme/hello' }), '1.0.0')).statusCode).toBe(201);
    for (const u of [
      '/composer/p2/acme/other.json',
      '/composer/p2/acme/hello',
      '/composer/p2/..%2Facme/hello.json',
      '/composer/p2/acme/..%2F..%2Fregistry.sqlite',
      '/composer/dists/acme/hello/1.0.0/other-1.0.0.zip',
      '/composer/dists/acme/hello/2.0.0/hello-2.0.0.zip',
      '/composer/dists/acme/hello/..%2F1.0.0/hello-..%2F1.0.0.zip',
      '/composer/dists/..%2F..%2F/hello/1.0.0/hello-1.0.0.zip',
    ]) {
      expect((await registry.app.inject({ url: u })).statusCode, u).toBe(404);
    }
  });

  it('sigil publish refuses a dist whose composer.json disagrees with --version, and other bytes for a published version', async () => {
    const r = await publish('hello.zip', zip({ name: 'acme/hello', version: '2.0.0' }), '1.0.0');
    expect(r.statusCode).toBe(400);
    expect((await publish('hello.zip', zip({ name: 'acme/hello' }), '1.0.0')).statusCode).toBe(201);
    expect(
      (await publish('hello.zip', zip({ name: 'acme/hello', description: 'other' }), '1.0.0'))
        .statusCode,
    ).toBe(409);
    expect(
      (await registry.app.inject({ url: '/composer/p2/acme/hello.json' })).json().packages[
        'acme/hello'
      ],
    ).toHaveLength(1);
  });
});

describe('sigil publish --type composer: bad input, nothing stored', () => {
  const publishAs = (auth: string | null, name: string, version = '1.0.0', file = 'hello.zip') =>
    registry.app.inject({
      method: 'POST',
      url: '/api/v1/publish',
      headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}) },
      payload: {
        filename: file,
        artifact: zip({ name }).toString('base64'),
        bundle: null,
        type: 'composer',
        version,
      },
    });

  it('refuses missing and wrong tokens', async () => {
    expect((await publishAs(null, 'acme/hello')).statusCode).toBe(401);
    expect((await publishAs('Bearer sgl_wrong', 'acme/hello')).statusCode).toBe(401);
    expect(registry.store.count()).toBe(0);
  });

  it('refuses names that are not vendor/package in lowercase, and versions that would make a path', async () => {
    for (const [name, version] of [
      ['Acme/Hello', '1.0.0'],
      ['acme', '1.0.0'],
      ['../acme/hello', '1.0.0'],
      ['acme/../hello', '1.0.0'],
      ['acme/hello/x', '1.0.0'],
      ['acme/hello', '1.0.0/../x'],
    ] as const) {
      const r = await publishAs(`Bearer ${registry.adminToken!}`, name, version);
      expect(r.statusCode, `${name} ${version}`).toBe(400);
    }
    expect(registry.store.count()).toBe(0);
    expect((await registry.app.inject({ url: '/composer/p2/acme/hello.json' })).statusCode).toBe(
      404,
    );
  });
});

describe('the mount points leave npm packages of the same names alone', () => {
  it('npm packages named pypi, cargo, rubygems and composer are still served by the npm personality', async () => {
    const { buildTgz } = await import('../helpers/tar-builder.js');
    for (const name of ['pypi', 'cargo', 'rubygems', 'composer']) {
      const tgz = buildTgz([
        { name: 'package/package.json', content: JSON.stringify({ name, version: '1.0.0' }) },
      ]);
      const r = await registry.app.inject({
        method: 'POST',
        url: '/api/v1/publish',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${registry.adminToken!}`,
        },
        payload: { filename: `${name}-1.0.0.tgz`, artifact: tgz.toString('base64'), bundle: null },
      });
      expect(r.statusCode, r.body).toBe(201);
      expect((await registry.app.inject({ url: `/${name}` })).json().name, name).toBe(name);
      expect((await registry.app.inject({ url: `/${name}/1.0.0` })).json().version, name).toBe(
        '1.0.0',
      );
      const t = await registry.app.inject({ url: `/${name}/-/${name}-1.0.0.tgz` });
      expect(t.statusCode, name).toBe(200);
      expect(t.rawPayload.equals(tgz)).toBe(true);
    }
  });
});
