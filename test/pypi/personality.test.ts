// The PyPI personality over HTTP (fastify inject against the whole `openRegistry` app): the
// Simple API's shapes, and every kind of bad upload refused with nothing stored.
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { base32Decode, totp } from '../../src/registry/auth/totp.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { buildTgz } from '../helpers/tar-builder.js';
import { form, sdist, twineFields, wheel, wheelFile } from './helpers.js';

let registry: Registry;
let token: string;
const basic = (t: string) => `Basic ${Buffer.from(`__token__:${t}`).toString('base64')}`;

async function upload(
  fields: Record<string, string | string[]>,
  files: { field?: string; filename: string; data: Buffer }[],
  auth: string | null = basic(token),
) {
  const f = form(fields, files);
  return registry.app.inject({
    method: 'POST',
    url: '/pypi/legacy/',
    headers: { 'content-type': f.type, ...(auth ? { authorization: auth } : {}) },
    payload: f.body,
  });
}
const uploadWheel = (
  name: string,
  version: string,
  data = wheel(name, version),
  fields: Record<string, string> = {},
) =>
  upload({ ...twineFields(name, version, data), ...fields }, [
    { filename: wheelFile(name, version), data },
  ]);

beforeEach(async () => {
  registry = await openRegistry({
    dataDir: mkdtempSync(join(tmpdir(), 'sigil-pypip-')),
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

describe('Simple API', () => {
  it('serves PEP 503 HTML and PEP 691 JSON with sha256, metadata (PEP 658) and yanked (PEP 592); names are normalised', async () => {
    const w = wheel('Foo.Bar', '1.0.0');
    expect((await uploadWheel('Foo.Bar', '1.0.0', w)).statusCode).toBe(200);
    const sha = createHash('sha256').update(w).digest('hex');

    const list = await registry.app.inject({ url: '/pypi/simple/' });
    expect(list.body).toContain('<a href="foo-bar/">foo-bar</a>');
    const redirect = await registry.app.inject({ url: '/pypi/simple/Foo_Bar/' });
    expect(redirect.statusCode).toBe(301);
    expect(redirect.headers.location).toBe('/pypi/simple/foo-bar/');

    const html = await registry.app.inject({
      url: '/pypi/simple/foo-bar/',
      headers: { accept: 'text/html' },
    });
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain(
      `href="http://reg.test/pypi/files/foo-bar/1.0.0/Foo_Bar-1.0.0-py3-none-any.whl#sha256=${sha}"`,
    );
    expect(html.body).toContain('data-requires-python="&gt;=3.8"');
    const metaHash = /data-core-metadata="sha256=([0-9a-f]{64})"/.exec(html.body)![1]!;

    const json = await registry.app.inject({
      url: '/pypi/simple/foo-bar/',
      headers: { accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1' },
    });
    expect(json.headers['content-type']).toMatch(/^application\/vnd\.pypi\.simple\.v1\+json/);
    const doc = json.json();
    expect(doc).toMatchObject({
      meta: { 'api-version': '1.1' },
      name: 'foo-bar',
      versions: ['1.0.0'],
    });
    expect(doc.files[0]).toMatchObject({
      filename: 'Foo_Bar-1.0.0-py3-none-any.whl',
      hashes: { sha256: sha },
      'requires-python': '>=3.8',
      yanked: false,
      'core-metadata': { sha256: metaHash },
    });

    const meta = await registry.app.inject({
      url: '/pypi/files/foo-bar/1.0.0/Foo_Bar-1.0.0-py3-none-any.whl.metadata',
    });
    expect(createHash('sha256').update(meta.rawPayload).digest('hex')).toBe(metaHash);
    const file = await registry.app.inject({
      url: '/pypi/files/foo-bar/1.0.0/Foo_Bar-1.0.0-py3-none-any.whl',
    });
    expect(file.rawPayload.equals(w)).toBe(true);
    expect(file.headers['cache-control']).toContain('immutable');

    expect(
      (
        await registry.app.inject({
          method: 'PUT',
          url: '/pypi/yank/FOO_bar/1.0.0',
          headers: { authorization: basic(token), 'content-type': 'application/json' },
          payload: { reason: 'broken build' },
        })
      ).statusCode,
    ).toBe(200);
    const y = (
      await registry.app.inject({
        url: '/pypi/simple/foo-bar/',
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json();
    expect(y.files[0].yanked).toBe('broken build');
    expect((await registry.app.inject({ url: '/pypi/simple/foo-bar/' })).body).toContain(
      'data-yanked="broken build"',
    );
    expect(
      (
        await registry.app.inject({
          method: 'DELETE',
          url: '/pypi/yank/foo-bar/1.0.0',
          headers: { authorization: basic(token) },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (
        await registry.app.inject({
          url: '/pypi/simple/foo-bar/',
          headers: { accept: 'application/vnd.pypi.simple.v1+json' },
        })
      ).json().files[0].yanked,
    ).toBe(false);
  });

  it('answers 404 for unknown projects and for paths that are not a stored file', async () => {
    expect((await uploadWheel('demo', '1.0.0')).statusCode).toBe(200);
    expect((await registry.app.inject({ url: '/pypi/simple/nothing/' })).statusCode).toBe(404);
    for (const u of [
      '/pypi/files/demo/1.0.0/..%2F..%2Fregistry.sqlite',
      '/pypi/files/demo/1.0.0/%2e%2e',
      '/pypi/files/..%2Fdemo/1.0.0/demo-1.0.0-py3-none-any.whl',
      '/pypi/files/demo/..%2F1.0.0/demo-1.0.0-py3-none-any.whl',
      '/pypi/files/demo/1.0.0/other-1.0.0-py3-none-any.whl',
      '/pypi/files/demo/1.0.0/demo-1.0.0.tar.gz.metadata',
    ]) {
      expect((await registry.app.inject({ url: u })).statusCode, u).toBe(404);
    }
    // A case-insensitive PEP 440 version is a version (the schema keeps the pattern's i flag).
    const upper = await registry.app.inject({
      url: '/pypi/files/DEMO/1.0.0.POST0/demo-1.0.0-py3-none-any.whl',
    });
    expect(upper.statusCode).toBe(404);
    expect(upper.json().error.message).toContain('is not published on this registry');
  });

  it('refuses a yank body that is not {"reason": "<text>"} in the JSON error shape, changing nothing; a path that is no release is 404', async () => {
    expect((await uploadWheel('demo', '1.0.0')).statusCode).toBe(200);
    const yank = (method: 'PUT' | 'DELETE', url: string, payload?: string) =>
      registry.app.inject({
        method,
        url,
        headers: { authorization: basic(token), 'content-type': 'application/json' },
        ...(payload !== undefined ? { payload } : {}),
      });
    for (const method of ['PUT', 'DELETE'] as const)
      for (const [body, says] of [
        ['{"reason": 3}', 'reason must be a string'],
        ['["broken"]', 'the body must be a JSON object or nothing'],
        ['"broken"', 'the body must be a JSON object or nothing'],
      ] as const) {
        const r = await yank(method, '/pypi/yank/demo/1.0.0', body);
        expect(r.statusCode, `${method} ${body}`).toBe(400);
        expect(r.json().error).toMatchObject({
          code: 'BAD_REQUEST',
          message: `the body must be {"reason": "<why>"} or empty: ${says}`,
        });
        // twine and pip users read the reason phrase
        expect(r.statusMessage).toContain(says);
      }
    for (const u of ['/pypi/yank/..%2Fdemo/1.0.0', '/pypi/yank/demo/not-a-version'])
      expect((await yank('PUT', u, '{}')).json().error).toMatchObject({
        code: 'NOT_FOUND',
        message: 'no such release',
      });
    const simple = async () =>
      (
        await registry.app.inject({
          url: '/pypi/simple/demo/',
          headers: { accept: 'application/vnd.pypi.simple.v1+json' },
        })
      ).json().files[0].yanked;
    expect(await simple()).toBe(false);
    expect((await yank('PUT', '/pypi/yank/demo/1.0.0', '{"reason": "r"}')).statusCode).toBe(200);
    expect(await simple()).toBe('r');
  });
});

describe('twine upload: refusals, nothing stored', () => {
  const nothingStored = () => expect(registry.store.count()).toBe(0);

  it('refuses missing or wrong tokens (401/403) before reading the body', async () => {
    const w = wheel('demo', '1.0.0');
    expect(
      (
        await upload(
          twineFields('demo', '1.0.0', w),
          [{ filename: wheelFile('demo', '1.0.0'), data: w }],
          null,
        )
      ).statusCode,
    ).toBe(401);
    expect(
      (
        await upload(
          twineFields('demo', '1.0.0', w),
          [{ filename: wheelFile('demo', '1.0.0'), data: w }],
          basic('sgl_wrong'),
        )
      ).statusCode,
    ).toBe(401);
    nothingStored();
  });

  it("refuses an upload out of the token's scope, and a project owned by someone else under another spelling", async () => {
    await registry.auth.createAccount('bob');
    const bob = (
      await registry.auth.createToken('bob', {
        actions: ['publish'],
        namespaces: ['pkg:pypi/bobs-*'],
      })
    ).token;
    const w = wheel('demo', '1.0.0');
    const r = await upload(
      twineFields('demo', '1.0.0', w),
      [{ filename: wheelFile('demo', '1.0.0'), data: w }],
      basic(bob),
    );
    expect(r.statusCode).toBe(403);
    nothingStored();
    // admin owns "my-proj"; bob's token for "my_proj"-ish spellings reaches the same namespace and is refused.
    expect((await uploadWheel('my-proj', '1.0.0')).statusCode).toBe(200);
    await registry.auth.createAccount('carol');
    const carol = (await registry.auth.createToken('carol', { actions: ['publish'] })).token;
    const w2 = wheel('My_Proj', '1.0.1');
    const r2 = await upload(
      twineFields('My_Proj', '1.0.1', w2),
      [{ filename: wheelFile('My_Proj', '1.0.1'), data: w2 }],
      basic(carol),
    );
    expect(r2.statusCode).toBe(403);
    expect(registry.store.get('pkg:pypi/my-proj@1.0.1')).toBeUndefined();
  });

  it('the first publisher owns the project: another account cannot publish its next version; a refused upload claims nothing', async () => {
    await registry.auth.createAccount('dave');
    await registry.auth.createAccount('erin');
    const dave = (await registry.auth.createToken('dave', { actions: ['publish'] })).token;
    const erin = (await registry.auth.createToken('erin', { actions: ['publish'] })).token;
    // erin's upload is refused (the form names another version than the wheel): she must not own the name after it
    const bad = wheel('first-come', '1.0.0');
    expect(
      (
        await upload(
          twineFields('first-come', '9.9.9', bad),
          [{ filename: wheelFile('first-come', '1.0.0'), data: bad }],
          basic(erin),
        )
      ).statusCode,
    ).toBe(400);
    const w1 = wheel('first-come', '1.0.0');
    expect(
      (
        await upload(
          twineFields('first-come', '1.0.0', w1),
          [{ filename: wheelFile('first-come', '1.0.0'), data: w1 }],
          basic(dave),
        )
      ).statusCode,
    ).toBe(200);
    const w2 = wheel('first-come', '1.0.1');
    expect(
      (
        await upload(
          twineFields('first-come', '1.0.1', w2),
          [{ filename: wheelFile('first-come', '1.0.1'), data: w2 }],
          basic(erin),
        )
      ).statusCode,
    ).toBe(403);
    expect(registry.store.get('pkg:pypi/first-come@1.0.1')).toBeUndefined();
    const w3 = wheel('first-come', '1.0.1');
    expect(
      (
        await upload(
          twineFields('first-come', '1.0.1', w3),
          [{ filename: wheelFile('first-come', '1.0.1'), data: w3 }],
          basic(dave),
        )
      ).statusCode,
    ).toBe(200);
  });

  it('enforces 2FA: an account with a second factor is refused without a code (twine cannot send one)', async () => {
    await registry.auth.createAccount('carol');
    const secret = base32Decode((await registry.auth.enableTwoFactor('carol')).secret)!;
    await registry.auth.confirmTwoFactor('carol', totp(secret, Date.now()));
    const carol = (await registry.auth.createToken('carol')).token;
    const w = wheel('carol-pkg', '1.0.0');
    const r = await upload(
      twineFields('carol-pkg', '1.0.0', w),
      [{ filename: wheelFile('carol-pkg', '1.0.0'), data: w }],
      basic(carol),
    );
    expect(r.statusCode).toBe(401);
    expect(r.statusMessage).toContain('sigil publish dist/<file> --otp');
    nothingStored();
    // A tool that can add the header gets through.
    const f = form(twineFields('carol-pkg', '1.0.0', w), [
      { filename: wheelFile('carol-pkg', '1.0.0'), data: w },
    ]);
    const ok = await registry.app.inject({
      method: 'POST',
      url: '/pypi/legacy/',
      headers: {
        'content-type': f.type,
        authorization: basic(carol),
        'x-sigil-otp': totp(secret, Date.now() + 30_000),
      },
      payload: f.body,
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });

  it('refuses malformed forms, gathering every problem into the reason phrase twine prints', async () => {
    const w = wheel('demo', '1.0.0');
    const r = await upload(
      { ':action': 'remove', name: 'demo', filetype: 'sdist', sha256_digest: '00' },
      [{ filename: wheelFile('demo', '1.0.0'), data: w }],
    );
    expect(r.statusCode).toBe(400);
    expect(r.statusMessage).toContain('":action" must be "file_upload"');
    expect(r.statusMessage).toContain('"version" is missing');
    expect(r.statusMessage).toContain('"filetype" is "sdist"');
    expect(r.statusMessage).toContain('"sha256_digest" does not match');
    expect(r.json().error.code).toBe('PYPI_UPLOAD_INVALID');
    expect((await upload(twineFields('demo', '1.0.0', w), [])).statusCode).toBe(400);
    expect(
      (
        await upload(twineFields('demo', '1.0.0', w), [
          { filename: wheelFile('demo', '1.0.0'), data: w },
          { filename: wheelFile('demo', '1.0.0'), data: w },
        ])
      ).statusCode,
    ).toBe(400);
    // busboy keeps only the base name of a path-like file name; what is left must still be a distribution name.
    for (const filename of ['..', 'demo-1.0.0.exe', 'x/..'])
      expect(
        (await upload(twineFields('demo', '1.0.0', w), [{ filename, data: w }])).statusCode,
        filename,
      ).toBe(400);
    expect(
      (
        await registry.app.inject({
          method: 'POST',
          url: '/pypi/legacy/',
          headers: { authorization: basic(token), 'content-type': 'application/json' },
          payload: '{}',
        })
      ).statusCode,
    ).toBe(400);
    nothingStored();
  });

  it('refuses project names and versions that would make a path, even when form and archive agree', async () => {
    for (const [name, version] of [
      ['../evil', '1.0.0'],
      ['a/b', '1.0.0'],
      ['-demo', '1.0.0'],
      ['demo', '1.0.0/../x'],
      ['demo', 'not a version'],
    ] as const) {
      const w = wheel(name, version);
      const r = await upload(twineFields(name, version, w), [
        { filename: wheelFile(name, version).replace(/\//g, '_'), data: w },
      ]);
      expect(r.statusCode, `${name} ${version}`).toBe(400);
    }
    nothingStored();
  });

  it('refuses a form that disagrees with the archive, and an archive whose file name lies', async () => {
    const w = wheel('demo', '1.0.0');
    const r = await upload(twineFields('demo', '2.0.0', w), [
      { filename: wheelFile('demo', '1.0.0'), data: w },
    ]);
    expect(r.statusCode).toBe(400);
    expect(r.json().error.code).toBe('PYPI_PUBLISH_MISMATCH');
    const r2 = await upload(twineFields('other', '1.0.0', w), [
      { filename: wheelFile('other', '1.0.0'), data: w },
    ]);
    expect(r2.statusCode).toBe(400);
    // METADATA says "demo", the file name says "evil".
    const lying = wheel('evil', '1.0.0', '', 'demo');
    expect(
      (
        await upload(twineFields('evil', '1.0.0', lying), [
          { filename: wheelFile('evil', '1.0.0'), data: lying },
        ])
      ).statusCode,
    ).toBe(400);
    nothingStored();
  });

  it('keeps a wheel and an sdist of one version as two records; the same file again is 200, other bytes under its name 409', async () => {
    const w = wheel('demo', '1.0.0');
    expect((await uploadWheel('demo', '1.0.0', w)).statusCode).toBe(200);
    expect((await uploadWheel('demo', '1.0.0', w)).statusCode).toBe(200);
    const other = wheel('demo', '1.0.0', '# other');
    const r = await uploadWheel('demo', '1.0.0', other);
    expect(r.statusCode).toBe(409);
    expect(r.statusMessage).toContain('File already exists');
    expect(r.json().error.code).toBe('FILE_EXISTS');
    const s = sdist('demo', '1.0.0');
    const r2 = await upload(twineFields('demo', '1.0.0', s, 'sdist'), [
      { filename: 'demo-1.0.0.tar.gz', data: s },
    ]);
    expect(r2.statusCode, r2.body).toBe(200);
    expect(r2.json().purl).toBe('pkg:pypi/demo@1.0.0?file_name=demo-1.0.0.tar.gz');
    // A third file under the sdist's name with other bytes: refused, nothing replaced.
    const s2 = buildTgz([
      {
        name: 'demo-1.0.0/PKG-INFO',
        content: 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0.0\n\n',
      },
      { name: 'demo-1.0.0/evil.py', content: 'import os\n' },
    ]);
    const r3 = await upload(twineFields('demo', '1.0.0', s2, 'sdist'), [
      { filename: 'demo-1.0.0.tar.gz', data: s2 },
    ]);
    expect(r3.statusCode).toBe(409);
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(
      registry.store.get('pkg:pypi/demo@1.0.0?file_name=demo-1.0.0-py3-none-any.whl')!.sha256,
    ).toBe(sha(w));
    expect(registry.store.get('pkg:pypi/demo@1.0.0?file_name=demo-1.0.0.tar.gz')!.sha256).toBe(
      sha(s),
    );
    // The Simple API lists both files of the version; each downloads as itself.
    const doc = (
      await registry.app.inject({
        url: '/pypi/simple/demo/',
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json();
    expect(doc.versions).toEqual(['1.0.0']);
    expect(
      doc.files.map((f: { filename: string; hashes: { sha256: string } }) => [
        f.filename,
        f.hashes.sha256,
      ]),
    ).toEqual([
      ['demo-1.0.0-py3-none-any.whl', sha(w)],
      ['demo-1.0.0.tar.gz', sha(s)],
    ]);
    const html = (await registry.app.inject({ url: '/pypi/simple/demo/' })).body;
    expect(html).toContain(`demo-1.0.0.tar.gz#sha256=${sha(s)}`);
    expect(html).toContain(`demo-1.0.0-py3-none-any.whl#sha256=${sha(w)}`);
    for (const [file, bytes] of [
      ['demo-1.0.0-py3-none-any.whl', w],
      ['demo-1.0.0.tar.gz', s],
    ] as const) {
      const got = await registry.app.inject({ url: `/pypi/files/demo/1.0.0/${file}` });
      expect(got.statusCode).toBe(200);
      expect(got.rawPayload.equals(bytes)).toBe(true);
    }
    // A lookup of the version answers every file; a file purl answers its record.
    const set = (
      await registry.app.inject({
        method: 'POST',
        url: '/api/v1/releases/lookup',
        payload: {
          purls: ['pkg:pypi/Demo@1.0', 'pkg:pypi/demo@1.0.0?file_name=demo-1.0.0.tar.gz'],
        },
      })
    ).json();
    expect(set.records['pkg:pypi/Demo@1.0'].purl).toBe('pkg:pypi/Demo@1.0');
    expect(
      set.records['pkg:pypi/Demo@1.0'].files.map(
        (f: { digests: { sha256: string } }) => f.digests.sha256,
      ),
    ).toEqual([sha(w), sha(s)]);
    expect(set.records['pkg:pypi/demo@1.0.0?file_name=demo-1.0.0.tar.gz'].digests.sha256).toBe(
      sha(s),
    );
    // A yank is of the version: both files are marked; the yank is a logged, registry-signed event.
    const size = async () =>
      Number((await registry.app.inject({ url: '/log/checkpoint' })).body.split('\n')[1]);
    const before = await size();
    const yr = await registry.app.inject({
      method: 'PUT',
      url: '/pypi/yank/demo/1.0',
      headers: { authorization: basic(token), 'content-type': 'application/json' },
      payload: { reason: 'bad' },
    });
    expect(yr.statusCode, yr.body).toBe(200);
    expect(yr.json()).toMatchObject({ yanked: true, logIndex: before });
    expect(await size()).toBe(before + 1);
    const y = (
      await registry.app.inject({
        url: '/pypi/simple/demo/',
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json();
    expect(y.files.map((f: { yanked: unknown }) => f.yanked)).toEqual(['bad', 'bad']);
  });

  it('refuses oversized uploads with 413', async () => {
    const big = wheel('demo', '1.0.0', `# ${'x'.repeat(200_000)}`);
    const r = await uploadWheel('demo', '1.0.0', big);
    expect(r.statusCode).toBe(413);
    nothingStored();
  });

  it('refuses twine for a project that needs author signatures, telling the user what to run instead', async () => {
    await registry.close();
    registry = await openRegistry({
      dataDir: mkdtempSync(join(tmpdir(), 'sigil-pypip-')),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      publicUrl: 'http://reg.test',
      requireAuthorSignature: true,
    });
    token = registry.adminToken!;
    const r = await uploadWheel('demo', '1.0.0');
    expect(r.statusCode).toBe(403);
    expect(r.statusMessage).toContain('twine cannot sign');
    expect(r.statusMessage).toContain('sigil publish dist/demo-1.0.0-py3-none-any.whl --key');
    nothingStored();
  });
});
