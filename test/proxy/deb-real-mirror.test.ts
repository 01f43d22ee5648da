// The real thing, only when asked: SIGIL_TEST_DEBIAN_MIRROR=http://deb.debian.org/debian (and
// optionally SIGIL_TEST_DEBIAN_SUITE, default bookworm) mirrors one small real package through
// Sigil. Sigil checks the archive's InRelease with Debian's own archive keyring
// (debian-archive-keyring), Packages.xz against the Release, the .deb against Packages; the real
// `apt-get download hello` then fetches it from Sigil's suite, trusting only Sigil's key.
// Under CI=true it runs against deb.debian.org: `.ci/run` has just installed its packages from
// that archive, so CI reaches it anyway. Elsewhere it is skipped (loudly) without the variable.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { aptRoot, runAsync } from '../helpers/apt-client.js';
import { statementOf } from './static-upstream.js';

const MIRROR =
  process.env['SIGIL_TEST_DEBIAN_MIRROR'] ??
  (process.env['CI'] === 'true' ? 'http://deb.debian.org/debian' : undefined);
const SUITE = process.env['SIGIL_TEST_DEBIAN_SUITE'] ?? 'bookworm';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
if (!MIRROR)
  console.warn(
    'test/proxy/deb-real-mirror.test.ts: SKIPPED — set SIGIL_TEST_DEBIAN_MIRROR=http://deb.debian.org/debian to mirror a real package',
  );

describe.skipIf(!MIRROR)('a real Debian mirror as upstream', () => {
  let dir: string;
  let registry: Registry;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-deb-real-'));
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      proxy: parseProxyConfig(
        {
          upstreams: {
            deb: { url: MIRROR, suite: SUITE, architectures: ['amd64'], keyring: KEYRING },
          },
          limits: { timeoutMs: 120_000 },
        },
        'test',
      ),
    });
    url = await registry.listen();
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('apt-get download hello through Sigil: logged as observed, signed upstream by a Debian archive key', async () => {
    const keyFile = join(dir, 'sigil.asc');
    writeFileSync(keyFile, await (await fetch(`${url}/debian/sigil-archive-keyring.asc`)).text());
    const apt = aptRoot(dir, 'apt', [{ url: `${url}/debian`, suite: SUITE, keyFile }]);
    const up = await apt.run('update');
    expect(up.status, up.stdout + up.stderr).toBe(0);
    expect(up.stdout + up.stderr).not.toMatch(/^(W|E): /m);
    const out = join(dir, 'download');
    mkdirSync(out);
    const dl = await runAsync('sh', [
      '-c',
      `cd ${out} && apt-get -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=${join(dir, 'apt/etc/sources.list.d')} -o Dir::State::Lists=${join(dir, 'apt/lists')} -o Dir::Cache=${join(dir, 'apt/cache')} -o Dir::State::status=${join(dir, 'apt/root/var/lib/dpkg/status')} -o APT::Sandbox::User=root -o Debug::NoLocking=1 download hello`,
    ]);
    expect(dl.status, dl.stdout + dl.stderr).toBe(0);
    expect(readdirSync(out).some((f) => /^hello_.*_amd64\.deb$/.test(f))).toBe(true);
    const row = registry.store.ofType('deb').find((r) => r.name === 'hello');
    expect(row).toBeDefined();
    const st = statementOf(row!);
    expect(st.predicate.evidence.registrySignature.verdict).toBe('valid');
    expect(st.predicate.artifactUrl).toMatch(/\/pool\/main\/h\/hello\/hello_.*_amd64\.deb$/);
  }, 300_000);
});
