// The RubyGems personality over HTTP (fastify inject against the whole `openRegistry` app):
// Marshal encoding, compact and full index shapes, downloads, and every kind of bad `gem push`.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { marshalDump } from '../../src/registry/personalities/gem/index.js';
import { base32Decode, totp } from '../../src/registry/auth/totp.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { buildTar } from '../helpers/tar-builder.js';

const req = (op: string, v: string, indent: string) =>
  `${indent}requirements:\n${indent}- - "${op}"\n${indent}  - !ruby/object:Gem::Version\n${indent}    version: '${v}'\n`;
function gemFile(
  name: string,
  version: string,
  opts: { deps?: [string, string, string][]; extra?: string } = {},
): Buffer {
  const deps = (opts.deps ?? [])
    .map(
      ([n, op, v]) =>
        `- !ruby/object:Gem::Dependency\n  name: ${n}\n  requirement: !ruby/object:Gem::Requirement\n${req(op, v, '    ')}  type: :runtime\n  prerelease: false\n`,
    )
    .join('');
  const yaml = `--- !ruby/object:Gem::Specification\nname: ${name}\nversion: !ruby/object:Gem::Version\n  version: ${version}\nplatform: ruby\nauthors:\n- Sigil\nsummary: test gem\nlicenses:\n- MIT\nrequired_ruby_version: !ruby/object:Gem::Requirement\n${req('>=', '2.5', '  ')}dependencies:${deps ? `\n${deps}` : ' []\n'}`;
  return buildTar([
    { name: 'metadata.gz', content: gzipSync(yaml) },
    {
      name: 'data.tar.gz',
      content: gzipSync(buildTar([{ name: 'lib/x.rb', content: `# ${opts.extra ?? ''}\n` }])),
    },
  ]);
}

let registry: Registry;
let token: string;
const push = (body: Buffer, key: string | null = token) =>
  registry.app.inject({
    method: 'POST',
    url: '/rubygems/api/v1/gems',
    headers: { 'content-type': 'application/octet-stream', ...(key ? { authorization: key } : {}) },
    payload: body,
  });

beforeEach(async () => {
  registry = await openRegistry({
    dataDir: mkdtempSync(join(tmpdir(), 'sigil-gemp-')),
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

describe('Marshal 4.8', () => {
  // Expected bytes are Ruby 3.1's own: ruby -e 'p Marshal.dump(x)[2..].unpack1("H*")'.
  it("writes Ruby's encodings", () => {
    const hex = (v: Parameters<typeof marshalDump>[0]) =>
      marshalDump(v).subarray(2).toString('hex');
    expect(hex(null)).toBe('30');
    expect([0, 1, 122, 123, 255, 256, -1, -123, -124, -256, 70000].map((n) => hex(n))).toEqual([
      '6900',
      '6906',
      '697f',
      '69017b',
      '6901ff',
      '69020001',
      '69fa',
      '6980',
      '69ff84',
      '69ff00',
      '6903701101',
    ]);
    expect(hex('ab')).toBe(`4922${'07'}6162${'06'}3a${'06'}45${'54'}`);
    expect(hex([true, false, { $symbol: 'x' }])).toBe('5b08' + '54' + '46' + '3a0678');
    expect(hex({ $user: 'V', data: ['1'] })).toBe(`55${'3a0656'}${'5b06'}4922${'06'}31063a064554`);
  });
});

describe('indexes and downloads', () => {
  it('serves /versions, /info, /names, the full index files, quick specs and gems', async () => {
    const g = gemFile('demo', '1.0.0', { deps: [['dep', '~>', '1.0']] });
    const r = await push(g);
    expect(r.statusCode, r.body).toBe(200);
    expect(r.body).toContain('Successfully registered gem: demo (1.0.0)');
    const sha = createHash('sha256').update(g).digest('hex');

    const info = await registry.app.inject({ url: '/rubygems/info/demo' });
    expect(info.body).toBe(`---\n1.0.0 dep:~> 1.0|checksum:${sha},ruby:>= 2.5\n`);
    const versions = await registry.app.inject({ url: '/rubygems/versions' });
    expect(versions.body).toMatch(/^created_at: .+\n---\ndemo 1\.0\.0 [0-9a-f]{32}\n$/);
    expect(versions.body.trim().split(' ').pop()).toBe(
      createHash('md5').update(info.body).digest('hex'),
    );
    expect((await registry.app.inject({ url: '/rubygems/names' })).body).toBe('---\ndemo\n');

    const specs = gunzipSync(
      (await registry.app.inject({ url: '/rubygems/specs.4.8.gz' })).rawPayload,
    );
    expect(specs.includes(Buffer.from('Gem::Version'))).toBe(true);
    expect(specs.subarray(0, 3).toString('hex')).toBe('04085b');
    expect(
      gunzipSync(
        (await registry.app.inject({ url: '/rubygems/prerelease_specs.4.8.gz' })).rawPayload,
      ).toString('hex'),
    ).toBe('04085b00');
    const quick = inflateSync(
      (await registry.app.inject({ url: '/rubygems/quick/Marshal.4.8/demo-1.0.0.gemspec.rz' }))
        .rawPayload,
    );
    expect(quick.subarray(0, 3).toString('hex')).toBe('040875');
    expect(quick.includes(Buffer.from('Gem::Specification'))).toBe(true);
    expect(quick.includes(Buffer.from('Gem::Dependency'))).toBe(true);

    const dl = await registry.app.inject({ url: '/rubygems/gems/demo-1.0.0.gem' });
    expect(dl.rawPayload.equals(g)).toBe(true);
  });

  it('answers 404 for unknown gems and traversing paths', async () => {
    expect((await push(gemFile('demo', '1.0.0'))).statusCode).toBe(200);
    for (const u of [
      '/rubygems/info/other',
      '/rubygems/info/..%2F..%2Fregistry.sqlite',
      '/rubygems/gems/demo-2.0.0.gem',
      '/rubygems/gems/..%2F..%2Fregistry.sqlite',
      '/rubygems/gems/demo-1.0.0.tgz',
      '/rubygems/quick/Marshal.4.8/..%2Fdemo-1.0.0.gemspec.rz',
      '/rubygems/quick/Marshal.4.8/demo-1.0.0.gemspec',
    ]) {
      expect((await registry.app.inject({ url: u })).statusCode, u).toBe(404);
    }
  });
});

describe('gem push: refusals as text, nothing stored', () => {
  const nothingStored = () => expect(registry.store.count()).toBe(0);

  it('refuses missing, wrong and out-of-scope keys', async () => {
    const g = gemFile('demo', '1.0.0');
    expect((await push(g, null)).statusCode).toBe(401);
    expect((await push(g, 'sgl_wrong')).statusCode).toBe(401);
    await registry.auth.createAccount('bob');
    const bob = (
      await registry.auth.createToken('bob', {
        actions: ['publish'],
        namespaces: ['pkg:gem/bobs'],
      })
    ).token;
    expect((await push(g, bob)).statusCode).toBe(403);
    nothingStored();
  });

  it('enforces 2FA: an account with a second factor is refused without a code', async () => {
    await registry.auth.createAccount('carol');
    const secret = base32Decode((await registry.auth.enableTwoFactor('carol')).secret)!;
    await registry.auth.confirmTwoFactor('carol', totp(secret, Date.now()));
    const carol = (await registry.auth.createToken('carol')).token;
    const r = await push(gemFile('carol-gem', '1.0.0'), carol);
    expect(r.statusCode).toBe(401);
    expect(r.body).toContain('--otp <code>');
    nothingStored();
    const ok = await registry.app.inject({
      method: 'POST',
      url: '/rubygems/api/v1/gems',
      headers: {
        'content-type': 'application/octet-stream',
        authorization: carol,
        'x-sigil-otp': totp(secret, Date.now() + 30_000),
      },
      payload: gemFile('carol-gem', '1.0.0'),
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses bodies that are not gems', async () => {
    for (const body of [
      Buffer.from('not a gem'),
      buildTar([{ name: 'data.tar.gz', content: 'x' }]),
      buildTar([{ name: 'metadata.gz', content: gzipSync('--- [1, 2]\n') }]),
    ]) {
      const r = await push(body);
      expect(r.statusCode).toBe(400);
      expect(r.headers['content-type']).toMatch(/^text\/plain/);
    }
    nothingStored();
  });

  it('refuses a gemspec whose name, version or platform would make a path or an ambiguous name', async () => {
    const withPlatform = (platform: string) =>
      buildTar([
        {
          name: 'metadata.gz',
          content: gzipSync(
            `--- !ruby/object:Gem::Specification\nname: demo\nversion: !ruby/object:Gem::Version\n  version: 1.0.0\nplatform: ${platform}\nauthors:\n- Sigil\nsummary: x\ndependencies: []\n`,
          ),
        },
        {
          name: 'data.tar.gz',
          content: gzipSync(buildTar([{ name: 'lib/x.rb', content: '#\n' }])),
        },
      ]);
    for (const [what, body] of [
      ['name ../../evil', gemFile('../../evil', '1.0.0')],
      ['name a/b', gemFile('a/b', '1.0.0')],
      ['name with a space', gemFile('"de mo"', '1.0.0')],
      ['empty name', gemFile('""', '1.0.0')],
      ['version 1.0.0/../x', gemFile('demo', '"1.0.0/../x"')],
      ['platform ../x', withPlatform('"../x"')],
    ] as const) {
      const r = await push(body);
      expect(r.statusCode, what).toBe(400);
      expect(r.headers['content-type'], what).toMatch(/^text\/plain/);
    }
    nothingStored();
  });

  it('refuses other bytes for a published version (409), a case twin (403), and oversize (413)', async () => {
    expect((await push(gemFile('demo', '1.0.0'))).statusCode).toBe(200);
    expect((await push(gemFile('demo', '1.0.0'))).statusCode).toBe(200);
    const other = await push(gemFile('demo', '1.0.0', { extra: 'other' }));
    expect(other.statusCode).toBe(409);
    expect(other.body).toContain('Repushing of gem versions is not allowed');
    const twin = await push(gemFile('Demo', '2.0.0'));
    expect(twin.statusCode).toBe(403);
    expect(twin.body).toContain('too similar to the published gem demo');
    expect(
      (await push(gemFile('big', '1.0.0', { extra: randomBytes(100_000).toString('base64') })))
        .statusCode,
    ).toBe(413);
    expect(registry.store.count()).toBe(1);
  });

  it('refuses gem push where author signatures are required, saying what to run instead', async () => {
    await registry.close();
    registry = await openRegistry({
      dataDir: mkdtempSync(join(tmpdir(), 'sigil-gemp-')),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      publicUrl: 'http://reg.test',
      requireAuthorSignature: true,
    });
    token = registry.adminToken!;
    const r = await push(gemFile('demo', '1.0.0'));
    expect(r.statusCode).toBe(403);
    expect(r.body).toContain('sigil publish demo-1.0.0.gem --key');
    nothingStored();
  });
});

describe('gem yank and gem owner: forms checked by the route schemas, refusals as text', () => {
  const form = (method: 'DELETE' | 'POST', url: string, body: string) =>
    registry.app.inject({
      method,
      url,
      headers: { authorization: token, 'content-type': 'application/x-www-form-urlencoded' },
      payload: body,
    });

  it('refuses a yank form without a valid gem_name or version, naming each field; a valid one yanks', async () => {
    expect((await push(gemFile('demo', '1.0.0'))).statusCode).toBe(200);
    for (const [body, says] of [
      ['', 'gem_name is missing; version is missing'],
      ['gem_name=demo', 'version is missing'],
      ['gem_name=demo&version=', 'version must be a version'],
      ['gem_name=..%2Fdemo&version=1.0.0', 'gem_name must be a gem name'],
    ] as const) {
      const r = await form('DELETE', '/rubygems/api/v1/gems/yank', body);
      expect(r.statusCode, body).toBe(400);
      expect(r.body).toBe(
        `give gem_name and version: ${says} (hint: gem yank <name> -v <version>)`,
      );
    }
    expect(registry.store.count()).toBe(1);
    // The first of a repeated field counts, as gem's own server reads it.
    const ok = await form(
      'DELETE',
      '/rubygems/api/v1/gems/yank',
      'gem_name=demo&version=1.0.0&version=9',
    );
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.body).toBe('Successfully deleted gem: demo (1.0.0)');
  });

  it('refuses an owner form without a valid account name, and a path that is no gem name with 404', async () => {
    expect((await push(gemFile('demo', '1.0.0'))).statusCode).toBe(200);
    for (const method of ['POST', 'DELETE'] as const) {
      for (const body of ['', 'email=', 'email=a%2Fb', `email=${'a'.repeat(65)}`]) {
        const r = await form(method, '/rubygems/api/v1/gems/demo/owners', body);
        expect(r.statusCode, `${method} ${body}`).toBe(400);
        expect(r.body).toMatch(
          /^give the new owner as email=<account name>: email (is missing|must be an account name) \(hint: gem owner <gem> --add <account>\)$/,
        );
      }
      const r = await form(method, '/rubygems/api/v1/gems/..%2Fdemo/owners', 'email=ann');
      expect(r.statusCode).toBe(404);
      expect(r.body).toBe('no such gem');
    }
    const none = await registry.app.inject({
      url: '/rubygems/api/v1/gems/demo%20x/owners.yaml',
      headers: { authorization: token },
    });
    expect(none.statusCode).toBe(404);
  });
});
