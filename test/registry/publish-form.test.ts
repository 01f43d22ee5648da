// The binary form of POST /api/v1/publish (issue 14, P5): multipart/form-data with the
// artifact's raw bytes. It must publish exactly what the JSON form publishes (the same record,
// the same checks: a forged signature is refused the same way), keep the JSON form working, and
// refuse every malformed form with a reason and no trace left behind.
import { createServer } from 'node:http';
import { connect } from 'node:net';
import { RegistryClient } from '../../src/client/registry-client.js';
import { boundaryOf, parseMultipartForm } from '../../src/registry/multipart-body.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { buildTgz } from '../helpers/tar-builder.js';
import {
  expectRefused,
  startRegistry,
  type Answer,
  type TestRegistry,
} from '../helpers/registry-http.js';

const MAX_UPLOAD = 64 * 1024;
let r: TestRegistry;
let author: PrivateKey;

const tgz = (name: string, version: string, extra = '') =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version }) },
    { name: 'package/index.js', content: `module.exports = 1;${extra}` },
  ]);
const bundleText = (bytes: Buffer, purl: string, key: PrivateKey) =>
  serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key }));
const addKey = (ns: string, key: PrivateKey) =>
  buildKeyEvent({ namespace: ns, previous: null, action: 'add', keys: [key.publicKey] }, [key])
    .envelope;

async function answer(res: Response): Promise<Answer> {
  const text = await res.text();
  let json: Answer['json'] = {};
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    /* checked by the caller */
  }
  return { status: res.status, text, json };
}

/** postForm sends a FormData exactly as `sigil publish` does (fetch sets the boundary). */
async function postForm(body: FormData, token = r.admin): Promise<Answer> {
  return answer(
    await fetch(`${r.url}/api/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body,
    }),
  );
}

function form(parts: Record<string, string | { bytes: Buffer; filename: string }>): FormData {
  const f = new FormData();
  for (const [name, v] of Object.entries(parts))
    if (typeof v === 'string') f.append(name, v);
    else f.append(name, new Blob([v.bytes]), v.filename);
  return f;
}

async function expectAbsent(purl: string): Promise<void> {
  const a = await r.call(r.admin, 'GET', `/api/v1/releases/${encodeURIComponent(purl)}`);
  expect(a.status, `${purl} must not be visible`).toBe(404);
}

beforeAll(async () => {
  r = await startRegistry('publish-form', { maxUploadBytes: MAX_UPLOAD });
  author = generateKey();
});
afterAll(async () => r?.close());

describe('multipart publish: the same release as the JSON form', () => {
  it('a first signed publish with its key event as raw bytes → 201; the blob is byte-identical; the JSON form of the same bytes → 200 with the same record', async () => {
    const bytes = tgz('formpkg', '1.0.0');
    const purl = 'pkg:npm/formpkg@1.0.0';
    const bundle = bundleText(bytes, purl, author);
    const created = await postForm(
      form({
        artifact: { bytes, filename: 'formpkg-1.0.0.tgz' },
        bundle,
        keyEvents: JSON.stringify([addKey('pkg:npm/formpkg', author)]),
      }),
    );
    expect(created.status, created.text).toBe(201);
    expect(created.json['purl']).toBe(purl);
    expect(created.json['downloadUrl']).toMatch(/\/formpkg-1\.0\.0\.tgz$/); // the file part's name
    expect(JSON.stringify(created.json['authorBundle'])).toBe(JSON.stringify(JSON.parse(bundle)));
    const blob = await fetch(`${r.url}/api/v1/blobs/sha256/${digestBytes(bytes).sha256}`);
    expect(Buffer.from(await blob.arrayBuffer()).equals(bytes)).toBe(true);

    const again = await r.publish(r.admin, bytes, {
      filename: 'formpkg-1.0.0.tgz',
      bundle: JSON.parse(bundle),
    });
    expect(again.status, again.text).toBe(200);
    // the same release (a repeat's record leaves out `ledger` and carries proofs to the newest checkpoint)
    const same = ({ ledger: _l, log: _p, ...release }: Record<string, unknown>) => release;
    expect(same(again.json)).toEqual(same(created.json));
  });

  it('a JSON-form publish followed by the same bytes as a form → 200 (both forms name one release)', async () => {
    const bytes = tgz('formpkg', '1.0.1');
    const bundle = bundleText(bytes, 'pkg:npm/formpkg@1.0.1', author);
    const viaJson = await r.publish(r.admin, bytes, { bundle: JSON.parse(bundle) });
    expect(viaJson.status, viaJson.text).toBe(201);
    const viaForm = await postForm(
      form({ artifact: { bytes, filename: 'other-name.tgz' }, filename: 'p.tgz', bundle }),
    );
    expect(viaForm.status, viaForm.text).toBe(200);
    expect(viaForm.json['sha512']).toBe(viaJson.json['sha512']);
  });

  it('the bundle as a file part (curl -F bundle=@x.sigstore.json) is read the same as a text part', async () => {
    const bytes = tgz('formpkg', '1.0.2');
    const bundle = bundleText(bytes, 'pkg:npm/formpkg@1.0.2', author);
    const a = await postForm(
      form({
        artifact: { bytes, filename: 'formpkg-1.0.2.tgz' },
        bundle: { bytes: Buffer.from(bundle), filename: 'formpkg-1.0.2.tgz.sigstore.json' },
      }),
    );
    expect(a.status, a.text).toBe(201);
  });
});

describe('multipart publish: every check still runs', () => {
  it('a bundle signed by a key the ledger does not authorise → 403 AUTHOR_KEY_UNTRUSTED, nothing stored', async () => {
    const bytes = tgz('formpkg', '2.0.0');
    const a = await postForm(
      form({
        artifact: { bytes, filename: 'p.tgz' },
        bundle: bundleText(bytes, 'pkg:npm/formpkg@2.0.0', generateKey()),
      }),
    );
    expectRefused(a, 403, 'AUTHOR_KEY_UNTRUSTED');
    await expectAbsent('pkg:npm/formpkg@2.0.0');
  });

  it('a bundle of other bytes → 400 AUTHOR_DIGEST_MISMATCH; no bundle for a keyed package → 403', async () => {
    const bytes = tgz('formpkg', '2.0.1');
    const other = tgz('formpkg', '2.0.1', '// other');
    const a = await postForm(
      form({
        artifact: { bytes, filename: 'p.tgz' },
        bundle: bundleText(other, 'pkg:npm/formpkg@2.0.1', author),
      }),
    );
    expectRefused(a, 400, 'AUTHOR_DIGEST_MISMATCH');
    const unsigned = await postForm(form({ artifact: { bytes, filename: 'p.tgz' } }));
    expectRefused(unsigned, 403, 'AUTHOR_SIGNATURE_REQUIRED');
    await expectAbsent('pkg:npm/formpkg@2.0.1');
  });

  it('an account that owns nothing here cannot publish, or add its key, into an owned package by the form: 403, no release, the ledger unchanged', async () => {
    const ns = 'pkg:npm/ownedform';
    const alice = r.tokenFor('alice-form');
    const mallory = r.tokenFor('mallory-form');
    const aliceKey = generateKey();
    const first = tgz('ownedform', '1.0.0');
    const own = await postForm(
      form({
        artifact: { bytes: first, filename: 'p.tgz' },
        bundle: bundleText(first, `${ns}@1.0.0`, aliceKey),
        keyEvents: JSON.stringify([addKey(ns, aliceKey)]),
      }),
      alice,
    );
    expect(own.status, own.text).toBe(201);
    const ledgerBefore = await r.call(r.admin, 'GET', `/api/v1/ledger/${encodeURIComponent(ns)}`);
    expect(ledgerBefore.status, ledgerBefore.text).toBe(200);

    const malloryKey = generateKey();
    const bytes = tgz('ownedform', '1.0.1');
    const rotate = buildKeyEvent(
      { namespace: ns, previous: null, action: 'add', keys: [malloryKey.publicKey] },
      [malloryKey],
    ).envelope;
    for (const parts of [
      // her own signature, no key event
      { bundle: bundleText(bytes, `${ns}@1.0.1`, malloryKey) },
      // her key slipped in as a key event
      {
        bundle: bundleText(bytes, `${ns}@1.0.1`, malloryKey),
        keyEvents: JSON.stringify([rotate]),
      },
      // unsigned
      {},
    ] as Record<string, string>[]) {
      const a = await postForm(form({ artifact: { bytes, filename: 'p.tgz' }, ...parts }), mallory);
      expectRefused(a, 403, 'NAMESPACE_FORBIDDEN', ns);
    }
    await expectAbsent(`${ns}@1.0.1`);
    const ledgerAfter = await r.call(r.admin, 'GET', `/api/v1/ledger/${encodeURIComponent(ns)}`);
    expect(ledgerAfter.json).toEqual(ledgerBefore.json);
  });

  it('without a token → 401 before the body is read', async () => {
    const bytes = tgz('formpkg', '2.0.2');
    const a = await answer(
      await fetch(`${r.url}/api/v1/publish`, {
        method: 'POST',
        body: form({ artifact: { bytes, filename: 'p.tgz' } }),
      }),
    );
    expect(a.status, a.text).toBe(401);
    await expectAbsent('pkg:npm/formpkg@2.0.2');
  });
});

describe('multipart publish: malformed forms are refused with a reason', () => {
  const bytes = tgz('badform', '1.0.0');
  const cases: [string, () => FormData, number, string, string][] = [
    ['no artifact part', () => form({ filename: 'p.tgz' }), 400, 'BAD_REQUEST', '"artifact"'],
    [
      'the artifact as a text field',
      () => form({ artifact: bytes.toString('base64'), filename: 'p.tgz' }),
      400,
      'BAD_REQUEST',
      'file part',
    ],
    [
      'an unknown part',
      () => form({ artifact: { bytes, filename: 'p.tgz' }, token: 'x' }),
      400,
      'BAD_REQUEST',
      '"token"',
    ],
    [
      'a part twice',
      () => {
        const f = form({ artifact: { bytes, filename: 'p.tgz' }, version: '1' });
        f.append('version', '2');
        return f;
      },
      400,
      'BAD_REQUEST',
      'twice',
    ],
    [
      'a bundle that is not JSON',
      () => form({ artifact: { bytes, filename: 'p.tgz' }, bundle: '{"mediaType": ' }),
      400,
      'BAD_REQUEST',
      'not JSON',
    ],
    [
      'a bundle with a __proto__ key',
      () => form({ artifact: { bytes, filename: 'p.tgz' }, bundle: '{"__proto__": {"x": 1}}' }),
      400,
      'BAD_REQUEST',
      '__proto__',
    ],
    [
      'a bundle whose __proto__ key is spelled with JSON escapes',
      () =>
        form({
          artifact: { bytes, filename: 'p.tgz' },
          bundle: '{"\\u005f\\u005fproto__": {"x": 1}}',
        }),
      400,
      'BAD_REQUEST',
      '__proto__',
    ],
    [
      'a file name with a slash (the same schema as the JSON form)',
      () => form({ artifact: { bytes, filename: 'p.tgz' }, filename: '../evil.tgz' }),
      400,
      'BAD_REQUEST',
      'filename must be a plain file name',
    ],
    [
      'keyEvents that are not an array',
      () => form({ artifact: { bytes, filename: 'p.tgz' }, keyEvents: '{}' }),
      400,
      'BAD_REQUEST',
      'keyEvents must be an array',
    ],
    [
      'a bundle that is a JSON string',
      () => form({ artifact: { bytes, filename: 'p.tgz' }, bundle: '"text"' }),
      400,
      'BAD_REQUEST',
      'bundle must be a Sigstore bundle object or null',
    ],
    [
      'an artifact over the limit',
      () => form({ artifact: { bytes: Buffer.alloc(MAX_UPLOAD + 1, 1), filename: 'p.tgz' } }),
      413,
      'UPLOAD_TOO_LARGE',
      String(MAX_UPLOAD),
    ],
  ];
  for (const [what, build, status, code, mentions] of cases)
    it(`${what} → ${status} ${code}`, async () => {
      expectRefused(await postForm(build()), status, code, mentions);
      await expectAbsent('pkg:npm/badform@1.0.0');
    });

  it('a body cut off mid-part → 400, and the server keeps serving', async () => {
    const boundary = 'sigil-cut';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="artifact"; filename="p.tgz"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      bytes,
      Buffer.from(`\r\n--${boundary}\r\nContent-Disposition: form-data; name="filename"\r\n\r\np.`),
    ]);
    // The HTTP body is whole, the form is not: it ends inside a part, without its closing boundary.
    const text = await new Promise<string>((resolve, reject) => {
      const { hostname, port } = new URL(r.url);
      const s = connect(Number(port), hostname, () => {
        s.write(
          `POST /api/v1/publish HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${r.admin}\r\n` +
            `Content-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        s.end(body);
      });
      let out = '';
      s.on('data', (d) => (out += d));
      s.on('end', () => resolve(out));
      s.on('error', reject);
      s.setTimeout(10_000, () => s.destroy(new Error('no answer')));
    });
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(text).not.toMatch(/\n\s+at |\.(ts|js):\d+|node_modules/);
    await expectAbsent('pkg:npm/badform@1.0.0');
    const ok = await postForm(form({ artifact: { bytes, filename: 'p.tgz' } }));
    expect(ok.status, ok.text).toBe(201); // unsigned and unkeyed: accepted by this registry
  });
});

describe('the client sends the binary form', () => {
  it('RegistryClient.publish (what `sigil publish` calls) posts multipart with the raw bytes, not base64 JSON', async () => {
    const seen: { type: string; body: Buffer }[] = [];
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ type: req.headers['content-type'] ?? '', body: Buffer.concat(chunks) });
        res.writeHead(201, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const bytes = Buffer.from([0, 1, 2, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
      await new RegistryClient(`http://127.0.0.1:${port}`).publish({
        filename: 'x.bin',
        artifact: bytes,
        bundle: { mediaType: 'm' },
        type: 'generic',
      });
      expect(seen).toHaveLength(1);
      expect(seen[0]!.type).toMatch(/^multipart\/form-data; boundary=/);
      const parts = parseMultipartForm(seen[0]!.body, boundaryOf(seen[0]!.type), 9);
      expect(Object.fromEntries(parts.map((p) => [p.name, p.data.toString('hex')]))).toEqual({
        artifact: bytes.toString('hex'),
        filename: Buffer.from('x.bin').toString('hex'),
        bundle: Buffer.from('{"mediaType":"m"}').toString('hex'),
        type: Buffer.from('generic').toString('hex'),
      });
      expect(parts.find((p) => p.name === 'artifact')!.filename).toBe('x.bin');
    } finally {
      server.close();
    }
  });
});
