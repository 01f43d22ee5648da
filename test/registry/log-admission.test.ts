// Issue 11 item 7, over HTTP: nobody but the registry appends to the registry's
// log; a standalone log (`sigil log serve`) admits writes only under the
// operator's policy (token or allowed signing key), rate-limited per client,
// with a body cap. Each attack is performed against a listening server.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { writePolicy } from '../../src/cli/commands/log.js';
import { digestBytes } from '../../src/core/digest.js';
import { formatPublicKeyFile, generateKey, type PrivateKey, spkiDer } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { checkpointSize } from '../../src/registry/records.js';
import { LogAdmission } from '../../src/registry/log-admission.js';
import { createLogServer } from '../../src/registry/log-routes.js';
import { rekorRoutes } from '../../src/registry/personalities/rekor/routes.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { MemoryLog } from '../../src/store/index.js';

function rekorRequest(key: PrivateKey, n: number): string {
  const bundle = signRelease({
    purl: `pkg:generic/admission@${n}`,
    digests: digestBytes(Buffer.from(`artifact ${n}`)),
    key,
  });
  return JSON.stringify({
    dsseRequestV002: {
      envelope: bundle.dsseEnvelope,
      verifiers: [
        {
          publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
          keyDetails: key.algorithm === 'ed25519' ? 'PKIX_ED25519' : 'PKIX_ECDSA_P256_SHA_256',
        },
      ],
    },
  });
}

async function post(
  url: string,
  body: string | Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, json, headers: r.headers };
}

describe("the registry's log takes only the registry's own entries", () => {
  let dir: string;
  let reg: Registry;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-admission-'));
    // Even with open writes (no accounts), the log's write endpoints stay refused.
    reg = await openRegistry({
      dataDir: dir,
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      passphrase: 'pw',
    });
    url = await reg.listen();
  });
  afterAll(async () => {
    await reg.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses POST /log/add and POST /log/api/v2/log/entries with 403 and the reason; reads stay', async () => {
    const before = checkpointSize(await reg.log.latestCheckpoint());
    const raw = await post(`${url}/log/add`, Buffer.from('junk bytes from anyone'), {
      'content-type': 'application/octet-stream',
    });
    expect(raw.status).toBe(403);
    expect(raw.json.code).toBe('LOG_WRITES_REFUSED');
    expect(raw.json.error).toMatch(/accepts only entries the registry appends/);
    const rekor = await post(`${url}/log/api/v2/log/entries`, rekorRequest(generateKey(), 1));
    expect(rekor.status).toBe(403);
    expect(rekor.json.code).toBe('LOG_WRITES_REFUSED');
    // A token does not open them either: there is no token for the registry's log.
    expect(
      (await post(`${url}/log/add`, 'x', { authorization: 'Bearer whatever-it-is' })).status,
    ).toBe(403);
    expect(checkpointSize(await reg.log.latestCheckpoint())).toBe(before);
    const cp = await fetch(`${url}/log/checkpoint`);
    expect(cp.status).toBe(200);
    expect(await cp.text()).toBe(await reg.log.latestCheckpoint());
  });
});

describe('sigil log serve: admission control on the write endpoints', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  const start = async (admission: LogAdmission, maxBodyBytes = 64 * 1024) => {
    const log = new MemoryLog({ batchIntervalMs: 1 });
    app = createLogServer({ log, admission });
    await app.register(rekorRoutes, { log, admission, maxBodyBytes });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    return { log, base };
  };

  it('refuses every write without a policy (the secure default), naming the flags', async () => {
    const { log, base } = await start(writePolicy({ data: '', listen: '' }, {}));
    const raw = await post(`${base}/add`, 'anonymous');
    expect(raw.status).toBe(403);
    expect(raw.json.error).toMatch(/--write-token-file, --allow-key or --open-writes/);
    expect((await post(`${base}/api/v2/log/entries`, rekorRequest(generateKey(), 1))).status).toBe(
      403,
    );
    expect(log.size).toBe(0);
  });

  it('admits a write token and refuses a wrong one', async () => {
    const token = 'tok-0123456789abcdef';
    const { log, base } = await start(LogAdmission.policy({ tokens: [token] }));
    expect((await post(`${base}/add`, 'no token')).status).toBe(401);
    const wrong = await post(`${base}/add`, 'wrong token', {
      authorization: 'Bearer tok-0123456789abcdeX',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.json.code).toBe('LOG_TOKEN_INVALID');
    expect(
      (await post(`${base}/add`, 'with token', { authorization: `Bearer ${token}` })).status,
    ).toBe(200);
    expect(
      (
        await post(`${base}/api/v2/log/entries`, rekorRequest(generateKey(), 2), {
          authorization: `Bearer ${token}`,
        })
      ).status,
    ).toBe(201);
    expect(log.size).toBe(2);
  });

  it('admits DSSE entries signed by an allowed key, refuses other signers and raw bytes', async () => {
    const allowed = generateKey();
    const d = mkdtempSync(join(tmpdir(), 'sigil-admission-key-'));
    try {
      writeFileSync(join(d, 'ci.pub'), formatPublicKeyFile(allowed.publicKey));
      const { log, base } = await start(
        writePolicy({ data: '', listen: '', allowKey: [join(d, 'ci.pub')] }, {}),
      );
      expect((await post(`${base}/api/v2/log/entries`, rekorRequest(allowed, 3))).status).toBe(201);
      const other = await post(`${base}/api/v2/log/entries`, rekorRequest(generateKey(), 4));
      expect(other.status).toBe(403);
      expect(other.json.code).toBe('LOG_KEY_NOT_ALLOWED');
      const raw = await post(`${base}/add`, 'raw bytes');
      expect(raw.status).toBe(403);
      expect(raw.json.code).toBe('LOG_WRITE_TOKEN_REQUIRED');
      expect(log.size).toBe(1);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('rate-limits each client (429 + Retry-After) and caps the body (413)', async () => {
    const { log, base } = await start(
      LogAdmission.policy({ open: true, rateLimit: { burst: 3, perMinute: 1 } }),
      4096,
    );
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await post(`${base}/add`, `entry ${i}`));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429, 429]);
    expect(answers[3]!.json.code).toBe('LOG_RATE_LIMITED');
    expect(Number(answers[3]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(log.size).toBe(3);

    const capped = await start2(LogAdmission.policy({ open: true }), 4096);
    const big = await post(`${capped.base}/api/v2/log/entries`, 'x'.repeat(10_000));
    expect(big.status).toBe(413);
    expect(capped.log.size).toBe(0);
    await capped.app.close();
  });

  const start2 = async (admission: LogAdmission, maxBodyBytes: number) => {
    const log = new MemoryLog({ batchIntervalMs: 1 });
    const a = createLogServer({ log, admission });
    await a.register(rekorRoutes, { log, admission, maxBodyBytes });
    const base = await a.listen({ host: '127.0.0.1', port: 0 });
    return { log, base, app: a };
  };

  it('checks the flags: a short token, an empty token file, an unreadable key are usage errors', () => {
    const d = mkdtempSync(join(tmpdir(), 'sigil-admission-flags-'));
    try {
      writeFileSync(join(d, 'short'), 'abc\n');
      writeFileSync(join(d, 'empty'), '# nothing\n');
      expect(() =>
        writePolicy({ data: '', listen: '', writeTokenFile: join(d, 'short') }, {}),
      ).toThrow(/at least 16 characters/);
      expect(() =>
        writePolicy({ data: '', listen: '', writeTokenFile: join(d, 'empty') }, {}),
      ).toThrow(/has no token/);
      expect(() =>
        writePolicy({ data: '', listen: '', allowKey: [join(d, 'missing.pub')] }, {}),
      ).toThrow(/cannot read --allow-key/);
      expect(
        writePolicy(
          { data: '', listen: '' },
          { SIGIL_LOG_WRITE_TOKEN: 'from-the-environment-123' },
        ).describe(),
      ).toMatch(/1 write token/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
