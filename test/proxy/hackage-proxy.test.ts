// Interop: the real cabal (`cabal update` + `cabal get`, which need no ghc), configured with
// Sigil's root key only, fetches a package that was never published to Sigil, through
// `sigil serve` with `upstreams.hackage` = another hackage-security repository (a second Sigil,
// a genuine one: root, timestamp, snapshot, index, package.json), behind a forwarding server that
// records every request and can replace any file.
// Then: the package is logged as observed (its sha256 = the upstream index's package.json, the
// chain verified from the configured root key). Refused, each with an error naming the upstream
// and nothing logged: a root.json not signed by the configured key, an index other than the one
// the snapshot names, an older timestamp than one seen before (rollback), and a tarball other
// than its package.json. A private name is neither listed nor fetched.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_HACKAGE_OPTIONS,
  HackageRepository,
  rootFileAt,
} from '../../src/registry/personalities/hackage/index.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { tarFiles } from '../../src/registry/upstream/hackage.js';
import { buildSdist, cabalClient } from '../helpers/cabal.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { openProxied, sendBytes, statementOf, StaticUpstream } from './static-upstream.js';

const FILE = 'test/proxy/hackage-proxy.test.ts';
const cabal = needsProgram('cabal', ['--version'], 'apt-get install cabal-install', FILE);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Forwards to the upstream Sigil's /hackage, recording requests; `replace` answers a path with other bytes. */
class ForwardingHackage extends StaticUpstream {
  protected readonly root = '/hackage';
  readonly replace = new Map<string, Buffer>();
  constructor(private readonly target: string) {
    super();
  }
  protected serve(path: string, res: ServerResponse): void {
    const name = path.replace(/^\/hackage\//, '');
    const swapped = this.replace.get(name);
    if (swapped) return sendBytes(res, swapped);
    void fetch(`${this.target}/${name}`).then(async (r) =>
      sendBytes(res, r.status === 200 ? Buffer.from(await r.arrayBuffer()) : undefined),
    );
  }
}

describe.skipIf(skipUnlessPresent(cabal))(
  'cabal through the verifying proxy (Hackage upstream)',
  () => {
    let root: string;
    let upstream: Registry;
    let fwd: ForwardingHackage;
    let reg: Registry;
    let url: string;
    const tarballs = new Map<string, Buffer>();

    beforeAll(async () => {
      cabal.require();
      root = mkdtempSync(join(tmpdir(), 'sigil-hackage-proxy-'));
      upstream = await openRegistry({
        dataDir: join(root, 'up'),
        host: '127.0.0.1',
        port: 0,
        openWrites: true,
        batchIntervalMs: 2,
      });
      const upUrl = await upstream.listen();
      await upstream.auth.createAccount('up');
      const token = (await upstream.auth.createToken('up', { actions: ['publish'] })).token;
      for (const [name, version] of [
        ['up-pkg', '1.0'],
        ['other-pkg', '1.0'],
        ['later-pkg', '1.0'],
        ['acme-secret', '1.0'],
      ] as const) {
        const bytes = readFileSync(buildSdist(root, name, version));
        tarballs.set(name, bytes);
        const r = await fetch(`${upUrl}/api/v1/publish`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            filename: `${name}-${version}.tar.gz`,
            artifact: bytes.toString('base64'),
            bundle: null,
            type: 'hackage',
          }),
        });
        expect(r.status, await r.text()).toBe(201);
      }
      fwd = new ForwardingHackage(`${upUrl}/hackage`);
      await fwd.start();
      ({ reg, url } = await openProxied(root, 'hackage', fwd.url, ['pkg:hackage/acme-secret'], {
        rootKeys: [upstream.hackageKeys.root.keyId],
      }));
    }, 60_000);
    afterAll(async () => {
      await reg?.close();
      await fwd?.close();
      await upstream?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    const fetchPackage = (name: string) => fetch(`${url}/hackage/package/${name}-1.0.tar.gz`);
    const refusedWith = async (name: string, ...mentions: string[]) => {
      const r = await fetchPackage(name);
      expect(r.status, name).toBe(502);
      const text = JSON.stringify(await r.json());
      for (const m of [fwd.url, ...mentions]) expect(text, name).toContain(m);
      expect(reg.store.get(`pkg:hackage/${name}@1.0`)).toBeUndefined();
    };

    it("cabal update + get (Sigil's root key only) fetches an upstream package through Sigil; it is logged as observed", async () => {
      const c = cabalClient(root, 'good', reg.hackageKeys.root.keyId);
      const up = await c.run(`${url}/hackage`, 'update');
      expect(up.status, up.out).toBe(0);
      const get = await c.run(`${url}/hackage`, 'get', 'up-pkg-1.0');
      expect(get.status, get.out).toBe(0);
      expect(existsSync(join(c.work, 'up-pkg-1.0', 'up-pkg.cabal'))).toBe(true);

      const row = reg.store.get('pkg:hackage/up-pkg@1.0');
      expect(row?.sha256).toBe(sha256(tarballs.get('up-pkg')!));
      const st = statementOf(row!);
      expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
      expect(st.predicate.evidence.registrySignature.verdict).toBe('valid');
      expect(st.predicate.evidence.indexDigest).toEqual({
        algorithm: 'sha256',
        value: sha256(tarballs.get('up-pkg')!),
      });
      // Sigil's own index lists the upstream packages, but not the private one.
      const index = gunzipSync(
        Buffer.from(await (await fetch(`${url}/hackage/01-index.tar.gz`)).arrayBuffer()),
      );
      const paths = [...tarFiles(index)].map((f) => f.path);
      expect(paths).toContain('other-pkg/1.0/other-pkg.cabal');
      expect(paths.some((p) => p.startsWith('acme-secret/'))).toBe(false);
    }, 180_000);

    it('a root.json not signed by the configured key, and an index other than the snapshot names, are refused', async () => {
      const rootJson = JSON.parse(
        Buffer.from(await (await fetch(`${fwd.url}/root.json`)).arrayBuffer()).toString(),
      ) as { signatures: { sig: string }[] };
      rootJson.signatures[0]!.sig = Buffer.alloc(64, 1).toString('base64');
      fwd.replace.set('root.json', Buffer.from(JSON.stringify(rootJson)));
      await refusedWith(
        'other-pkg',
        'UPSTREAM_SIGNATURE_INVALID',
        'root.json has 0 valid signature',
      );
      fwd.replace.clear();

      const gz = Buffer.from(await (await fetch(`${fwd.url}/01-index.tar.gz`)).arrayBuffer());
      fwd.replace.set('01-index.tar.gz', Buffer.concat([gz, Buffer.alloc(1)]));
      await refusedWith('other-pkg', '01-index.tar.gz is not the one snapshot.json names');
      fwd.replace.clear();
    });

    it('a tarball other than its package.json is refused', async () => {
      fwd.replace.set('package/other-pkg-1.0.tar.gz', tarballs.get('up-pkg')!);
      await refusedWith('other-pkg', 'UPSTREAM_DIGEST_MISMATCH');
      fwd.replace.clear();
      expect((await fetchPackage('other-pkg')).status).toBe(200);
    });

    it('an older timestamp than one seen before is refused as a rollback', async () => {
      // The upstream's own view signed a day ago: genuine signatures, an older version.
      const old = await new HackageRepository(upstream.storage, upstream.hackageKeys, {
        ...DEFAULT_HACKAGE_OPTIONS,
        now: () => new Date(Date.now() - 86_400_000),
        rootFile: rootFileAt(join(root, 'up', 'hackage-root.json')),
      }).build(upstream.store.ofType('hackage'), 'old', new Date(Date.now() - 86_400_000));
      for (const f of ['timestamp.json', 'snapshot.json', '01-index.tar.gz', '01-index.tar'])
        fwd.replace.set(f, old.files.get(f)!);
      await refusedWith('later-pkg', 'rollback');
      fwd.replace.clear();
    });

    it('a private name is never fetched upstream', async () => {
      const before = fwd.requests.length;
      expect((await fetchPackage('acme-secret')).status).toBe(404);
      expect(fwd.requests.slice(before).filter((p) => p.includes('acme'))).toEqual([]);
    });
  },
);
