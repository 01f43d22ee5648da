// The registry over HTTP (issue 4, "Bad input and faults"): a real `openRegistry`
// on a port, driven with fetch and `sigil publish`. First the walkthrough —
// keygen, publish, read the record back and verify every signature and proof in
// it the way a consumer would (author bundle with the author key, publish
// statement and npm signature with the key from keys.json, inclusion proofs
// against a checkpoint verified with the log's vkey). Then every hostile input
// of the issue, each answered with its status and code, no stack trace, and no
// trace of the refused release.
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBundle, serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { verifyEnvelope, type DsseEnvelope } from '../../src/core/dsse.js';
import {
  generateKey,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  toPublicKey,
  verifyBytes,
  type PrivateKey,
  type PublicKey,
} from '../../src/core/keys.js';
import type { ReleaseRecord } from '../../src/core/release-record.js';
import { signRelease } from '../../src/core/sign.js';
import { verifyRelease } from '../../src/core/verify.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import {
  checkInclusion,
  parseVerifierKey,
  recordHash,
  verifyCheckpoint,
  type Checkpoint,
} from '../../src/log/index.js';
import { base32Decode, generateToken, totp } from '../../src/registry/auth/index.js';
import { envelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildTgz } from '../helpers/tar-builder.js';

const PASS = 'correct horse battery staple';
const MAX_UPLOAD = 64 * 1024;

let dir: string;
let reg: Registry;
let url: string;
let token: string;
let alice: PrivateKey; // the walkthrough author (keygen'd by the CLI)
let alicePub: PublicKey;
let aliceAdd: string; // digest of alice's first `add` on pkg:npm/walk

const tgz = (name: string, version: string, extra = '') =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version }) },
    { name: 'package/index.js', content: `module.exports = 1;${extra}` },
  ]);
const bundleFor = (bytes: Buffer, purl: string, key: PrivateKey) =>
  JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key })));
const enc = encodeURIComponent;

interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown> & {
    error?: { code: string; message: string; hint?: string; detail?: Record<string, unknown> };
  };
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const h: Record<string, string> = { authorization: `Bearer ${token}`, ...headers };
  if (body !== undefined && h['content-type'] === undefined) h['content-type'] = 'application/json';
  for (const [k, v] of Object.entries(h)) if (v === '') delete h[k];
  const res = await fetch(`${url}${path}`, {
    method,
    headers: h,
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: Answer['json'] = {};
  try {
    json = JSON.parse(text) as Answer['json'];
  } catch {
    /* checked by the caller */
  }
  return { status: res.status, text, json };
}

const publish = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/publish', body, headers);
const upload = (
  bytes: Buffer,
  bundle: unknown,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
) => publish({ filename: 'p.tgz', artifact: bytes.toString('base64'), bundle, ...extra }, headers);
const keyEvent = (envelope: DsseEnvelope, headers: Record<string, string> = {}) =>
  call('POST', '/api/v1/key-events', { envelope }, headers);

/** expectRefused: the status and code, a JSON error body with a message, and no stack trace or source path. */
function expectRefused(a: Answer, status: number, code: string | RegExp): void {
  expect(a.status, a.text).toBe(status);
  expect(a.json.error, a.text).toBeDefined();
  if (typeof code === 'string') expect(a.json.error!.code).toBe(code);
  else expect(a.json.error!.code).toMatch(code);
  expect(a.json.error!.message.length).toBeGreaterThan(10);
  expect(a.text).not.toMatch(/\n\s+at |\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/src\//);
}

async function expectAbsent(purl: string): Promise<void> {
  const r = await call('GET', `/api/v1/releases/${enc(purl)}`);
  expect(r.status, `${purl} must not be visible`).toBe(404);
}

/** head returns the current head digest of a namespace's key chain (what the next event's `previous` names). */
async function head(ns: string): Promise<string> {
  const r = await call('GET', `/api/v1/ledger/${enc(ns)}`);
  return r.json['head'] as string;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-http-'));
  reg = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'http.sigil.test/log',
    maxUploadBytes: MAX_UPLOAD,
    batchIntervalMs: 2,
    // The default limits (60 writes/min per account) would turn the 20-client race into 429s.
    authLimits: {
      perIp: { burst: 10_000, perMinute: 60_000 },
      perAccount: { burst: 10_000, perMinute: 60_000 },
    },
  });
  url = await reg.listen();
  token = reg.adminToken!;
  expect(token).toMatch(/^sgl_/);
});

afterAll(async () => {
  await reg?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('walkthrough over HTTP: keygen → sigil publish → read back → verify everything', () => {
  it('a consumer verifies the author bundle, the countersignature, the npm signature and both inclusion proofs', async () => {
    const kg = await runCli(['keygen', '--out', join(dir, 'keys'), '--json']);
    expect(kg.code, kg.stderr).toBe(0);
    const files = JSON.parse(kg.stdout) as { privateKey: string; publicKey: string };
    alice = parsePrivateKeyFile(readFileSync(files.privateKey, 'utf8'), { passphrase: PASS });
    alicePub = parsePublicKeyFile(readFileSync(files.publicKey, 'utf8'));
    const bytes = tgz('walk', '1.0.0');
    const file = join(dir, 'walk-1.0.0.tgz');
    writeFileSync(file, bytes);

    const pub = await runCli([
      'publish',
      file,
      '--server',
      url,
      '--token',
      token,
      '--key',
      files.privateKey,
      '--json',
    ]);
    expect(pub.code, pub.stderr).toBe(0);
    const published = JSON.parse(pub.stdout) as ReleaseRecord;
    expect(published.purl).toBe('pkg:npm/walk@1.0.0');

    // Read it back as any consumer would.
    const got = await call('GET', `/api/v1/releases/${enc('pkg:npm/walk@1.0.0')}`, undefined, {
      authorization: '',
    });
    expect(got.status).toBe(200);
    const record = got.json as unknown as ReleaseRecord;
    expect(record.digests).toEqual(published.digests);
    expect(record.ledger).toEqual({ namespace: 'pkg:npm/walk', resetInHistory: false });
    const digests = digestBytes(bytes);
    expect(record.digests.sha256).toBe(digests.sha256);

    // 1. The author's bundle, with the author's key.
    const author = verifyRelease({
      bundle: JSON.stringify(record.authorBundle),
      artifact: { name: 'walk-1.0.0.tgz', digests, purl: record.purl },
      trustedKeys: [alicePub],
    });
    expect(author.ok, JSON.stringify(author.checks)).toBe(true);

    // 2. The registry's keys, from where clients get them.
    const keys = (await call('GET', '/.well-known/sigil/keys.json')).json as {
      keys: { keyid: string; pem: string }[];
      log: { origin: string; vkey: string };
    };
    const registryPub = toPublicKey(createPublicKey(keys.keys[0]!.pem));
    expect(registryPub.keyId).toBe(keys.keys[0]!.keyid);
    const npmKeys = (await call('GET', '/-/npm/v1/keys')).json as {
      keys: { keyid: string; key: string }[];
    };
    expect(npmKeys.keys[0]!.key).toBe(
      registryPub.key.export({ type: 'spki', format: 'der' }).toString('base64'),
    );

    // 3. The publish statement (DSSE, registry key) says these bytes are walk@1.0.0.
    expect(
      verifyEnvelope(record.publishStatement, [registryPub]).verified.map((v) => v.key.keyId),
    ).toEqual([registryPub.keyId]);
    const statement = JSON.parse(
      Buffer.from(record.publishStatement.payload, 'base64').toString('utf8'),
    );
    expect(statement.subject[0]).toEqual({
      name: 'pkg:npm/walk@1.0.0',
      digest: { sha256: digests.sha256, sha512: digests.sha512 },
    });
    expect(statement.predicate).toMatchObject({
      name: 'walk',
      version: '1.0.0',
      authorKeyId: alicePub.keyId,
    });

    // 4. npm's registry signature over `${name}@${version}:${integrity}`.
    const integrity = record.native['sri-sha512']!;
    expect(record.registrySignature!.keyid).toBe(npmKeys.keys[0]!.keyid);
    expect(
      verifyBytes(
        registryPub,
        Buffer.from(`walk@1.0.0:${integrity}`),
        Buffer.from(record.registrySignature!.sig, 'base64'),
      ),
    ).toBe(true);

    // 5. Both log entries, recomputed from what the record carries, are in the tree of a checkpoint signed by the log.
    const cpv = verifyCheckpoint(record.log.checkpoint, [parseVerifierKey(keys.log.vkey)], {
      origin: keys.log.origin,
    });
    expect(cpv.ok).toBe(true);
    const cp = (cpv as { checkpoint: Checkpoint }).checkpoint;
    const leaves = [
      [record.log.publish, envelopeLogEntry(record.publishStatement, registryPub)],
      [
        record.log.author!,
        envelopeLogEntry(parseBundle(JSON.stringify(record.authorBundle)).dsseEnvelope, alicePub),
      ],
    ] as const;
    for (const [inc, leaf] of leaves) {
      const proof = inc.hashes.map((h) => Buffer.from(h, 'base64'));
      expect(checkInclusion(proof, inc.logIndex, cp.size, recordHash(leaf), cp.hash).status).toBe(
        'pass',
      );
    }

    // 6. The artifact downloads intact; the ledger shows the first-publish `add`, proven in the log.
    const blob = await fetch(record.downloadUrl!);
    expect(Buffer.from(await blob.arrayBuffer()).equals(bytes)).toBe(true);
    const ledger = (await call('GET', `/api/v1/ledger/${enc('pkg:npm/walk')}`)).json as {
      keys: { keyId: string }[];
      head: string;
      history: { action: string; firstUse: boolean }[];
    };
    expect(ledger.keys.map((k) => k.keyId)).toEqual([alicePub.keyId]);
    expect(ledger.history).toMatchObject([{ action: 'add', firstUse: true }]);
    aliceAdd = ledger.head;

    // Same bytes again: idempotent 200 with the same record.
    const again = await upload(bytes, record.authorBundle);
    expect(again.status).toBe(200);
    expect((again.json as unknown as ReleaseRecord).log.publish.logIndex).toBe(
      record.log.publish.logIndex,
    );
  });
});

describe('bad input over HTTP: refused with a reason, no trace left', () => {
  it('a bundle for another package → 400 AUTHOR_PURL_MISMATCH', async () => {
    const bytes = tgz('walk', '1.1.0');
    expectRefused(
      await upload(bytes, bundleFor(bytes, 'pkg:npm/other-package@1.1.0', alice)),
      400,
      'AUTHOR_PURL_MISMATCH',
    );
    await expectAbsent('pkg:npm/walk@1.1.0');
  });

  it('a bundle for another version of the same bytes → 400 AUTHOR_PURL_MISMATCH', async () => {
    const bytes = tgz('walk', '1.1.0');
    expectRefused(
      await upload(bytes, bundleFor(bytes, 'pkg:npm/walk@9.9.9', alice)),
      400,
      'AUTHOR_PURL_MISMATCH',
    );
    await expectAbsent('pkg:npm/walk@1.1.0');
  });

  it('replay of the old valid bundle of 1.0.0 for new bytes 1.2.0 → 400 AUTHOR_DIGEST_MISMATCH', async () => {
    const old = (await call('GET', `/api/v1/releases/${enc('pkg:npm/walk@1.0.0')}`))
      .json as unknown as ReleaseRecord;
    const v2 = tgz('walk', '1.2.0');
    expectRefused(await upload(v2, old.authorBundle), 400, 'AUTHOR_DIGEST_MISMATCH');
    await expectAbsent('pkg:npm/walk@1.2.0');
    // …and the old bundle cannot claim a new version either when the bytes are the old ones.
    const v1 = tgz('walk', '1.0.0');
    const r = await upload(v1, old.authorBundle, {
      type: 'generic',
      name: 'walk',
      version: '1.2.0',
    });
    expect([400, 403]).toContain(r.status);
    await expectAbsent('pkg:generic/walk@1.2.0');
  });

  it('a signature by a key not in the ledger → 403 AUTHOR_KEY_UNTRUSTED (hint names the authorised keys)', async () => {
    const mallory = generateKey();
    const bytes = tgz('walk', '1.3.0');
    const r = await upload(bytes, bundleFor(bytes, 'pkg:npm/walk@1.3.0', mallory));
    expectRefused(r, 403, 'AUTHOR_KEY_UNTRUSTED');
    expect(r.json.error!.hint).toContain(alicePub.keyId.slice(0, 16));
    await expectAbsent('pkg:npm/walk@1.3.0');
  });

  it('mallory cannot smuggle her key in with the upload: a key event by an unauthorised key → 403 KEY_EVENT_SIGNER_NOT_AUTHORISED', async () => {
    const mallory = generateKey();
    const bytes = tgz('walk', '1.3.1');
    const add = buildKeyEvent(
      {
        namespace: 'pkg:npm/walk',
        previous: await head('pkg:npm/walk'),
        action: 'add',
        keys: [mallory.publicKey],
      },
      [mallory],
    ).envelope;
    expectRefused(
      await upload(bytes, bundleFor(bytes, 'pkg:npm/walk@1.3.1', mallory), { keyEvents: [add] }),
      403,
      'KEY_EVENT_SIGNER_NOT_AUTHORISED',
    );
    expectRefused(await keyEvent(add), 403, 'KEY_EVENT_SIGNER_NOT_AUTHORISED');
    // A fresh first `add` for a namespace that exists (previous: null) is no way round it.
    const tofu = buildKeyEvent(
      { namespace: 'pkg:npm/walk', previous: null, action: 'add', keys: [mallory.publicKey] },
      [mallory],
    ).envelope;
    expectRefused(await keyEvent(tofu), 403, /^KEY_EVENT_/);
    await expectAbsent('pkg:npm/walk@1.3.1');
    expect((await call('GET', `/api/v1/ledger/${enc('pkg:npm/walk')}`)).json['head']).toBe(
      aliceAdd,
    );
  });

  it('a signature by a revoked key → 403 AUTHOR_KEY_UNTRUSTED', async () => {
    const bob = generateKey();
    expect(
      (
        await keyEvent(
          buildKeyEvent(
            {
              namespace: 'pkg:npm/walk',
              previous: await head('pkg:npm/walk'),
              action: 'add',
              keys: [bob.publicKey],
            },
            [alice],
          ).envelope,
        )
      ).status,
    ).toBe(201);
    const v = tgz('walk', '2.0.0');
    expect((await upload(v, bundleFor(v, 'pkg:npm/walk@2.0.0', bob))).status).toBe(201);
    expect(
      (
        await keyEvent(
          buildKeyEvent(
            {
              namespace: 'pkg:npm/walk',
              previous: await head('pkg:npm/walk'),
              action: 'revoke',
              keyId: bob.publicKey.keyId,
            },
            [alice],
          ).envelope,
        )
      ).status,
    ).toBe(201);
    const w = tgz('walk', '2.0.1');
    expectRefused(
      await upload(w, bundleFor(w, 'pkg:npm/walk@2.0.1', bob)),
      403,
      'AUTHOR_KEY_UNTRUSTED',
    );
    await expectAbsent('pkg:npm/walk@2.0.1');
    // bob's release from before the revocation stays valid.
    const r = (await call('GET', `/api/v1/releases/${enc('pkg:npm/walk@2.0.0')}`))
      .json as unknown as ReleaseRecord;
    expect(
      reg.ledger.ledger.authorisedAt('pkg:npm/walk', bob.publicKey.keyId, r.log.author!.logIndex)
        .allowed,
    ).toBe(true);
  });

  it('a compromised key (revoked with compromisedSince): refused now, and its signatures after the index are flagged', async () => {
    const carol = generateKey();
    expect(
      (
        await keyEvent(
          buildKeyEvent(
            {
              namespace: 'pkg:npm/walk',
              previous: await head('pkg:npm/walk'),
              action: 'add',
              keys: [carol.publicKey],
            },
            [alice],
          ).envelope,
        )
      ).status,
    ).toBe(201);
    const before = tgz('walk', '3.0.0');
    const r1 = (await upload(before, bundleFor(before, 'pkg:npm/walk@3.0.0', carol)))
      .json as unknown as ReleaseRecord;
    const stolen = tgz('walk', '3.0.1'); // published with the stolen key, before the owner noticed
    const r2 = (await upload(stolen, bundleFor(stolen, 'pkg:npm/walk@3.0.1', carol)))
      .json as unknown as ReleaseRecord;
    expect(r2.log.author!.logIndex).toBeGreaterThan(r1.log.author!.logIndex);
    const compromisedSince = r1.log.publish.logIndex + 1;
    const revoke = buildKeyEvent(
      {
        namespace: 'pkg:npm/walk',
        previous: await head('pkg:npm/walk'),
        action: 'revoke',
        keyId: carol.publicKey.keyId,
        compromisedSince,
      },
      [alice],
    ).envelope;
    expect((await keyEvent(revoke)).status).toBe(201);
    // A bundle made with the stolen key for a new version.
    const later = tgz('walk', '3.0.2');
    expectRefused(
      await upload(later, bundleFor(later, 'pkg:npm/walk@3.0.2', carol)),
      403,
      'AUTHOR_KEY_UNTRUSTED',
    );
    await expectAbsent('pkg:npm/walk@3.0.2');
    // Retroactive: what carol signed after the compromise index no longer verifies against the ledger; before it still does.
    expect(
      reg.ledger.ledger.authorisedAt(
        'pkg:npm/walk',
        carol.publicKey.keyId,
        r1.log.author!.logIndex,
      ),
    ).toMatchObject({ allowed: true });
    expect(
      reg.ledger.ledger.authorisedAt(
        'pkg:npm/walk',
        carol.publicKey.keyId,
        r2.log.author!.logIndex,
      ),
    ).toMatchObject({ allowed: false, code: 'KEY_COMPROMISED' });
    const history = (await call('GET', `/api/v1/ledger/${enc('pkg:npm/walk')}`)).json as {
      history: { action: string; status: string }[];
    };
    expect(history.history.at(-1)).toMatchObject({ action: 'revoke', status: 'applied' });
  });

  it('a key event below the threshold → 403 KEY_EVENT_THRESHOLD_NOT_MET; with k signatures it applies', async () => {
    const ns = 'pkg:npm/two-of-two';
    const k1 = generateKey();
    const k2 = generateKey();
    expect(
      (
        await keyEvent(
          buildKeyEvent(
            { namespace: ns, previous: null, action: 'add', keys: [k1.publicKey, k2.publicKey] },
            [k1, k2],
          ).envelope,
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await keyEvent(
          buildKeyEvent(
            { namespace: ns, previous: await head(ns), action: 'threshold', threshold: 2 },
            [k1],
          ).envelope,
        )
      ).status,
    ).toBe(201);
    const k3 = generateKey();
    const one = buildKeyEvent(
      { namespace: ns, previous: await head(ns), action: 'add', keys: [k3.publicKey] },
      [k1],
    ).envelope;
    expectRefused(await keyEvent(one), 403, 'KEY_EVENT_THRESHOLD_NOT_MET');
    const revokeOne = buildKeyEvent(
      { namespace: ns, previous: await head(ns), action: 'revoke', keyId: k2.publicKey.keyId },
      [k1],
    ).envelope;
    expectRefused(await keyEvent(revokeOne), 403, 'KEY_EVENT_THRESHOLD_NOT_MET');
    expect(
      (
        await keyEvent(
          buildKeyEvent(
            { namespace: ns, previous: await head(ns), action: 'add', keys: [k3.publicKey] },
            [k1, k2],
          ).envelope,
        )
      ).status,
    ).toBe(201);
  });

  it('malformed key events → 400 KEY_EVENT_ENVELOPE_INVALID / BAD_REQUEST', async () => {
    expectRefused(
      await keyEvent({
        payloadType: 'x',
        payload: '!!',
        signatures: [],
      } as unknown as DsseEnvelope),
      400,
      /^KEY_EVENT_(ENVELOPE|EVENT)_INVALID$/,
    );
    expectRefused(await call('POST', '/api/v1/key-events', { nope: 1 }), 400, 'BAD_REQUEST');
  });

  it('20 concurrent clients publish one name@version with different bytes: exactly one 201, nineteen 409', async () => {
    const uploads = Array.from({ length: 20 }, (_, i) => {
      const b = tgz('walk', '4.0.0', `//client ${i}`);
      return upload(b, bundleFor(b, 'pkg:npm/walk@4.0.0', alice)).then((r) => ({ r, b }));
    });
    const results = await Promise.all(uploads);
    const won = results.filter(({ r }) => r.status === 201);
    expect(won.length).toBe(1);
    for (const { r } of results.filter(({ r }) => r.status !== 201))
      expectRefused(r, 409, /^(VERSION_EXISTS|PUBLISH_IN_PROGRESS)$/);
    const record = (await call('GET', `/api/v1/releases/${enc('pkg:npm/walk@4.0.0')}`))
      .json as unknown as ReleaseRecord;
    expect(record.digests.sha256).toBe(digestBytes(won[0]!.b).sha256);
  });

  it('20 concurrent clients publish the same bytes: one 201, the others 200 with the same record', async () => {
    const b = tgz('walk', '4.1.0');
    const bundle = bundleFor(b, 'pkg:npm/walk@4.1.0', alice);
    const results = await Promise.all(Array.from({ length: 20 }, () => upload(b, bundle)));
    expect(results.filter((r) => r.status === 201).length).toBe(1);
    const indexes = new Set<number>();
    for (const r of results) {
      expect([200, 201], r.text).toContain(r.status);
      indexes.add((r.json as unknown as ReleaseRecord).log.publish.logIndex);
    }
    expect(indexes.size).toBe(1);
  });

  it('malformed uploads → 400 with a reason', async () => {
    expectRefused(
      await call('POST', '/api/v1/publish', '{"filename": "a.tgz", "artifact": '),
      400,
      'BAD_REQUEST',
    );
    expectRefused(await call('POST', '/api/v1/publish', 'null'), 400, 'BAD_REQUEST');
    expectRefused(await call('POST', '/api/v1/publish', '[1,2]'), 400, 'BAD_REQUEST');
    const bad = await publish({
      filename: '../../etc/passwd',
      artifact: 'not base64!',
      bundle: 7,
      keyEvents: {},
      version: 3,
    });
    expectRefused(bad, 400, 'BAD_REQUEST');
    for (const field of ['filename', 'artifact', 'bundle', 'keyEvents', 'version'])
      expect(bad.json.error!.message).toContain(field);
    expectRefused(
      await publish({
        filename: 'x.tgz',
        artifact: Buffer.from('not a tarball').toString('base64'),
        bundle: null,
      }),
      400,
      'ARTIFACT_INVALID',
    );
    expectRefused(
      await publish({
        filename: 'x.tgz',
        artifact: buildTgz([{ name: 'package/../../x', content: 'x' }]).toString('base64'),
        bundle: null,
      }),
      400,
      'ARTIFACT_INVALID',
    );
    const v = tgz('walk', '5.0.0');
    expectRefused(await upload(v, { mediaType: 'nope' }), 400, /^AUTHOR_BUNDLE_/);
    expectRefused(await upload(v, 'not json at all'), 400, 'BAD_REQUEST');
    expectRefused(
      await upload(v, {
        mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
        dsseEnvelope: { payload: '%%%', signatures: 'x' },
      }),
      400,
      /^AUTHOR_/,
    );
    expectRefused(
      await call('POST', '/api/v1/publish', 'x=1', { 'content-type': 'text/plain' }),
      400,
      'BAD_REQUEST',
    );
    expectRefused(await call('GET', `/api/v1/releases/${enc('not a purl')}`), 400, 'PURL_INVALID');
    expectRefused(
      await call('POST', '/api/v1/releases/lookup', { purls: 'pkg:npm/walk@1.0.0' }),
      400,
      'BAD_REQUEST',
    );
    await expectAbsent('pkg:npm/walk@5.0.0');
  });

  it('schema refusals name each bad field, what it must be, and list the fields in detail.fields', async () => {
    // version 3 is refused, not coerced to the string "3".
    const bad = await publish({ artifact: 'not base64!', bundle: 'x', version: 3 });
    expectRefused(bad, 400, 'BAD_REQUEST');
    expect(bad.json.error!.message).toMatch(/^invalid publish request: /);
    expect(bad.json.error!.message).toContain('filename is missing');
    expect(bad.json.error!.message).toContain('artifact must be base64');
    expect(bad.json.error!.message).toContain('bundle must be a Sigstore bundle object or null');
    expect(bad.json.error!.message).toContain('version must be a string');
    expect(bad.json.error!.detail).toEqual({
      fields: ['filename', 'artifact', 'bundle', 'version'],
    });
    const body = await call('POST', '/api/v1/publish', 'null');
    expect(body.json.error!.message).toContain('the body must be a JSON object');
    const lookup = await call('POST', '/api/v1/releases/lookup', { purls: ['pkg:npm/a@1', 7] });
    expectRefused(lookup, 400, 'BAD_REQUEST');
    expect(lookup.json.error!.message).toContain('purls/1 must be a string');
    expect(lookup.json.error!.detail).toEqual({ fields: ['purls/1'] });
    const ev = await call('POST', '/api/v1/key-events', { envelope: 'x' });
    expectRefused(ev, 400, 'BAD_REQUEST');
    expect(ev.json.error!.message).toContain('envelope must be a DSSE envelope object');
    const q = await call('GET', '/api/v1/releases?sha256=ABC');
    expectRefused(q, 400, 'BAD_REQUEST');
    expect(q.json.error!.message).toContain('sha256 must be 64 lowercase hex digits');
    const blob = await call('GET', '/api/v1/blobs/sha256/xyz');
    expectRefused(blob, 400, 'BAD_REQUEST');
    expect(blob.json.error!.detail).toEqual({ fields: ['hex'] });
  });

  it(`oversized uploads → 413 UPLOAD_TOO_LARGE naming the limit (${MAX_UPLOAD} bytes)`, async () => {
    // Far over: refused from Content-Length before the body is read.
    const huge = await publish({
      filename: 'big.tgz',
      artifact: Buffer.alloc(4 * MAX_UPLOAD, 1).toString('base64'),
      bundle: null,
    });
    expectRefused(huge, 413, 'UPLOAD_TOO_LARGE');
    expect(huge.json.error!.message).toContain(String(MAX_UPLOAD));
    // Just over: an artifact of limit + 1 bytes, whose JSON body is well under the body limit.
    const big = tgz('walk', '6.0.0', `/*${'x'.repeat(MAX_UPLOAD)}*/`);
    const over = Buffer.concat([big, Buffer.alloc(Math.max(0, MAX_UPLOAD + 1 - big.length))]);
    const r = await publish({
      filename: 'big.tgz',
      artifact: over.toString('base64'),
      bundle: null,
      type: 'generic',
      name: 'big',
      version: '1.0.0',
    });
    expectRefused(r, 413, 'UPLOAD_TOO_LARGE');
    expect(r.json.error!.message).toContain(String(MAX_UPLOAD));
    await expectAbsent('pkg:generic/big@1.0.0');
    // Exactly at the limit is fine.
    const at = Buffer.alloc(MAX_UPLOAD, 7);
    expect(
      (
        await publish({
          filename: 'at.bin',
          artifact: at.toString('base64'),
          bundle: null,
          type: 'generic',
          name: 'at-limit',
          version: '1.0.0',
        })
      ).status,
    ).toBe(201);
  });
});

describe('auth over HTTP: 401 for who you are, 403 for what you may do', () => {
  const free = (n: number) => {
    const b = Buffer.from(`free artifact ${n} ${Math.random()}`);
    return {
      filename: `f${n}.bin`,
      artifact: b.toString('base64'),
      bundle: null,
      type: 'generic',
      name: `auth-pkg-${n}`,
      version: '1.0.0',
    };
  };

  it('missing, malformed, unknown (well-formed) and revoked tokens → 401', async () => {
    expectRefused(await publish(free(1), { authorization: '' }), 401, 'AUTH_REQUIRED');
    expectRefused(
      await publish(free(1), { authorization: 'Basic YWRtaW46YWRtaW4=' }),
      401,
      'AUTH_REQUIRED',
    );
    expectRefused(
      await publish(free(1), {
        authorization: `Bearer ${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`,
      }),
      401,
      'TOKEN_MALFORMED',
    );
    expectRefused(
      await publish(free(1), { authorization: `Bearer ${generateToken()}` }),
      401,
      'TOKEN_INVALID',
    );
    const t = await reg.auth.createToken('admin', { actions: ['publish'], label: 'to revoke' });
    expect((await publish(free(2), { authorization: `Bearer ${t.token}` })).status).toBe(201);
    await reg.auth.revokeToken(t.info.id);
    const revoked = await publish(free(3), { authorization: `Bearer ${t.token}` });
    expectRefused(revoked, 401, 'TOKEN_INVALID');
    expect(revoked.json.error!.message).toBe(
      (await publish(free(3), { authorization: `Bearer ${generateToken()}` })).json.error!.message,
    ); // no oracle
    const expired = await reg.auth.createToken('admin', {
      actions: ['publish'],
      expiresAt: new Date(Date.now() + 300),
    });
    await new Promise((r) => setTimeout(r, 400));
    expectRefused(
      await publish(free(4), { authorization: `Bearer ${expired.token}` }),
      401,
      'TOKEN_INVALID',
    );
    expectRefused(
      await keyEvent(
        buildKeyEvent({ namespace: 'pkg:npm/x', previous: null, action: 'add', keys: [alicePub] }, [
          alice,
        ]).envelope,
        { authorization: `Bearer ${t.token}` },
      ),
      401,
      'TOKEN_INVALID',
    );
    for (const n of [1, 3, 4]) await expectAbsent(`pkg:generic/auth-pkg-${n}@1.0.0`);
  });

  it('a token without the action, out of its namespace scope, or an account without a grant → 403', async () => {
    const readOnlyKeys = await reg.auth.createToken('admin', { actions: ['keys'] });
    expectRefused(
      await publish(free(5), { authorization: `Bearer ${readOnlyKeys.token}` }),
      403,
      'TOKEN_SCOPE',
    );
    const scoped = await reg.auth.createToken('admin', {
      actions: ['publish'],
      namespaces: ['pkg:generic/auth-pkg-6'],
    });
    expectRefused(
      await publish(free(7), { authorization: `Bearer ${scoped.token}` }),
      403,
      'TOKEN_SCOPE',
    );
    expect((await publish(free(6), { authorization: `Bearer ${scoped.token}` })).status).toBe(201);
    await reg.auth.createAccount('eve');
    const eve = await reg.auth.createToken('eve', { actions: ['publish', 'keys'] });
    const v = tgz('walk', '7.0.0');
    expectRefused(
      await upload(
        v,
        bundleFor(v, 'pkg:npm/walk@7.0.0', alice),
        {},
        { authorization: `Bearer ${eve.token}` },
      ),
      403,
      'NAMESPACE_FORBIDDEN',
    );
    expectRefused(
      await keyEvent(
        buildKeyEvent(
          {
            namespace: 'pkg:npm/walk',
            previous: await head('pkg:npm/walk'),
            action: 'threshold',
            threshold: 1,
          },
          [alice],
        ).envelope,
        { authorization: `Bearer ${eve.token}` },
      ),
      403,
      'NAMESPACE_FORBIDDEN',
    );
    await expectAbsent('pkg:npm/walk@7.0.0');
    await expectAbsent('pkg:generic/auth-pkg-7@1.0.0');
  });

  it('with 2FA on the admin account: missing → 401 OTP_REQUIRED, expired or reused → 401 OTP_INVALID, current → 201', async () => {
    const { secret } = await reg.auth.enableTwoFactor('admin');
    const key = base32Decode(secret)!;
    const now = Date.now();
    await reg.auth.confirmTwoFactor('admin', totp(key, now)); // uses the current step
    const missing = await publish(free(8));
    expectRefused(missing, 401, 'OTP_REQUIRED');
    const expired = await publish(free(8), { 'x-sigil-otp': totp(key, now - 5 * 60_000) });
    expectRefused(expired, 401, 'OTP_INVALID');
    expectRefused(await publish(free(8), { 'npm-otp': '12345x' }), 401, 'OTP_INVALID');
    expectRefused(await publish(free(8), { 'x-sigil-otp': totp(key, now) }), 401, 'OTP_INVALID'); // the step confirmTwoFactor used
    const next = totp(key, now + 30_000); // the next step, inside the ±1 window
    expect((await publish(free(8), { 'x-sigil-otp': next })).status).toBe(201);
    expectRefused(await publish(free(9), { 'x-sigil-otp': next }), 401, 'OTP_INVALID'); // reused
    expectRefused(
      await keyEvent(
        buildKeyEvent(
          { namespace: 'pkg:npm/otp-ns', previous: null, action: 'add', keys: [alicePub] },
          [alice],
        ).envelope,
      ),
      401,
      'OTP_REQUIRED',
    );
    await expectAbsent('pkg:generic/auth-pkg-9@1.0.0');
  });
});
