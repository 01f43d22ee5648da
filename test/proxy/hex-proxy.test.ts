// Interop: the real rebar3 (repo_verify on, its default) fetches a package that was never
// published to Sigil, through `sigil serve` with `upstreams.hex` = a static Hex repository whose
// /packages/<name> are signed with its own RSA key (the config pins that key). rebar3 checks
// Sigil's signature (Sigil's /hex/public_key) and the outer checksum; the upstream's signature
// was checked by Sigil before anything in the resource was believed.
// Then: the release is logged as observed (evidence: signature valid, sha256 = the signed outer
// checksum); `sigil verify rebar.lock` reports it logged; an upstream that republishes it yields
// a conflict record while rebar3 still gets the logged bytes; a resource signed by another key,
// one naming another repository, and a tarball other than its signed checksum are each refused
// with an error naming the upstream, nothing logged; a private name is never asked upstream.
import { createHash, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeMessage,
  decodeSigned,
  encodePackage,
  encodeSigned,
} from '../../src/registry/personalities/hex/index.js';
import type { Registry } from '../../src/registry/server.js';
import { tarFiles } from '../../src/registry/upstream/hackage.js';
import { runCli } from '../helpers/cli.js';
import { buildHexTarball, rebarGetDeps } from '../helpers/hex.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';

const FILE = 'test/proxy/hex-proxy.test.ts';
const rebar3 = needsProgram('rebar3', ['version'], 'apt-get install rebar3', FILE);
const skip = skipUnlessPresent(rebar3);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

interface UpRelease {
  version: string;
  tarball: Buffer;
  /** The outer checksum the signed Package lists (default: the tarball's). */
  listedOuter?: Buffer;
}

/** A static Hex repository: signed /packages/<name> (its own key, repository "hexpm") and tarballs. */
class StaticHex extends StaticUpstream {
  protected readonly root = '/hex';
  readonly packages = new Map<string, UpRelease[]>();
  /** Names whose Package is signed by another key / names another repository. */
  readonly forgedKey = new Set<string>();
  readonly otherRepository = new Set<string>();
  readonly tarballs = new Map<string, Buffer>();
  constructor(readonly key: KeyObject) {
    super();
  }

  protected serve(rawPath: string, res: ServerResponse): void {
    const path = rawPath.replace(/^\/hex\//, '');
    const pkg = /^packages\/([a-z_]+)$/.exec(path);
    if (pkg) {
      const name = pkg[1]!;
      const rels = this.packages.get(name);
      if (!rels) return sendBytes(res, undefined);
      const payload = encodePackage(
        this.otherRepository.has(name) ? 'elsewhere' : 'hexpm',
        name,
        rels.map((r) => ({
          version: r.version,
          innerChecksum: innerChecksumOf(r.tarball),
          outerChecksum: r.listedOuter ?? sha256(r.tarball),
          dependencies: [],
        })),
      );
      const key = this.forgedKey.has(name)
        ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
        : this.key;
      return sendBytes(res, gzipSync(encodeSigned(payload, sign('sha512', payload, key))));
    }
    sendBytes(res, this.tarballs.get(path.replace(/^tarballs\//, '')));
  }
}

/** The inner checksum a tarball's CHECKSUM file holds. */
function innerChecksumOf(tar: Buffer): Buffer {
  const file = [...tarFiles(tar)].find((f) => f.path === 'CHECKSUM');
  if (!file) throw new Error('no CHECKSUM in tarball');
  return Buffer.from(file.data.toString('latin1').trim(), 'hex');
}

describe.skipIf(skip)('rebar3 through the verifying proxy (Hex upstream)', () => {
  let root: string;
  let up: StaticHex;
  let reg: Registry;
  let url: string;
  let sigilPem: string;
  let good: Buffer;
  const upKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const release = (name: string, version: string, body: string) =>
    readFileSync(buildHexTarball(root, name, version, body));

  beforeAll(async () => {
    rebar3.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-hex-proxy-'));
    up = new StaticHex(upKeys.privateKey);
    good = release('hex_up', '1.0.0', 'hello from upstream');
    up.packages.set('hex_up', [{ version: '1.0.0', tarball: good }]);
    up.tarballs.set('hex_up-1.0.0.tar', good);
    for (const name of ['forged', 'wrongrepo', 'badtar', 'secret_lib']) {
      const t = release(name, '1.0.0', `hello from ${name}`);
      up.packages.set(name, [{ version: '1.0.0', tarball: t }]);
      up.tarballs.set(`${name}-1.0.0.tar`, t);
    }
    up.forgedKey.add('forged');
    up.otherRepository.add('wrongrepo');
    up.tarballs.set('badtar-1.0.0.tar', release('badtar', '1.0.0', 'other bytes'));
    await up.start();
    ({ reg, url } = await openProxied(root, 'hex', up.url, ['pkg:hex/secret_lib'], {
      publicKey: upKeys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    }));
    sigilPem = await (await fetch(`${url}/hex/public_key`)).text();
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('rebar3 get-deps (repo_verify) installs a package never published to Sigil; it is logged as observed; sigil verify rebar.lock reports it logged', async () => {
    const r = await rebarGetDeps(root, 'good', `${url}/hex`, sigilPem, {
      name: 'hex_up',
      version: '1.0.0',
    });
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(r.dep, 'utf8')).toContain('hello from upstream');

    const row = reg.store.get('pkg:hex/hex_up@1.0.0');
    expect(row).toBeDefined();
    expect(row!.sha256).toBe(sha256(good).toString('hex'));
    const st = statementOf(row!);
    expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
    expect(st.predicate.evidence.registrySignature.verdict).toBe('valid');
    expect(st.predicate.evidence.indexDigest).toEqual({
      algorithm: 'sha256',
      value: sha256(good).toString('hex'),
    });

    // What rebar3 checked: Sigil's signature, Sigil's repository name, the logged checksum.
    const signed = decodeSigned(
      gunzipSync(Buffer.from(await (await fetch(`${url}/hex/packages/hex_up`)).arrayBuffer())),
    );
    expect(verify('sha512', signed.payload, sigilPem, signed.signature)).toBe(true);
    expect(verify('sha512', signed.payload, upKeys.publicKey, signed.signature)).toBe(false);
    const pkg = decodeMessage('Package', signed.payload) as {
      repository: string;
      releases: { outerChecksum: Buffer }[];
    };
    expect(pkg.repository).toBe('sigil');
    expect(pkg.releases[0]!.outerChecksum.toString('hex')).toBe(row!.sha256);

    const v = await runCli(
      ['verify', join(root, 'good', 'rebar.lock'), '--server', url, '--json'],
      { SIGIL_CONFIG_DIR: join(root, 'cfg') },
    );
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as {
      kinds: Record<string, number>;
      dependencies: { level: string; reason: string }[];
    };
    expect(report.kinds['observed']).toBe(1);
    expect(report.dependencies[0]!.level).toBe('logged');
  }, 180_000);

  it('an upstream that republishes the version: a conflict record is logged, rebar3 still gets the logged bytes', async () => {
    const evil = release('hex_up', '1.0.0', 'hello from a republisher');
    up.packages.set('hex_up', [{ version: '1.0.0', tarball: evil }]);
    up.tarballs.set('hex_up-1.0.0.tar', evil);
    const r = await rebarGetDeps(root, 'again', `${url}/hex`, sigilPem, {
      name: 'hex_up',
      version: '1.0.0',
    });
    expect(r.status, r.out).toBe(0);
    expect(readFileSync(r.dep, 'utf8')).toContain('hello from upstream');
    expect(await conflictsAt(url)).toEqual([['pkg:hex/hex_up@1.0.0', up.url]]);
  }, 180_000);

  it('a resource signed by another key, one naming another repository, and a tarball other than its signed checksum are refused, naming the upstream; nothing logged', async () => {
    for (const [name, code] of [
      ['forged', 'UPSTREAM_SIGNATURE_INVALID'],
      ['wrongrepo', 'UPSTREAM_SIGNATURE_INVALID'],
      ['badtar', 'UPSTREAM_DIGEST_MISMATCH'],
    ] as const) {
      const res = await fetch(`${url}/hex/tarballs/${name}-1.0.0.tar`);
      expect(res.status, name).toBe(502);
      const body = JSON.stringify(await res.json());
      expect(body, name).toContain(code);
      expect(body, name).toContain(up.url);
      expect(reg.store.get(`pkg:hex/${name}@1.0.0`), name).toBeUndefined();
    }
    const pkgRes = await fetch(`${url}/hex/packages/forged`);
    expect(pkgRes.status).toBe(502);
    expect(JSON.stringify(await pkgRes.json())).toContain('not signed by the configured key');
    // rebar3 itself stops there too, and fetches nothing.
    const r = await rebarGetDeps(root, 'forged', `${url}/hex`, sigilPem, {
      name: 'forged',
      version: '1.0.0',
    });
    expect(r.status).not.toBe(0);
    expect(reg.store.get('pkg:hex/forged@1.0.0')).toBeUndefined();
  }, 180_000);

  it('a private name is never asked upstream; served paths are looked up, never joined', async () => {
    const before = up.requests.length;
    expect((await fetch(`${url}/hex/packages/secret_lib`)).status).toBe(404);
    expect((await fetch(`${url}/hex/tarballs/secret_lib-1.0.0.tar`)).status).toBe(404);
    for (const p of [
      '/hex/tarballs/..%2f..%2fdata%2fkeys%2fregistry-hex-rsa.pem',
      '/hex/packages/..%2fnames',
      '/hex/tarballs/hex_up-1.0.0.tar%2f..%2f..%2fnames',
    ]) {
      const res = await fetch(`${url}${p}`);
      expect(res.status, p).toBe(404);
      expect(await res.text()).not.toContain('PRIVATE KEY');
    }
    expect(up.requests.slice(before)).toEqual([]);
  });
});
