// Interop: the real `puppet module install` (Debian's puppet) installs a module and its
// dependency that were never published to Sigil, through `sigil serve --upstream puppet=<static
// Forge v3>`. The upstream answers /v3/releases one release per page (pagination.next) with
// file_sha256 and file_md5, and /v3/files/<file>.
// Then: both are logged as observed (each checked against the upstream's file_sha256);
// an upstream that republishes a version yields a conflict record while puppet still gets the
// logged bytes; a tarball other than its file_sha256 and upstream failures (500, timeout)
// answer an error naming the upstream and log nothing; a private name is never asked upstream;
// traversal in served paths is 404.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/registry/server.js';
import { makeTarGz } from '../ecosystems/helpers.js';
import { puppetInstall } from '../helpers/puppet-client.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';

const FILE = 'test/proxy/puppet-proxy.test.ts';
const puppet = needsProgram(
  'puppet',
  ['--version'],
  'apt-get install --no-install-recommends puppet',
  FILE,
);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const demo = readFileSync(
  join(import.meta.dirname, '../fixtures/ecosystems/puppet/sigil-demo-2.0.1.tar.gz'),
);

/** A Puppet module tarball (metadata.json and one manifest). */
function moduleTarball(
  slug: string,
  version: string,
  dependencies: { name: string; version_requirement: string }[] = [],
  body = '',
): Buffer {
  const [author, name] = slug.split('-') as [string, string];
  const top = `${slug}-${version}`;
  return makeTarGz([
    {
      name: `${top}/metadata.json`,
      data: JSON.stringify({
        name: slug,
        version,
        author,
        summary: 'through the proxy',
        license: 'Apache-2.0',
        source: 'https://example.org',
        dependencies,
      }),
    },
    { name: `${top}/manifests/init.pp`, data: `class ${name} { }\n# ${body}\n` },
  ]);
}

interface ForgeRelease {
  version: string;
  bytes: Buffer;
  metadata: Record<string, unknown>;
  /** file_sha256 as listed (default: of the bytes). */
  listedSha256?: string;
}

/** A static Forge v3: releases one per page, files by name. */
class StaticForge extends StaticUpstream {
  protected readonly root = '/forge';
  readonly modules = new Map<string, ForgeRelease[]>();

  protected serve(_path: string, res: ServerResponse, url: string): void {
    const full = new URL(`http://x${url}`);
    const path = full.pathname.replace(/^\/forge/, '');
    if (path === '/v3/releases') {
      const slug = full.searchParams.get('module') ?? '';
      const rels = this.modules.get(slug);
      if (!rels) return sendBytes(res, undefined);
      const offset = Number(full.searchParams.get('offset') ?? 0);
      const page = rels.slice(offset, offset + 1);
      const doc = {
        pagination: {
          limit: 1,
          offset,
          total: rels.length,
          next:
            offset + 1 < rels.length ? `/v3/releases?module=${slug}&offset=${offset + 1}` : null,
        },
        results: page.map((r) => ({
          slug: `${slug}-${r.version}`,
          version: r.version,
          metadata: r.metadata,
          file_uri: `/v3/files/${slug}-${r.version}.tar.gz`,
          file_size: r.bytes.length,
          file_md5: md5(r.bytes),
          file_sha256: r.listedSha256 ?? sha256(r.bytes),
          created_at: '2020-01-01T00:00:00Z',
        })),
      };
      return sendBytes(res, Buffer.from(JSON.stringify(doc)));
    }
    const file = /^\/v3\/files\/(.+)-(\d[^-]*)\.tar\.gz$/.exec(path);
    const rel = file && this.modules.get(file[1]!)?.find((r) => r.version === file[2]);
    sendBytes(res, rel?.bytes);
  }
}

describe.skipIf(skipUnlessPresent(puppet))(
  'puppet module install through the verifying proxy',
  () => {
    let root: string;
    let up: StaticForge;
    let reg: Registry;
    let url: string;
    const appTar = moduleTarball('sigil-app', '1.0.0', [
      { name: 'sigil-demo', version_requirement: '>= 2.0.0 < 3.0.0' },
    ]);
    // The release's metadata as the Forge lists it (puppet resolves dependencies from it).
    const meta = (_b: Buffer, slug: string, version: string) => ({
      name: slug,
      version,
      dependencies:
        slug === 'sigil-app'
          ? [{ name: 'sigil-demo', version_requirement: '>= 2.0.0 < 3.0.0' }]
          : [],
    });

    beforeAll(async () => {
      puppet.require();
      root = mkdtempSync(join(tmpdir(), 'sigil-puppet-proxy-'));
      up = new StaticForge();
      const old = moduleTarball('sigil-demo', '2.0.0');
      up.modules.set('sigil-demo', [
        { version: '2.0.1', bytes: demo, metadata: meta(demo, 'sigil-demo', '2.0.1') },
        { version: '2.0.0', bytes: old, metadata: meta(old, 'sigil-demo', '2.0.0') },
      ]);
      up.modules.set('sigil-app', [
        { version: '1.0.0', bytes: appTar, metadata: meta(appTar, 'sigil-app', '1.0.0') },
      ]);
      const badsum = moduleTarball('sigil-badsum', '1.0.0');
      up.modules.set('sigil-badsum', [
        {
          version: '1.0.0',
          bytes: badsum,
          metadata: meta(badsum, 'sigil-badsum', '1.0.0'),
          listedSha256: sha256(Buffer.from('other bytes')),
        },
      ]);
      const slow = moduleTarball('sigil-slow', '1.0.0');
      up.modules.set('sigil-slow', [
        { version: '1.0.0', bytes: slow, metadata: meta(slow, 'sigil-slow', '1.0.0') },
      ]);
      const secret = moduleTarball('acme-secret', '1.0.0');
      up.modules.set('acme-secret', [
        { version: '1.0.0', bytes: secret, metadata: meta(secret, 'acme-secret', '1.0.0') },
      ]);
      await up.start();
      ({ reg, url } = await openProxied(root, 'puppet', up.url, ['pkg:puppet/acme/*']));
    }, 60_000);
    afterAll(async () => {
      await reg?.close();
      await up?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it('puppet module install resolves a module and its dependency from the upstream through Sigil; both are logged as observed', async () => {
      const target = join(root, 'modules');
      const r = await puppetInstall(root, `${url}/puppet`, target, 'sigil-app', true);
      expect(r.status, r.out).toBe(0);
      expect(existsSync(join(target, 'app', 'manifests', 'init.pp'))).toBe(true);
      expect(JSON.parse(readFileSync(join(target, 'demo', 'metadata.json'), 'utf8')).version).toBe(
        '2.0.1',
      );
      for (const [purl, bytes] of [
        ['pkg:puppet/sigil/app@1.0.0', appTar],
        ['pkg:puppet/sigil/demo@2.0.1', demo],
      ] as const) {
        const row = reg.store.get(purl);
        expect(row, purl).toBeDefined();
        expect(row!.sha256).toBe(sha256(bytes));
        const st = statementOf(row!);
        expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
        expect(st.predicate.evidence.indexDigest).toEqual({
          algorithm: 'sha256',
          value: sha256(bytes),
        });
      }
      // Listed, never downloaded: never logged. Both pages were read.
      expect(reg.store.get('pkg:puppet/sigil/demo@2.0.0')).toBeUndefined();
      const list = (await (await fetch(`${url}/puppet/v3/releases?module=sigil-demo`)).json()) as {
        results: { version: string; file_uri: string }[];
      };
      expect(list.results.map((x) => [x.version, x.file_uri])).toEqual([
        ['2.0.1', '/v3/files/sigil-demo-2.0.1.tar.gz'],
        ['2.0.0', '/v3/files/sigil-demo-2.0.0.tar.gz'],
      ]);
    }, 180_000);

    it('an upstream that republishes a version: a conflict record is logged, puppet still gets the logged bytes', async () => {
      const evil = moduleTarball('sigil-demo', '2.0.1', [], 'republished');
      up.modules.get('sigil-demo')![0] = {
        version: '2.0.1',
        bytes: evil,
        metadata: meta(evil, 'sigil-demo', '2.0.1'),
      };
      const target = join(root, 'modules-again');
      const r = await puppetInstall(root, `${url}/puppet`, target);
      expect(r.status, r.out).toBe(0);
      expect(readFileSync(join(target, 'demo', 'manifests', 'init.pp'), 'utf8')).not.toContain(
        'republished',
      );
      expect(await conflictsAt(url)).toEqual([['pkg:puppet/sigil/demo@2.0.1', up.url]]);
    }, 180_000);

    it('a tarball other than its file_sha256, and upstream failures (500, timeout), answer an error naming the upstream; nothing logged', async () => {
      let r = await fetch(`${url}/puppet/v3/files/sigil-badsum-1.0.0.tar.gz`);
      expect(r.status).toBe(502);
      let body = JSON.stringify(await r.json());
      expect(body).toContain('UPSTREAM_DIGEST_MISMATCH');
      expect(body).toContain(up.url);
      expect(reg.store.get('pkg:puppet/sigil/badsum@1.0.0')).toBeUndefined();
      // puppet itself refuses to install it (it gets the 502)
      const p = await puppetInstall(root, `${url}/puppet`, join(root, 'm-bad'), 'sigil-badsum');
      expect(p.status).not.toBe(0);

      up.fault = { path: '/forge/v3/files/sigil-slow', kind: '500' };
      r = await fetch(`${url}/puppet/v3/files/sigil-slow-1.0.0.tar.gz`);
      expect(r.status).toBe(502);
      body = JSON.stringify(await r.json());
      expect(body).toContain(`Puppet Forge upstream ${up.url}`);
      up.fault = { path: '/forge/v3/files/sigil-slow', kind: 'slow' };
      r = await fetch(`${url}/puppet/v3/files/sigil-slow-1.0.0.tar.gz`);
      expect(r.status).toBe(504);
      expect(reg.store.get('pkg:puppet/sigil/slow@1.0.0')).toBeUndefined();
      up.fault = undefined;
    }, 180_000);

    it('a private name is never asked upstream; served paths are looked up, never joined', async () => {
      const before = up.requests.length;
      expect((await fetch(`${url}/puppet/v3/releases?module=acme-secret`)).status).toBe(200);
      expect((await fetch(`${url}/puppet/v3/files/acme-secret-1.0.0.tar.gz`)).status).toBe(404);
      expect((await fetch(`${url}/puppet/v3/modules/acme-secret`)).status).toBe(404);
      for (const p of [
        '/puppet/v3/files/..%2f..%2fdata%2fkeys%2fregistry.pem',
        '/puppet/v3/files/sigil-demo-..%2f..%2f1.0.0.tar.gz',
        '/puppet/v3/releases/..%2f..%2fsigil-demo-2.0.1',
      ]) {
        const res = await fetch(`${url}${p}`);
        expect([400, 404], p).toContain(res.status);
        expect(await res.text()).not.toContain('PRIVATE KEY');
      }
      expect(up.requests.slice(before)).toEqual([]);
    });
  },
);
