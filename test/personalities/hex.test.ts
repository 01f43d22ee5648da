// rebar3 checks Sigil's countersignature itself: `sigil publish sigil_hello-1.0.0.tar`, then the
// real rebar3 (repo_verify on, its default) fetches the dependency from `sigil serve`'s Hex
// repository, checking the RSA signature over /packages/<name> with the registry's public key and
// the tarball's outer checksum. A payload signed by another key and a tarball whose outer checksum
// differs each make rebar3 refuse; so does a tarball response without an ETag (rebar3 3.19).
// Under CI=true a missing rebar3 fails; locally the suite is skipped, loudly.
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeSigned,
  encodeSigned,
} from '../../src/registry/personalities/hex/index.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildHexTarball, rebarGetDeps } from '../helpers/hex.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/personalities/hex.test.ts';
const rebar3 = needsProgram('rebar3', ['version'], 'apt-get install rebar3', FILE);
const skip = skipUnlessPresent(rebar3);

let dir: string;
let registry: Registry;
let url: string;

/** A static copy of the repository whose files a test can change. */
async function mirror(
  files: Map<string, Buffer | string>,
  etag = true,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '').replace(/^\/hex\//, '');
    const body = files.get(path);
    if (body === undefined) {
      res.statusCode = 404;
      return res.end();
    }
    if (etag && path.startsWith('tarballs/'))
      res.setHeader('etag', `"${createHash('md5').update(body).digest('hex')}"`);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hex` };
}

const get = async (path: string): Promise<Buffer> =>
  Buffer.from(await (await fetch(`${url}${path}`)).arrayBuffer());

describe.skipIf(skip)('rebar3 fetches from sigil serve and checks its Hex signature', () => {
  let publicPem: string;
  let files: Map<string, Buffer | string>;
  beforeAll(async () => {
    rebar3.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-hex-'));
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      origin: 'hex.test/log',
      openWrites: true,
      batchIntervalMs: 2,
    });
    url = await registry.listen();
    const key = JSON.parse((await runCli(['keygen', '--out', join(dir, 'keys'), '--json'])).stdout);
    const tarball = buildHexTarball(dir, 'sigil_hello', '1.0.0', 'hello from sigil');
    const pub = await runCli(['publish', tarball, '--server', url, '--key', key.privateKey], {
      SIGIL_CONFIG_DIR: join(dir, 'config'),
    });
    expect(pub.code, pub.stdout + pub.stderr).toBe(0);
    publicPem = (await get('/hex/public_key')).toString('utf8');
    files = new Map<string, Buffer | string>();
    for (const p of ['names', 'versions', 'packages/sigil_hello', 'tarballs/sigil_hello-1.0.0.tar'])
      files.set(p, await get(`/hex/${p}`));
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rebar3 get-deps verifies the signed package resource and the outer checksum, and fetches the logged bytes', async () => {
    const r = await rebarGetDeps(dir, 'good', `${url}/hex`, publicPem);
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(r.dep, 'utf8')).toContain('hello from sigil');
    // the signed Package names the release record's sha256 as outer checksum
    const signed = decodeSigned(gunzipSync(files.get('packages/sigil_hello') as Buffer));
    const pkg = decodeMessage('Package', signed.payload) as {
      repository: string;
      releases: { version: string; outerChecksum: Buffer }[];
    };
    expect(pkg.repository).toBe('sigil');
    expect(pkg.releases[0]!.outerChecksum.toString('hex')).toBe(
      registry.store.ofType('hex')[0]!.sha256,
    );
  });

  it('a package resource signed by another key is refused', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const { payload } = decodeSigned(gunzipSync(files.get('packages/sigil_hello') as Buffer));
    const forged = new Map(files);
    forged.set(
      'packages/sigil_hello',
      gzipSync(encodeSigned(payload, sign('sha512', payload, privateKey))),
    );
    const m = await mirror(forged);
    try {
      const r = await rebarGetDeps(dir, 'otherkey', m.url, publicPem);
      expect(r.status).not.toBe(0);
      // hex_core answers {error, unverified}; rebar3 3.19 words that as a "deprecated record format"
      expect(r.out).toMatch(/deprecated for security reasons/);
      expect(r.out).not.toMatch(/Fetching sigil_hello/);
      expect(existsSync(r.dep)).toBe(false);
    } finally {
      m.server.close();
    }
  });

  it('a tarball whose outer checksum differs is refused', async () => {
    const other = readFileSync(buildHexTarball(dir, 'sigil_hello', '1.0.0', 'hello from eve'));
    const changed = new Map(files);
    changed.set('tarballs/sigil_hello-1.0.0.tar', other);
    const m = await mirror(changed);
    try {
      const r = await rebarGetDeps(dir, 'checksum', m.url, publicPem);
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/does not match outer checksum|bad_registry_checksum/);
      expect(existsSync(r.dep)).toBe(false);
    } finally {
      m.server.close();
    }
  });

  it('rebar3 3.19 refuses a tarball response without an ETag', async () => {
    const m = await mirror(files, false);
    try {
      const r = await rebarGetDeps(dir, 'noetag', m.url, publicPem);
      expect(r.status).not.toBe(0);
      expect(r.out).toMatch(/Request for package sigil_hello-1\.0\.0 failed: status code 200/);
      expect(existsSync(r.dep)).toBe(false);
    } finally {
      m.server.close();
    }
  });

  it('served paths are looked up, never joined: traversal is 404', async () => {
    for (const p of [
      '/hex/tarballs/..%2f..%2fdata%2fkeys%2fregistry-hex-rsa.pem',
      '/hex/packages/..%2fnames',
      '/hex/tarballs/nope-1.0.0.tar',
    ]) {
      const res = await fetch(`${url}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('PRIVATE KEY');
    }
  });
});
