// Rekor v2 dsse v0.0.2 entries: the canonicalized body byte for byte, and
// every way a CreateEntryRequest can be refused (each with the field named).
import { createHash, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signEnvelope } from '../../src/core/dsse.js';
import { generateKey, spkiDer, toPrivateKey } from '../../src/core/keys.js';
import { parseVerifierKey, recordHash } from '../../src/log/index.js';
import {
  canonicalJson,
  checkTransparencyLogEntry,
  makeTransparencyLogEntry,
  makeTrustedRoot,
  parseCreateEntryRequest,
  parseTransparencyLogEntry,
  prepareDsseEntry,
  RekorEntryError,
  rekorLogId,
} from '../../src/log/rekor/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

// A fixed Ed25519 key (RFC 8032 test 1 secret) so signatures, and so bodies, are reproducible.
const fixedKey = toPrivateKey(
  createPrivateKey({
    key: Buffer.concat([
      Buffer.from('302e020100300506032b657004220420', 'hex'),
      Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex'),
    ]),
    format: 'der',
    type: 'pkcs8',
  }),
);

function request(key = fixedKey, payload = '{"_type":"https://in-toto.io/Statement/v1"}') {
  const envelope = signEnvelope('application/vnd.in-toto+json', Buffer.from(payload), key);
  return {
    dsseRequestV002: {
      envelope,
      verifiers: [
        {
          publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
          keyDetails: key.algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
        },
      ],
    },
  };
}

function refusal(body: unknown, maxBytes?: number): RekorEntryError {
  try {
    prepareDsseEntry(
      typeof body === 'string' ? body : JSON.stringify(body),
      maxBytes === undefined ? {} : { maxBytes },
    );
  } catch (e) {
    expect(e).toBeInstanceOf(RekorEntryError);
    return e as RekorEntryError;
  }
  throw new Error('request was accepted');
}

describe('dsse v0.0.2 canonicalized body', () => {
  it('is the RFC 8785 form of the Entry message, as rekor-tiles writes it', () => {
    const req = request();
    const { body, entry } = prepareDsseEntry(JSON.stringify(req));
    const sig = req.dsseRequestV002.envelope.signatures[0]!.sig;
    const raw = req.dsseRequestV002.verifiers[0]!.publicKey.rawBytes;
    const digest = createHash('sha256')
      .update('{"_type":"https://in-toto.io/Statement/v1"}')
      .digest('base64');
    expect(Buffer.from(body).toString('utf8')).toBe(
      `{"apiVersion":"0.0.2","kind":"dsse","spec":{"dsseV002":{"payloadHash":{"algorithm":"SHA2_256","digest":"${digest}"},` +
        `"signatures":[{"content":"${sig}","verifier":{"keyDetails":"PKIX_ED25519","publicKey":{"rawBytes":"${raw}"}}}]}}}`,
    );
    expect(entry.kind).toBe('dsse');
    // Ed25519 is deterministic: this leaf hash is stable across runs and machines.
    expect(Buffer.from(recordHash(body)).toString('hex')).toMatch(/^[0-9a-f]{64}$/);
    expect(prepareDsseEntry(JSON.stringify(req)).body).toEqual(body);
  });

  it('does not depend on how the request spelled its base64 (URL-safe, unpadded)', () => {
    const req = request();
    const a = prepareDsseEntry(JSON.stringify(req)).body;
    const env = req.dsseRequestV002.envelope;
    const urlsafe = (s: string) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const req2 = {
      dsseRequestV002: {
        ...req.dsseRequestV002,
        envelope: {
          ...env,
          payload: urlsafe(env.payload),
          signatures: env.signatures.map((s) => ({ ...s, sig: urlsafe(s.sig) })),
        },
      },
    };
    expect(prepareDsseEntry(JSON.stringify(req2)).body).toEqual(a);
  });

  it('canonicalJson sorts keys by UTF-16 code units and refuses non-JSON values', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x'], é: {}, A: 'é\u2028' })).toBe(
      '{"A":"é\u2028","a":[true,null,"x"],"b":1,"é":{}}',
    );
    expect(() => canonicalJson(1.5)).toThrow(/canonicalize/);
    expect(() => canonicalJson(new Date())).toThrow(/canonicalize/);
  });

  it('accepts ECDSA P-256 and multi-signature envelopes with several verifiers', () => {
    const k1 = generateKey('ecdsa-p256');
    const k2 = generateKey('ed25519');
    const payload = Buffer.from('two signers');
    const e1 = signEnvelope('text/plain', payload, k1);
    const e2 = signEnvelope('text/plain', payload, k2);
    const req = {
      dsseRequestV002: {
        envelope: { ...e1, signatures: [...e1.signatures, ...e2.signatures] },
        verifiers: [
          {
            publicKey: { rawBytes: spkiDer(k2.publicKey.key).toString('base64') },
            keyDetails: 'PKIX_ED25519',
          },
          {
            publicKey: { rawBytes: spkiDer(k1.publicKey.key).toString('base64') },
            keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          },
        ],
      },
    };
    const { entry } = prepareDsseEntry(JSON.stringify(req));
    expect(entry.spec.dsseV002.signatures.map((s) => s.verifier.keyDetails)).toEqual([
      'PKIX_ECDSA_P256_SHA_256',
      'PKIX_ED25519',
    ]);
  });
});

describe('CreateEntryRequest refusals', () => {
  it('wrong kind: hashedrekord, empty object, intoto', () => {
    expect(refusal({ hashedRekordRequestV002: {} })).toMatchObject({
      code: 'REKOR_KIND_UNSUPPORTED',
      status: 400,
      fields: ['hashedRekordRequestV002'],
    });
    expect(refusal({})).toMatchObject({ code: 'REKOR_KIND_UNSUPPORTED', status: 400 });
    expect(refusal({ intoto: {} }).code).toBe('REKOR_KIND_UNSUPPORTED');
  });

  it('not JSON, not an object, not UTF-8', () => {
    expect(refusal('{"dsseRequestV002":').code).toBe('REKOR_REQUEST_MALFORMED');
    expect(refusal('[1]').code).toBe('REKOR_REQUEST_MALFORMED');
    expect(() => parseCreateEntryRequest(Uint8Array.of(0x7b, 0xff, 0x7d))).toThrow(/not UTF-8/);
  });

  it('bad base64 in payload, signature or key: 400 naming each field', () => {
    const req = request() as any;
    req.dsseRequestV002.envelope.payload = 'not*base64';
    req.dsseRequestV002.envelope.signatures[0].sig = 'ab=c';
    req.dsseRequestV002.verifiers[0].publicKey.rawBytes = '%%%';
    const e = refusal(req);
    expect(e.code).toBe('REKOR_REQUEST_MALFORMED');
    expect(e.fields).toEqual([
      'dsseRequestV002.envelope.payload',
      'dsseRequestV002.envelope.signatures[0].sig',
      'dsseRequestV002.verifiers[0].publicKey.rawBytes',
    ]);
    expect(e.message).toMatch(/dsseRequestV002\.envelope\.payload is not valid base64/);
  });

  it('missing and unknown fields, wrong types', () => {
    const e = refusal({
      dsseRequestV002: {
        envelope: { payload: 'aGk=', signatures: [], extra: 1 },
        verifiers: 'x',
        more: true,
      },
    });
    expect(e.fields).toEqual([
      'dsseRequestV002.more',
      'dsseRequestV002.envelope.extra',
      'dsseRequestV002.envelope.payloadType',
      'dsseRequestV002.envelope.signatures',
      'dsseRequestV002.verifiers',
    ]);
    const v = request() as any;
    v.dsseRequestV002.verifiers[0].x509Certificate = { rawBytes: 'aGk=' };
    expect(refusal(v).fields).toEqual(['dsseRequestV002.verifiers[0]']);
    v.dsseRequestV002.verifiers[0] = {
      keyDetails: 'PKIX_RSA_PKCS1V15_2048_SHA256',
      publicKey: { rawBytes: 'aGk=' },
    };
    expect(refusal(v).fields).toEqual(['dsseRequestV002.verifiers[0].keyDetails']);
  });

  it('a signature that does not verify: 400 naming the signature', () => {
    const req = request() as any;
    const other = generateKey('ed25519');
    req.dsseRequestV002.verifiers[0].publicKey.rawBytes = spkiDer(other.publicKey.key).toString(
      'base64',
    );
    const e = refusal(req);
    expect(e).toMatchObject({
      code: 'REKOR_SIGNATURE_INVALID',
      status: 400,
      fields: ['dsseRequestV002.envelope.signatures[0].sig'],
    });
    // the payload type is signed too (PAE)
    const req2 = request() as any;
    req2.dsseRequestV002.envelope.payloadType = 'application/json';
    expect(refusal(req2).code).toBe('REKOR_SIGNATURE_INVALID');
  });

  it('keys that are not keys, or not the keyDetails they claim', () => {
    const req = request() as any;
    req.dsseRequestV002.verifiers[0].publicKey.rawBytes =
      Buffer.from('not a key').toString('base64');
    expect(refusal(req)).toMatchObject({
      code: 'REKOR_KEY_UNSUPPORTED',
      fields: ['dsseRequestV002.verifiers[0].publicKey.rawBytes'],
    });
    const req2 = request() as any;
    req2.dsseRequestV002.verifiers[0].keyDetails = 'PKIX_ECDSA_P256_SHA_256';
    expect(refusal(req2)).toMatchObject({
      code: 'REKOR_KEY_UNSUPPORTED',
      message: expect.stringMatching(/PKIX_ECDSA_P256_SHA_256 but the key is ed25519/),
    });
  });

  it('over-size body: 413 with the limit', () => {
    const e = refusal(request(), 100);
    expect(e).toMatchObject({ code: 'REKOR_REQUEST_TOO_LARGE', status: 413, limit: 100 });
    expect(e.message).toMatch(/over the limit of 100 bytes/);
  });

  it('an entry too large for an entry bundle (64 KiB): 413', () => {
    const req = request() as any;
    const v = req.dsseRequestV002.verifiers[0];
    req.dsseRequestV002.verifiers = [];
    // many copies of the same verifier are harmless but make the body big only if used; use many signatures instead
    const sig = req.dsseRequestV002.envelope.signatures[0];
    req.dsseRequestV002.envelope.signatures = Array.from({ length: 700 }, () => sig);
    req.dsseRequestV002.verifiers = [v];
    expect(refusal(req)).toMatchObject({ code: 'REKOR_REQUEST_TOO_LARGE', limit: 65535 });
  });
});

describe('TransparencyLogEntry', () => {
  it("parses rekor-tiles' hex-string rootHash form as well as raw bytes", async () => {
    const log = new MemoryLog();
    const { body } = prepareDsseEntry(JSON.stringify(request()));
    const r = await log.append(body);
    const cpLines = r.checkpoint.split('\n');
    const root = new Uint8Array(Buffer.from(cpLines[2]!, 'base64'));
    const tle = makeTransparencyLogEntry({
      index: r.index,
      logId: rekorLogId(parseVerifierKey(log.verifierKey)),
      kind: 'dsse',
      version: '0.0.2',
      body,
      treeSize: 1,
      rootHash: root,
      proof: [],
      checkpoint: r.checkpoint,
    });
    const hexForm = {
      ...tle,
      inclusionProof: {
        ...tle.inclusionProof,
        rootHash: Buffer.from(Buffer.from(root).toString('hex')).toString('base64'),
      },
    };
    expect(parseTransparencyLogEntry(hexForm).proof.rootHash).toEqual(root);
    expect(
      checkTransparencyLogEntry(hexForm, { verifiers: [parseVerifierKey(log.verifierKey)] }).ok,
    ).toBe(true);
  });

  it('refuses malformed entries with the field named, never a raw exception', () => {
    const bad = [
      [null, 'tlogEntry. must be an object'],
      [{ kindVersion: {} }, 'kindVersion'],
      [
        { kindVersion: { kind: 'dsse', version: '0.0.2' }, logId: { keyId: 'AA==' } },
        'inclusionProof',
      ],
      [
        {
          kindVersion: { kind: 'dsse', version: '0.0.2' },
          logId: { keyId: 'AA==' },
          inclusionProof: { checkpoint: { envelope: 'x' }, rootHash: 'AA==', hashes: [] },
        },
        'rootHash',
      ],
      [
        {
          kindVersion: { kind: 'dsse', version: '0.0.2' },
          logId: { keyId: 'AA==' },
          logIndex: '01',
          inclusionProof: {
            checkpoint: { envelope: 'x' },
            rootHash: Buffer.alloc(32).toString('base64'),
            treeSize: '1',
            hashes: [],
          },
          canonicalizedBody: 'e30=',
        },
        'logIndex',
      ],
      [
        {
          kindVersion: { kind: 'dsse', version: '0.0.2' },
          logId: { keyId: 'AA==' },
          inclusionProof: {
            checkpoint: { envelope: 'x' },
            rootHash: Buffer.alloc(32).toString('base64'),
            treeSize: '-1',
            hashes: [],
          },
          canonicalizedBody: 'e30=',
        },
        'treeSize',
      ],
    ] as const;
    for (const [json, field] of bad) {
      expect(() => parseTransparencyLogEntry(json)).toThrow(
        new RegExp(field.replace(/\./g, '\\.')),
      );
      const r = checkTransparencyLogEntry(json, { verifiers: [] });
      expect(r.ok).toBe(false);
      expect(r.checks[0]!.code).toBe('TLOG_ENTRY_MALFORMED');
    }
  });
});

describe('trusted root', () => {
  it('names the log by URL, DER SPKI key, and the 32-byte log id whose prefix is the note key ID', () => {
    const log = new MemoryLog({ origin: 'sigil.example.org/log' });
    const v = parseVerifierKey(log.verifierKey);
    const root = makeTrustedRoot({
      baseUrl: 'https://sigil.example.org/log/',
      verifierKey: log.verifierKey,
    });
    const t = root.tlogs[0]!;
    expect(t.baseUrl).toBe('https://sigil.example.org/log');
    expect(t.publicKey.keyDetails).toBe('PKIX_ED25519');
    const id = Buffer.from(t.logId.keyId, 'base64');
    expect(id).toHaveLength(32);
    expect(id.readUInt32BE(0)).toBe(v.keyId);
    expect(t.checkpointKeyId.keyId).toBe(t.logId.keyId);
    expect(Buffer.from(t.publicKey.rawBytes, 'base64').subarray(-32)).toEqual(
      Buffer.from(v.publicKey),
    );
  });

  it('refuses a key whose name sigstore verifiers would not match with the URL', () => {
    const log = new MemoryLog({ origin: 'other.example/log' });
    expect(() =>
      makeTrustedRoot({ baseUrl: 'https://sigil.example.org/log', verifierKey: log.verifierKey }),
    ).toThrow(/does not appear in the URL/);
    expect(() => makeTrustedRoot({ baseUrl: 'not a url', verifierKey: log.verifierKey })).toThrow(
      /not an absolute URL/,
    );
  });
});

describe('fixtures (test/fixtures/rekor, see ORIGIN.md)', () => {
  it('the request becomes exactly the stored canonicalized body', async () => {
    const { readFileSync } = await import('node:fs');
    const dir = new URL('../fixtures/rekor/', import.meta.url);
    const req = readFileSync(new URL('dsse-request.json', dir));
    const want = readFileSync(new URL('dsse-entry.canonical.json', dir));
    expect(Buffer.from(prepareDsseEntry(req).body)).toEqual(want);
    expect(prepareDsseEntry(JSON.stringify(request())).body).toEqual(new Uint8Array(want));
  });
});
