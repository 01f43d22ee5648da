// The npm personality over HTTP (fastify inject against the whole `openRegistry` app):
// packuments, tarballs, dist-tags, `npm publish` bodies good and bad, auth, and that the
// root wildcard leaves the registry's other routes alone.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { parseNpmKeys, verifyNpmPackument } from '../../src/foreign/npm-registry/index.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { totp, base32Decode } from '../../src/registry/auth/totp.js';
import { openRegistry, type Registry, type RegistryOptions } from '../../src/registry/server.js';
import { buildTgz } from '../helpers/tar-builder.js';

const tgz = (manifest: Record<string, unknown>, extra = '') =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify(manifest) },
    { name: 'package/index.js', content: `module.exports = 1;${extra}` },
  ]);

const bare = (name: string) => (name.startsWith('@') ? name.slice(name.indexOf('/') + 1) : name);

/** publishBody is what libnpmpublish sends for `npm publish` (interop-spikes.md §1). */
function publishBody(
  name: string,
  version: string,
  tarball: Buffer,
  tag = 'latest',
): Record<string, any> {
  return {
    _id: name,
    name,
    description: 'test',
    'dist-tags': { [tag]: version },
    versions: {
      [version]: {
        name,
        version,
        _id: `${name}@${version}`,
        dist: {
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
          shasum: createHash('sha1').update(tarball).digest('hex'),
          tarball: `http://x/${name}/-/${bare(name)}-${version}.tgz`,
        },
      },
    },
    access: null,
    _attachments: {
      [`${name}-${version}.tgz`]: {
        content_type: 'application/octet-stream',
        data: tarball.toString('base64'),
        length: tarball.length,
      },
    },
  };
}

const escaped = (name: string) => name.replace('/', '%2f');

let registry: Registry;
let token: string;

async function open(o: Partial<RegistryOptions> = {}): Promise<Registry> {
  registry = await openRegistry({
    dataDir: mkdtempSync(join(tmpdir(), 'sigil-npmp-')),
    host: '127.0.0.1',
    port: 0,
    batchIntervalMs: 2,
    publicUrl: 'http://reg.test',
    ...o,
  });
  token = registry.adminToken!;
  return registry;
}

const put = (
  name: string,
  body: unknown,
  t: string | null = token,
  headers: Record<string, string> = {},
) =>
  registry.app.inject({
    method: 'PUT',
    url: `/${escaped(name)}`,
    headers: {
      'content-type': 'application/json',
      ...(t ? { authorization: `Bearer ${t}` } : {}),
      ...headers,
    },
    payload: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = (url: string, accept = 'application/json') =>
  registry.app.inject({ method: 'GET', url, headers: { accept } });

beforeEach(async () => {
  await open();
});
afterEach(async () => {
  await registry.close();
});

describe('npm publish → packuments and tarballs', () => {
  it('publishes (201 ok), then serves full and abbreviated packuments, tarballs and signatures npm verifies', async () => {
    const t1 = tgz({
      name: 'left-pad',
      version: '1.0.0',
      license: 'MIT',
      dependencies: { a: '^1' },
      scripts: { postinstall: 'x' },
    });
    const r = await put('left-pad', publishBody('left-pad', '1.0.0', t1));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json()).toMatchObject({
      ok: true,
      id: 'left-pad',
      sigil: { purl: 'pkg:npm/left-pad@1.0.0', signedByAuthor: false },
    });
    const t2 = tgz({ name: 'left-pad', version: '1.1.0-beta.1' });
    expect(
      (await put('left-pad', publishBody('left-pad', '1.1.0-beta.1', t2, 'next'))).statusCode,
    ).toBe(201);

    const full = await get('/left-pad');
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toMatch(/^application\/json/);
    expect(full.headers['cache-control']).toBeUndefined();
    const doc = full.json();
    expect(doc['dist-tags']).toEqual({ latest: '1.0.0', next: '1.1.0-beta.1' });
    expect(Object.keys(doc.time)).toEqual(['created', 'modified', '1.0.0', '1.1.0-beta.1']);
    const v = doc.versions['1.0.0'];
    expect(v).toMatchObject({
      name: 'left-pad',
      version: '1.0.0',
      _id: 'left-pad@1.0.0',
      license: 'MIT',
      dependencies: { a: '^1' },
      hasInstallScript: true,
    });
    expect(v.dist.tarball).toBe('http://reg.test/left-pad/-/left-pad-1.0.0.tgz');
    expect(v.dist.shasum).toBe(createHash('sha1').update(t1).digest('hex'));
    expect(v.dist.integrity).toBe(`sha512-${createHash('sha512').update(t1).digest('base64')}`);
    expect(v.dist.sigil).toMatchObject({
      record: 'http://reg.test/api/v1/releases/pkg%3Anpm%2Fleft-pad%401.0.0',
      bundle: null,
    });
    const keys = parseNpmKeys((await get('/-/npm/v1/keys')).json());
    for (const verdict of verifyNpmPackument(doc, keys))
      expect(verdict.checks.map((c) => c.code)).toEqual(['NPM_SIGNATURE_VALID']);

    const corgi = await get(
      '/left-pad',
      'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*',
    );
    expect(corgi.headers['content-type']).toMatch(/^application\/vnd\.npm\.install-v1\+json/);
    const c = corgi.json();
    expect(Object.keys(c).sort()).toEqual(['dist-tags', 'modified', 'name', 'versions']);
    expect(c.versions['1.0.0'].license).toBeUndefined();
    expect(c.versions['1.0.0'].dependencies).toEqual({ a: '^1' });
    expect(c.versions['1.0.0'].dist.signatures).toHaveLength(1);

    const tar = await get('/left-pad/-/left-pad-1.0.0.tgz');
    expect(tar.statusCode).toBe(200);
    expect(tar.rawPayload.equals(t1)).toBe(true);
    expect((await get('/left-pad/latest')).json().version).toBe('1.0.0');
    expect((await get('/left-pad/1.1.0-beta.1')).json().version).toBe('1.1.0-beta.1');
    expect((await get('/-/package/left-pad/dist-tags')).json()).toEqual({
      latest: '1.0.0',
      next: '1.1.0-beta.1',
    });
    expect((await get('/left-pad/-/left-pad-1.0.0.tgz.sigstore.json')).statusCode).toBe(404); // not author-signed
    expect((await get('/left-pad/-/left-pad-9.9.9.tgz')).statusCode).toBe(404);
    expect((await get('/right-pad')).json()).toMatchObject({ error: 'Not found' });
  });

  it('scoped packages: PUT /@scope%2fname; packument at both path forms; tarball at /@scope/name/-/name-v.tgz', async () => {
    const t = tgz({ name: '@acme/widget', version: '2.0.0' });
    expect((await put('@acme/widget', publishBody('@acme/widget', '2.0.0', t))).statusCode).toBe(
      201,
    );
    for (const u of ['/@acme%2fwidget', '/@acme%2Fwidget', '/@acme/widget'])
      expect((await get(u)).json().name, u).toBe('@acme/widget');
    const d = (await get('/@acme%2fwidget')).json().versions['2.0.0'].dist;
    expect(d.tarball).toBe('http://reg.test/@acme/widget/-/widget-2.0.0.tgz');
    expect((await get('/@acme/widget/-/widget-2.0.0.tgz')).rawPayload.equals(t)).toBe(true);
  });

  it('dist-tags can be moved (npm dist-tag add / rm), with auth', async () => {
    for (const v of ['1.0.0', '2.0.0'])
      expect(
        (await put('tagged', publishBody('tagged', v, tgz({ name: 'tagged', version: v }))))
          .statusCode,
      ).toBe(201);
    expect((await get('/tagged')).json()['dist-tags']).toEqual({ latest: '2.0.0' });
    const tagReq = (
      method: 'PUT' | 'DELETE',
      tag: string,
      body?: string,
      t: string | null = token,
    ) =>
      registry.app.inject({
        method,
        url: `/-/package/tagged/dist-tags/${tag}`,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(t ? { authorization: `Bearer ${t}` } : {}),
        },
        ...(body !== undefined ? { payload: body } : {}),
      });
    expect((await tagReq('PUT', 'latest', '"1.0.0"', null)).statusCode).toBe(401);
    expect((await tagReq('PUT', 'latest', '"1.0.0"')).statusCode).toBe(201);
    expect((await tagReq('PUT', 'stable', '"3.0.0"')).statusCode).toBe(400);
    const notString = await tagReq('PUT', 'stable', '3');
    expect(notString.statusCode).toBe(400);
    expect(notString.json()).toMatchObject({
      code: 'NPM_TAG_INVALID',
      error: 'invalid dist-tag request: the body must be a version as a JSON string',
    });
    expect((await get('/tagged')).json()['dist-tags']).toEqual({ latest: '1.0.0' });
    expect((await tagReq('PUT', 'old', '"1.0.0"')).statusCode).toBe(201);
    expect((await tagReq('DELETE', 'old')).statusCode).toBe(201);
    expect((await tagReq('DELETE', 'latest')).statusCode).toBe(400);
    expect((await get('/-/package/tagged/dist-tags')).json()).toEqual({ latest: '1.0.0' });
  });

  it('releases published through /api/v1/publish show up in the packument too', async () => {
    const t = tgz({ name: 'via-api', version: '0.1.0', dependencies: { 'left-pad': '1' } });
    const r = await registry.app.inject({
      method: 'POST',
      url: '/api/v1/publish',
      headers: { authorization: `Bearer ${token}` },
      payload: { filename: 'via-api-0.1.0.tgz', artifact: t.toString('base64'), bundle: null },
    });
    expect(r.statusCode).toBe(201);
    const v = (await get('/via-api')).json().versions['0.1.0'];
    expect(v.dependencies).toEqual({ 'left-pad': '1' });
    expect(v.dist.shasum).toBe(createHash('sha1').update(t).digest('hex'));
  });

  it('the root wildcard leaves static routes alone: /api/v1, /log, /-/npm/v1/keys, /.well-known', async () => {
    expect((await get('/-/npm/v1/keys')).json().keys[0].keytype).toBe('ecdsa-sha2-nistp256');
    expect((await get('/.well-known/sigil/keys.json')).json().keys).toHaveLength(1);
    expect((await get('/log/checkpoint')).body).toMatch(/^reg\.test\/log\n/); // the origin follows --public-url (issue 13 item 7)
    const missing = await get('/api/v1/releases/pkg%3Anpm%2Fnope%401.0.0');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('RELEASE_NOT_FOUND'); // the registry API's shape, not npm's
    expect((await get('/-/ping')).statusCode).toBe(200);
  });
});

describe('author signatures through npm publish (`_sigil`)', () => {
  let author: PrivateKey;
  const signed = (
    name: string,
    version: string,
    t: Buffer,
    key: PrivateKey,
    withKeyEvent: boolean,
  ) => {
    const body = publishBody(name, version, t);
    const purl = `pkg:npm/${name.replace('@', '%40')}@${version}`;
    body['_sigil'] = {
      bundle: JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(t), key }))),
      ...(withKeyEvent
        ? {
            keyEvents: [
              buildKeyEvent(
                {
                  namespace: purl.replace(/@[^@]*$/, ''),
                  previous: null,
                  action: 'add',
                  keys: [key.publicKey],
                  reason: 'first publish',
                },
                [key],
              ).envelope,
            ],
          }
        : {}),
    };
    return body;
  };
  beforeEach(() => {
    author = generateKey();
  });

  it('first signed publish establishes the key; the bundle is reachable from the packument; unsigned and wrongly signed publishes are then refused', async () => {
    const t1 = tgz({ name: 'signed-pkg', version: '1.0.0' });
    const r = await put('signed-pkg', signed('signed-pkg', '1.0.0', t1, author, true));
    expect(r.statusCode, r.body).toBe(201);
    expect(r.json().sigil.signedByAuthor).toBe(true);
    const dist = (await get('/signed-pkg')).json().versions['1.0.0'].dist;
    expect(dist.sigil.bundle).toBe(
      'http://reg.test/signed-pkg/-/signed-pkg-1.0.0.tgz.sigstore.json',
    );
    expect(dist.sigil.authorKeyId).toBe(author.publicKey.keyId);
    const b = await get('/signed-pkg/-/signed-pkg-1.0.0.tgz.sigstore.json');
    expect(b.json().verificationMaterial.publicKey.hint).toBe(author.publicKey.keyId);

    const t2 = tgz({ name: 'signed-pkg', version: '1.0.1' });
    const unsigned = await put('signed-pkg', publishBody('signed-pkg', '1.0.1', t2));
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.json().code).toBe('AUTHOR_SIGNATURE_REQUIRED');
    expect(unsigned.json().error).toContain('sigil publish signed-pkg-1.0.1.tgz --key');
    const wrong = await put('signed-pkg', signed('signed-pkg', '1.0.1', t2, generateKey(), false));
    expect(wrong.statusCode).toBe(403);
    expect(wrong.json().code).toBe('AUTHOR_KEY_UNTRUSTED');
    expect(
      (await put('signed-pkg', signed('signed-pkg', '1.0.1', t2, author, false))).statusCode,
    ).toBe(201);
  });

  it('a registry that requires signatures refuses a plain npm publish, saying how to sign', async () => {
    await registry.close();
    await open({ requireAuthorSignature: true });
    const r = await put(
      'plain',
      publishBody('plain', '1.0.0', tgz({ name: 'plain', version: '1.0.0' })),
    );
    expect(r.statusCode).toBe(403);
    expect(r.json().error).toMatch(
      /only accepts releases signed by its authors.*npm pack && sigil publish plain-1\.0\.0\.tgz --key/,
    );
  });
});

describe('bad input', () => {
  const t = () => tgz({ name: 'bad', version: '1.0.0' });
  const expectRefused = async (
    body: unknown,
    status: number,
    code: string,
    text?: RegExp,
    name = 'bad',
  ) => {
    const r = await put(name, body);
    expect(r.statusCode, r.body).toBe(status);
    expect(typeof r.json().error).toBe('string'); // npm prints body.error verbatim
    expect(r.json().code).toBe(code);
    if (text) expect(r.json().error).toMatch(text);
    expect(registry.store.count()).toBe(0);
  };

  it('malformed bodies', async () => {
    await expectRefused('{"versions": ', 400, 'BAD_REQUEST');
    await expectRefused('[]', 400, 'NPM_PUBLISH_INVALID', /JSON object/);
    await expectRefused('"1.0.0"', 400, 'NPM_PUBLISH_INVALID', /the body must be a JSON object/);
    await expectRefused(
      { name: 'bad' },
      400,
      'NPM_PUBLISH_INVALID',
      /"versions" must be an object.*"_attachments" must be an object/,
    );
    const two = publishBody('bad', '1.0.0', t());
    two.versions['1.0.1'] = { ...two.versions['1.0.0'], version: '1.0.1' };
    await expectRefused(two, 400, 'NPM_PUBLISH_INVALID', /exactly one version \(got 2\)/);
    const twoFiles = publishBody('bad', '1.0.0', t());
    twoFiles._attachments['other.tgz'] = twoFiles._attachments['bad-1.0.0.tgz'];
    await expectRefused(twoFiles, 400, 'NPM_PUBLISH_INVALID', /exactly one tarball \(got 2\)/);
    const prov = publishBody('bad', '1.0.0', t());
    prov._attachments['bad@1.0.0.sigstore'] = {
      content_type: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      data: '{}',
    };
    await expectRefused(prov, 400, 'NPM_PUBLISH_INVALID', /provenance attachments/);
    const notB64 = publishBody('bad', '1.0.0', t());
    notB64._attachments['bad-1.0.0.tgz'].data = 'not base64!';
    await expectRefused(notB64, 400, 'NPM_PUBLISH_INVALID', /base64/);
    const len = publishBody('bad', '1.0.0', t());
    len._attachments['bad-1.0.0.tgz'].length = 3;
    await expectRefused(len, 400, 'NPM_PUBLISH_INVALID', /length 3 is not the size/);
    const noDist = publishBody('bad', '1.0.0', t());
    delete noDist.versions['1.0.0'].dist;
    await expectRefused(noDist, 400, 'NPM_PUBLISH_INVALID', /dist must be an object/);
    const badTag = publishBody('bad', '1.0.0', t());
    badTag['dist-tags'] = { '1.x': '1.0.0', beta: '0.9.0' };
    await expectRefused(
      badTag,
      400,
      'NPM_PUBLISH_INVALID',
      /"1\.x" is not a valid tag name.*"beta" points at "0\.9\.0"/,
    );
    await expectRefused(
      { ...publishBody('bad', '1.0.0', t()), _sigil: { bundle: 'text' } },
      400,
      'NPM_PUBLISH_INVALID',
      /_sigil\.bundle/,
    );
    const notTar = publishBody('bad', '1.0.0', Buffer.from('this is not a tarball'));
    await expectRefused(notTar, 400, 'ARTIFACT_INVALID');
    const proto = '{"__proto__": {"x": 1}, "versions": {}}';
    expect((await put('bad', proto)).statusCode).toBe(400);
  });

  it('an attachment whose integrity or shasum does not match versions[v].dist', async () => {
    const body = publishBody('bad', '1.0.0', t());
    body.versions['1.0.0'].dist.integrity =
      `sha512-${createHash('sha512').update('other').digest('base64')}`;
    await expectRefused(
      body,
      400,
      'NPM_PUBLISH_MISMATCH',
      /dist\.integrity sha512-.* does not match the attached tarball/,
    );
    const body2 = publishBody('bad', '1.0.0', t());
    body2.versions['1.0.0'].dist.shasum = '0'.repeat(40);
    await expectRefused(body2, 400, 'NPM_PUBLISH_MISMATCH', /dist\.shasum 0{40} does not match/);
    const body3 = publishBody('bad', '1.0.0', t());
    body3.versions['1.0.0'].dist.integrity = 'md5-AAAA';
    delete body3.versions['1.0.0'].dist.shasum;
    await expectRefused(body3, 400, 'NPM_PUBLISH_MISMATCH', /no sha1\/sha256\/sha384\/sha512 hash/);
  });

  it('name or version in the body differs from the URL or from the tarball', async () => {
    await expectRefused(
      publishBody('other', '1.0.0', t()),
      400,
      'NPM_PUBLISH_INVALID',
      /"name" "other" is not the package in the URL \(bad\)/,
    );
    await expectRefused(
      publishBody('evil', '1.0.0', t()),
      400,
      'NPM_PUBLISH_MISMATCH',
      /package\.json says "bad"@"1\.0\.0", but the body publishes evil@1\.0\.0/,
      'evil',
    );
    await expectRefused(
      publishBody('bad', '1.0.1', t()),
      400,
      'NPM_PUBLISH_MISMATCH',
      /says "bad"@"1\.0\.0", but the body publishes bad@1\.0\.1/,
    );
    const inner = publishBody('bad', '1.0.0', t());
    inner.versions['1.0.0'].version = '2.0.0';
    await expectRefused(
      inner,
      400,
      'NPM_PUBLISH_INVALID',
      /version "2\.0\.0" is not its key "1\.0\.0"/,
    );
  });

  it('an existing version: 403 the way npm registries answer', async () => {
    expect((await put('bad', publishBody('bad', '1.0.0', t()))).statusCode).toBe(201);
    for (const body of [
      publishBody('bad', '1.0.0', t()),
      publishBody('bad', '1.0.0', tgz({ name: 'bad', version: '1.0.0' }, '//changed')),
    ]) {
      const r = await put('bad', body);
      expect(r.statusCode).toBe(403);
      expect(r.json()).toMatchObject({ code: 'VERSION_EXISTS' });
      expect(r.json().error).toMatch(
        /^You cannot publish over the previously published versions: 1\.0\.0\./,
      );
    }
    expect((await get('/bad/-/bad-1.0.0.tgz')).rawPayload.equals(t())).toBe(true);
  });

  it('auth: no token, a token for another scope, a namespace held by another account, 2FA', async () => {
    const body = () =>
      publishBody('@alice/x', '1.0.0', tgz({ name: '@alice/x', version: '1.0.0' }));
    const none = await put('@alice/x', body(), null);
    expect(none.statusCode).toBe(401);
    expect(none.json().code).toBe('AUTH_REQUIRED');
    await registry.auth.createAccount('bob');
    const bobScoped = (await registry.auth.createToken('bob', { namespaces: ['pkg:npm/%40bob/*'] }))
      .token;
    const scope = await put('@alice/x', body(), bobScoped);
    expect(scope.statusCode).toBe(403);
    expect(scope.json().code).toBe('TOKEN_SCOPE');
    await registry.auth.createAccount('alice');
    expect(
      (await put('@alice/x', body(), (await registry.auth.createToken('alice')).token)).statusCode,
    ).toBe(201); // the first publish claims the package
    const bob = (await registry.auth.createToken('bob')).token;
    const held = await put(
      '@alice/x',
      publishBody('@alice/x', '1.0.1', tgz({ name: '@alice/x', version: '1.0.1' })),
      bob,
    );
    expect(held.statusCode).toBe(403);
    expect(held.json().code).toBe('NAMESPACE_FORBIDDEN');

    // 2FA: npm retries with npm-otp after `401 WWW-Authenticate: OTP`.
    await registry.auth.createAccount('carol');
    const enrol = await registry.auth.enableTwoFactor('carol');
    const secret = base32Decode(enrol.secret)!;
    await registry.auth.confirmTwoFactor('carol', totp(secret, Date.now()));
    const carol = (await registry.auth.createToken('carol')).token;
    const b = publishBody('carol-pkg', '1.0.0', tgz({ name: 'carol-pkg', version: '1.0.0' }));
    const challenge = await put('carol-pkg', b, carol);
    expect(challenge.statusCode).toBe(401);
    expect(challenge.headers['www-authenticate']).toMatch(/OTP/);
    const ok = await put('carol-pkg', b, carol, { 'npm-otp': totp(secret, Date.now() + 30_000) });
    expect(ok.statusCode, ok.body).toBe(201);
  });

  it('oversized tarballs: 413 before anything is stored', async () => {
    await registry.close();
    await open({ maxUploadBytes: 4096 });
    const big = buildTgz([
      { name: 'package/package.json', content: JSON.stringify({ name: 'big', version: '1.0.0' }) },
      { name: 'package/blob.bin', content: randomBytes(20_000) },
    ]);
    expect(big.length).toBeGreaterThan(4096);
    const r = await put('big', publishBody('big', '1.0.0', big));
    expect(r.statusCode).toBe(413);
    expect(r.json().code).toBe('UPLOAD_TOO_LARGE');
    expect(registry.store.count()).toBe(0);
  });

  it('paths that are not packages, and writes npm does not get here', async () => {
    expect((await get('/%E0%A4%A')).statusCode).toBe(400); // fastify refuses undecodable URLs itself
    for (const u of ['/Upper', '/.hidden', '/a/b/c/d', '/@scope', '/x/-/y-1.0.0.tgz'])
      expect((await get(u)).statusCode, u).toBe(404);
    const r = await registry.app.inject({
      method: 'PUT',
      url: '/bad/-rev/1-abc',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(r.statusCode).toBe(405);
    const del = await registry.app.inject({
      method: 'DELETE',
      url: '/bad/-rev/1-abc',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(del.statusCode).toBe(405);
    expect(del.json().error).toMatch(/cannot be unpublished/);
    const login = await registry.app.inject({
      method: 'PUT',
      url: '/-/user/org.couchdb.user:me',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    expect(login.statusCode).toBe(404);
    expect(login.json().error).toMatch(
      /npm login is not supported.*sigil account token create.*npm config set \/\/reg\.test\/:_authToken/,
    );
  });
});
