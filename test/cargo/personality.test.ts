// The Cargo personality over HTTP (fastify inject against the whole `openRegistry` app): index
// paths and lines, downloads, yank, and every kind of bad `cargo publish` refused with nothing stored.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { indexPath, parseIndexPath } from '../../src/registry/personalities/cargo/index.js';
import { base32Decode, totp } from '../../src/registry/auth/totp.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { buildTgz } from '../helpers/tar-builder.js';

const crate = (name: string, version: string, deps = '', extra = '') =>
  buildTgz([
    {
      name: `${name}-${version}/Cargo.toml`,
      content: `[package]\nname = "${name}"\nversion = "${version}"\nedition = "2021"\n\n[dependencies]\n${deps}\n[features]\ndefault = []\nfancy = ["dep:serde"]\n`,
    },
    { name: `${name}-${version}/src/lib.rs`, content: `pub fn x() {}${extra}\n` },
  ]);

/** body builds what `cargo publish` sends: u32 LE JSON length, JSON, u32 LE crate length, crate. */
function body(meta: Record<string, unknown>, crateBytes: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(meta));
  const a = Buffer.alloc(4);
  a.writeUInt32LE(json.length);
  const b = Buffer.alloc(4);
  b.writeUInt32LE(crateBytes.length);
  return Buffer.concat([a, json, b, crateBytes]);
}
const meta = (
  name: string,
  vers: string,
  deps: { name: string; version_req?: string; explicit_name_in_toml?: string }[] = [],
) => ({
  name,
  vers,
  deps: deps.map((d) => ({
    version_req: '^1',
    features: [],
    optional: false,
    default_features: true,
    target: null,
    kind: 'normal',
    registry: null,
    ...d,
  })),
  features: {},
});

let registry: Registry;
let token: string;

const publish = (payload: Buffer, auth: string | null = token) =>
  registry.app.inject({
    method: 'PUT',
    url: '/cargo/api/v1/crates/new',
    headers: { ...(auth ? { authorization: auth } : {}) },
    payload,
  });
const publishCrate = (
  name: string,
  version: string,
  deps = '',
  metaDeps: Parameters<typeof meta>[2] = [],
  extra = '',
) => publish(body(meta(name, version, metaDeps), crate(name, version, deps, extra)));

beforeEach(async () => {
  registry = await openRegistry({
    dataDir: mkdtempSync(join(tmpdir(), 'sigil-cargop-')),
    host: '127.0.0.1',
    port: 0,
    batchIntervalMs: 2,
    publicUrl: 'http://reg.test',
    maxUploadBytes: 64 * 1024,
  });
  token = registry.adminToken!;
});
afterEach(async () => {
  await registry.close();
});

describe('index paths', () => {
  it('follow the registry layout and round-trip', () => {
    expect(['a', 'ab', 'abc', 'Serde_JSON'].map(indexPath)).toEqual([
      '1/a',
      '2/ab',
      '3/a/abc',
      'se/rd/serde_json',
    ]);
    for (const n of ['a', 'ab', 'abc', 'serde']) expect(parseIndexPath(indexPath(n))).toBe(n);
    for (const p of ['se/rd/other', '../etc/passwd', '3/b/abc', '1/ab', 'se/rd/..%2fserde'])
      expect(parseIndexPath(p)).toBeUndefined();
  });
});

describe('sparse index and downloads', () => {
  it('serves config.json, index lines with cksum/deps/features/yanked, and the crate', async () => {
    expect((await registry.app.inject({ url: '/cargo/index/config.json' })).json()).toEqual({
      dl: 'http://reg.test/cargo/api/v1/crates',
      api: 'http://reg.test/cargo',
      'auth-required': false,
    });
    const c = crate(
      'demo',
      '1.0.0',
      'serde = { version = "1.0", optional = true, features = ["derive"] }\nlocal = { version = "0.3", registry-index = "sparse+http://reg.test/cargo/index/", package = "real-local" }\n',
    );
    const r = await publish(
      body(
        meta('demo', '1.0.0', [
          { name: 'serde' },
          { name: 'real-local', explicit_name_in_toml: 'local' },
        ]),
        c,
      ),
    );
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toEqual({
      warnings: { invalid_categories: [], invalid_badges: [], other: [] },
    });

    const idx = await registry.app.inject({ url: '/cargo/index/de/mo/demo' });
    expect(idx.statusCode).toBe(200);
    const line = JSON.parse(idx.body.trim());
    expect(line).toEqual({
      name: 'demo',
      vers: '1.0.0',
      deps: [
        {
          name: 'serde',
          req: '^1.0',
          features: ['derive'],
          optional: true,
          default_features: true,
          target: null,
          kind: 'normal',
          registry: 'https://github.com/rust-lang/crates.io-index',
        },
        {
          name: 'local',
          req: '^0.3',
          features: [],
          optional: false,
          default_features: true,
          target: null,
          kind: 'normal',
          registry: null,
          package: 'real-local',
        },
      ],
      cksum: createHash('sha256').update(c).digest('hex'),
      features: { default: [], fancy: ['dep:serde'] },
      yanked: false,
      links: null,
      v: 2,
    });
    const again = await registry.app.inject({
      url: '/cargo/index/de/mo/demo',
      headers: { 'if-none-match': idx.headers.etag as string },
    });
    expect(again.statusCode).toBe(304);

    const dl = await registry.app.inject({ url: '/cargo/api/v1/crates/demo/1.0.0/download' });
    expect(dl.rawPayload.equals(c)).toBe(true);
    expect(dl.headers['cache-control']).toContain('immutable');

    expect(
      (
        await registry.app.inject({
          method: 'DELETE',
          url: '/cargo/api/v1/crates/demo/1.0.0/yank',
          headers: { authorization: token },
        })
      ).json(),
    ).toEqual({ ok: true });
    expect(
      JSON.parse((await registry.app.inject({ url: '/cargo/index/de/mo/demo' })).body).yanked,
    ).toBe(true);
    expect(
      (
        await registry.app.inject({
          method: 'PUT',
          url: '/cargo/api/v1/crates/demo/1.0.0/unyank',
          headers: { authorization: token },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      JSON.parse((await registry.app.inject({ url: '/cargo/index/de/mo/demo' })).body).yanked,
    ).toBe(false);
    // Yanked crates stay downloadable (lockfiles that pin them keep working).
  });

  it('answers 404 for unknown crates, wrong index paths and traversal', async () => {
    expect((await publishCrate('demo', '1.0.0')).statusCode).toBe(200);
    for (const u of [
      '/cargo/index/de/mo/other',
      '/cargo/index/xx/yy/demo',
      '/cargo/index/de/mo/..%2F..%2Fregistry.sqlite',
      '/cargo/index/../../registry.sqlite',
      '/cargo/api/v1/crates/demo/9.9.9/download',
      '/cargo/api/v1/crates/..%2Fdemo/1.0.0/download',
      '/cargo/api/v1/crates/demo/..%2F1.0.0/download',
    ]) {
      expect((await registry.app.inject({ url: u })).statusCode, u).toBe(404);
    }
    for (const [method, u] of [
      ['DELETE', '/cargo/api/v1/crates/..%2Fdemo/1.0.0/yank'],
      ['PUT', '/cargo/api/v1/crates/9demo/1.0.0/unyank'],
    ] as const) {
      const r = await registry.app.inject({ method, url: u, headers: { authorization: token } });
      expect(r.statusCode, u).toBe(404);
      expect(r.json().errors[0].detail, u).toBe('no such crate');
    }
    // `cargo search` sends q once; two are refused in cargo's shape, not read as an array.
    const search = await registry.app.inject({ url: '/cargo/api/v1/crates?q=a&q=b' });
    expect(search.statusCode).toBe(400);
    expect(search.json().errors[0].detail).toContain('q must be the search text');
  });
});

describe("cargo publish: refusals in cargo's shape, nothing stored", () => {
  const nothingStored = () => expect(registry.store.count()).toBe(0);
  const detail = (r: { json: () => { errors: { detail: string }[] } }) =>
    r.json().errors[0]!.detail;

  it('refuses missing and wrong tokens, and tokens out of scope', async () => {
    const p = body(meta('demo', '1.0.0'), crate('demo', '1.0.0'));
    expect((await publish(p, null)).statusCode).toBe(401);
    expect((await publish(p, 'sgl_wrong')).statusCode).toBe(401);
    await registry.auth.createAccount('bob');
    const bob = (
      await registry.auth.createToken('bob', {
        actions: ['publish'],
        namespaces: ['pkg:cargo/bobs-crate'],
      })
    ).token;
    const r = await publish(p, bob);
    expect(r.statusCode).toBe(403);
    expect(detail(r)).toBeTruthy();
    nothingStored();
  });

  it('enforces 2FA: an account with a second factor is refused without a code (cargo cannot send one)', async () => {
    await registry.auth.createAccount('carol');
    const secret = base32Decode((await registry.auth.enableTwoFactor('carol')).secret)!;
    await registry.auth.confirmTwoFactor('carol', totp(secret, Date.now()));
    const carol = (await registry.auth.createToken('carol')).token;
    const p = body(meta('carol-crate', '1.0.0'), crate('carol-crate', '1.0.0'));
    const r = await publish(p, carol);
    expect(r.statusCode).toBe(401);
    expect(detail(r)).toContain('sigil publish target/package/<name>-<version>.crate --otp');
    nothingStored();
    const ok = await registry.app.inject({
      method: 'PUT',
      url: '/cargo/api/v1/crates/new',
      headers: { authorization: carol, 'x-sigil-otp': totp(secret, Date.now() + 30_000) },
      payload: p,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses malformed bodies', async () => {
    const c = crate('demo', '1.0.0');
    const good = body(meta('demo', '1.0.0'), c);
    for (const bad of [
      Buffer.alloc(3),
      good.subarray(0, good.length - 1),
      Buffer.concat([good, Buffer.from('x')]),
      body({ name: 1 } as never, c),
      Buffer.concat([Buffer.from([5, 0, 0, 0]), Buffer.from('{nope'), Buffer.alloc(4)]),
    ]) {
      const r = await publish(bad);
      expect(r.statusCode).toBe(400);
      expect(detail(r)).toMatch(/invalid publish request/);
    }
    const r = await publish(body(meta('demo', '1.0.0'), Buffer.from('not a crate')));
    expect(r.statusCode).toBe(400);
    nothingStored();
  });

  it('refuses crate names and versions that would make a path, even when metadata and Cargo.toml agree', async () => {
    for (const [name, vers] of [
      ['../evil', '1.0.0'],
      ['a/b', '1.0.0'],
      ['', '1.0.0'],
      ['x'.repeat(65), '1.0.0'],
      ['demo', '1.0.0/../x'],
      ['demo', 'not-a-version'],
    ] as const) {
      const r = await publishCrate(name, vers);
      expect(r.statusCode, `${name}@${vers}`).toBe(400);
      expect(detail(r), `${name}@${vers}`).toBeTruthy();
    }
    nothingStored();
  });

  it('refuses metadata that disagrees with the crate (name, version, dependencies)', async () => {
    const c = crate('demo', '1.0.0', 'serde = "1"\n');
    const r1 = await publish(body(meta('demo', '2.0.0', [{ name: 'serde' }]), c));
    expect(r1.statusCode).toBe(400);
    expect(detail(r1)).toContain("the crate's Cargo.toml is demo 1.0.0");
    const r2 = await publish(body(meta('demo', '1.0.0', [{ name: 'serde' }, { name: 'evil' }]), c));
    expect(r2.statusCode).toBe(400);
    expect(detail(r2)).toContain('dependencies');
    const r3 = await publish(body(meta('other', '1.0.0', [{ name: 'serde' }]), c));
    expect(r3.statusCode).toBe(400);
    nothingStored();
  });

  it('refuses other bytes for a published version (409), accepts the same bytes again, and refuses case/-_ twins', async () => {
    expect((await publishCrate('my-crate', '1.0.0')).statusCode).toBe(200);
    const same = await publishCrate('my-crate', '1.0.0');
    expect(same.statusCode).toBe(200);
    expect(same.json().warnings.other[0]).toContain('already published');
    const other = await publishCrate('my-crate', '1.0.0', '', [], '// other');
    expect(other.statusCode).toBe(409);
    expect(detail(other)).toContain('is already uploaded');
    for (const twin of ['my_crate', 'My-Crate']) {
      const r = await publishCrate(twin, '2.0.0');
      expect(r.statusCode, twin).toBe(400);
      expect(detail(r)).toContain('same name as the published crate `my-crate`');
    }
    expect(registry.store.count()).toBe(1);
  });

  it('refuses oversized crates with 413', async () => {
    const r = await publishCrate(
      'demo',
      '1.0.0',
      '',
      [],
      `// ${randomBytes(100_000).toString('base64')}`,
    );
    expect(r.statusCode).toBe(413);
    nothingStored();
  });

  it('refuses cargo publish where author signatures are required, saying what to run instead', async () => {
    await registry.close();
    registry = await openRegistry({
      dataDir: mkdtempSync(join(tmpdir(), 'sigil-cargop-')),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      publicUrl: 'http://reg.test',
      requireAuthorSignature: true,
    });
    token = registry.adminToken!;
    const r = await publishCrate('demo', '1.0.0');
    expect(r.statusCode).toBe(403);
    expect(detail(r)).toContain('sigil publish target/package/demo-1.0.0.crate');
    nothingStored();
  });
});

describe('owners API: refusals', () => {
  const owners = (
    method: 'GET' | 'PUT' | 'DELETE',
    name: string,
    payload?: unknown,
    auth = token,
  ) =>
    registry.app.inject({
      method,
      url: `/cargo/api/v1/crates/${name}/owners`,
      headers: { authorization: auth, 'content-type': 'application/json' },
      ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
    });

  it('keeps the last owner, refuses malformed bodies, unknown accounts and crates, and non-owners; all or nothing', async () => {
    await registry.auth.createAccount('ann');
    const ann = (await registry.auth.createToken('ann', { actions: ['publish'] })).token;
    expect((await publishCrate('owned', '1.0.0')).statusCode).toBe(200);
    // The publisher (admin) is the one owner: removing it would leave the crate without one.
    const admin = (await owners('GET', 'owned'))
      .json()
      .users.map((u: { login: string }) => u.login);
    expect(admin.length).toBeGreaterThan(0);
    const last = await owners('DELETE', 'owned', { users: admin });
    expect(last.statusCode).toBe(409);
    expect(last.json().errors[0].detail).toContain('the last owner');
    // Checked by the route's schema: cargo's error shape, naming the field and what it must be.
    for (const [bad, names] of [
      [{}, 'users is missing'],
      [{ users: [] }, 'users must be an array of 1 to 100 account names'],
      [{ users: ['../x'] }, 'users/0 must be an account name'],
      [{ users: ['ok', 1] }, 'users/1 must be an account name'],
      [{ users: Array(101).fill('a') }, 'users must be an array of 1 to 100 account names'],
      ['x', 'the body must be a JSON object'],
    ] as const) {
      for (const method of ['PUT', 'DELETE'] as const) {
        const r = await owners(method, 'owned', bad);
        expect(r.statusCode, JSON.stringify(bad)).toBe(400);
        expect(r.json().errors[0].detail).toContain('the body must be {"users"');
        expect(r.json().errors[0].detail).toContain(names);
        expect(r.json().errors[0].detail).toContain('(hint: cargo owner --add');
      }
    }
    // A path that is no crate name names nothing: 404, as for a crate that is not here.
    for (const name of ['..%2Fx', '_x', 'a'.repeat(65)])
      expect((await owners('PUT', name, { users: ['ann'] })).statusCode, name).toBe(404);
    const unknown = await owners('PUT', 'owned', { users: ['ann', 'ghost'] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().errors[0].detail).toContain('"ghost"');
    // nothing changed: ann was not added alongside the unknown account
    expect(
      (await owners('GET', 'owned')).json().users.map((u: { login: string }) => u.login),
    ).not.toContain('ann');
    expect((await owners('GET', 'nope')).statusCode).toBe(404);
    // ann is not an owner: she may neither list nor change them
    expect((await owners('GET', 'owned', undefined, ann)).statusCode).toBe(403);
    expect((await owners('PUT', 'owned', { users: ['ann'] }, ann)).statusCode).toBe(403);
    expect((await owners('GET', 'owned', undefined, 'sgl_wrong')).statusCode).toBe(401);
    // Nor may she yank the crate she does not own: 403, and the index still says not yanked
    // (an authorisation that is not awaited would let the yank through).
    const yank = await registry.app.inject({
      method: 'DELETE',
      url: '/cargo/api/v1/crates/owned/1.0.0/yank',
      headers: { authorization: ann },
    });
    expect(yank.statusCode).toBe(403);
    await new Promise((r) => setTimeout(r, 50)); // a yank let through would land by now
    const line = (await registry.app.inject({ url: '/cargo/index/ow/ne/owned' })).body;
    expect(JSON.parse(line.trim().split('\n').pop()!).yanked).toBe(false);
    expect(await registry.storage.packages.yankOf('pkg:cargo/owned@1.0.0')).toBeUndefined();
  });
});
