// Huge upstream indexes (issue 17): a Debian upstream whose Packages lists 100,000 stanzas (a
// little more than Debian main's ~65,000) is read once and served again under Sigil's suite
// without recompression — Sigil's Packages.xz is the upstream's own checked bytes — and a
// package at its very end is still found and logged. An index over the limits is refused with
// an error that names the limit and how to raise it, before it is downloaded when the signed
// Release already says its size (limits.maxIndexBytes), or while decompressing it
// (limits.maxUncompressedIndexBytes). Time is measured in bench/, not here.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as openpgp from 'openpgp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { archiveSigningKey, sha256, StaticArchive, SUITE } from './static-debian.js';

const FILE = 'test/proxy/deb-huge-index.test.ts';
const dpkgDeb = needsProgram('dpkg-deb', ['--version'], 'apt-get install dpkg', FILE);
const xz = needsProgram('xz', ['--version'], 'apt-get install xz-utils', FILE);
const STANZAS = 100_000;

function hugeStanzas(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++)
    out.push(
      `Package: filler-${i}\nVersion: 1.${i}-1\nArchitecture: amd64\nMaintainer: Filler <f@example.com>\nInstalled-Size: ${i % 977}\nDepends: libc6 (>= 2.36)\nFilename: pool/main/f/filler-${i}/filler-${i}_1.${i}-1_amd64.deb\nSize: ${1000 + i}\nSHA256: ${sha256(String(i))}\nDescription: filler package number ${i}\n`,
    );
  return out.join('\n');
}

describe.skipIf(skipUnlessPresent(dpkgDeb) || skipUnlessPresent(xz))(
  'huge Debian upstream indexes',
  () => {
    let dir: string;
    let archive: StaticArchive;
    let signer: openpgp.PrivateKey;
    let keyringFile: string;
    const open: Registry[] = [];
    const lastPath = 'pool/main/z/zz-last/zz-last_1.0_all.deb';

    async function proxied(limits: Record<string, number>): Promise<string> {
      const reg = await openRegistry({
        dataDir: join(dir, `data-${open.length}`),
        host: '127.0.0.1',
        port: 0,
        batchIntervalMs: 2,
        proxy: parseProxyConfig(
          {
            upstreams: { deb: { url: archive.url, suite: SUITE, keyring: keyringFile } },
            limits: { indexTtlMs: 60_000, timeoutMs: 20_000, ...limits },
          },
          'test',
        ),
      });
      open.push(reg);
      return reg.listen();
    }

    beforeAll(async () => {
      dpkgDeb.require();
      xz.require();
      dir = mkdtempSync(join(tmpdir(), 'sigil-deb-huge-'));
      signer = await archiveSigningKey('Upstream Archive Signing Key');
      keyringFile = join(dir, 'archive-keyring.asc');
      writeFileSync(keyringFile, signer.toPublic().armor());
      archive = new StaticArchive(dir);
      archive.extraStanzas = hugeStanzas(STANZAS);
      // the one real .deb, listed after the 100,000 others
      archive.debs.set(lastPath, {
        name: 'zz-last',
        version: '1.0',
        bytes: archive.buildDeb('zz-last', '1.0', 'last'),
      });
      await archive.publish(signer);
      await archive.start();
    }, 120_000);
    afterAll(async () => {
      for (const r of open) await r.close();
      await archive?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('a 100,000-stanza Packages is served again byte for byte, and its last package is found and logged', async () => {
      const url = await proxied({});
      const before = process.memoryUsage().rss;
      const inRelease = await (await fetch(`${url}/debian/dists/${SUITE}/InRelease`)).text();
      expect(inRelease).toContain('main/binary-amd64/Packages.xz');
      const upstreamXz = archive.files.get(`dists/${SUITE}/main/binary-amd64/Packages.xz`)!;
      const servedXz = Buffer.from(
        await (
          await fetch(`${url}/debian/dists/${SUITE}/main/binary-amd64/Packages.xz`)
        ).arrayBuffer(),
      );
      expect(sha256(servedXz)).toBe(sha256(upstreamXz));
      expect(inRelease).toContain(sha256(upstreamXz));
      const plain = await (
        await fetch(`${url}/debian/dists/${SUITE}/main/binary-amd64/Packages`)
      ).text();
      expect(plain.match(/^Package: /gm)).toHaveLength(STANZAS + 1);
      const deb = await fetch(`${url}/debian/${lastPath}`);
      expect(deb.status).toBe(200);
      expect(open[0]!.store.get('pkg:deb/debian/zz-last@1.0?arch=all')).toBeDefined();
      // The index was read once (the InRelease again per request is small), and memory stays
      // within a small multiple of the index: its text, the entries, the compressed bytes.
      expect(archive.requests.filter((p) => p.endsWith('binary-amd64/Packages.xz'))).toHaveLength(
        1,
      );
      const grown = process.memoryUsage().rss - before;
      expect(grown).toBeLessThan(12 * plain.length);
    }, 120_000);

    it('a Packages.xz larger than limits.maxIndexBytes is refused before it is downloaded', async () => {
      const size = archive.files.get(`dists/${SUITE}/main/binary-amd64/Packages.xz`)!.length;
      const url = await proxied({ maxIndexBytes: size - 1 });
      const asked = archive.requests.length;
      const r = await fetch(`${url}/debian/dists/${SUITE}/InRelease`);
      const body = (await r.json()) as { error: { code: string; message: string; hint: string } };
      expect(r.status).toBe(502);
      expect(body.error.code).toBe('UPSTREAM_TOO_LARGE');
      expect(body.error.message).toContain(`limit of ${size - 1} bytes (limits.maxIndexBytes)`);
      expect(body.error.hint).toMatch(/raise limits\.maxIndexBytes/);
      expect(archive.requests.slice(asked).some((p) => p.endsWith('Packages.xz'))).toBe(false);
    });

    it('a Packages.xz that decompresses past limits.maxUncompressedIndexBytes is refused', async () => {
      const url = await proxied({ maxUncompressedIndexBytes: 1024 * 1024 });
      const r = await fetch(`${url}/debian/dists/${SUITE}/main/binary-amd64/Packages`);
      const body = (await r.json()) as { error: { code: string; message: string } };
      expect(r.status).toBe(502);
      expect(body.error.code).toBe('UPSTREAM_TOO_LARGE');
      expect(body.error.message).toMatch(/decompresses to more than .* 1048576 bytes/);
      const deb = await fetch(`${url}/debian/${lastPath}`);
      expect(deb.status).toBe(502);
    });
  },
);
