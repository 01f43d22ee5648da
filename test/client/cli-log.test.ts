// `sigil log trust-root` and `sigil log verify-inclusion` end to end, against
// a real HTTP log on 127.0.0.1 (the Rekor v2 plugin plus a minimal tlog-tiles
// read side over the in-memory log, standing in for createLogServer).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { makeBundle, serializeBundle } from '../../src/core/bundle.js';
import { generateKey, spkiDer } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { rekorRoutes } from '../../src/registry/personalities/rekor/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    out: (t) => void (stdout += t),
    err: (t) => void (stderr += t),
    stderrIsTTY: false,
    env,
  });
  return { code, stdout, stderr };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('sigil log trust-root / verify-inclusion', () => {
  let app: FastifyInstance;
  let url: string;
  let log: MemoryLog;
  let fork: MemoryLog;
  let serving: MemoryLog;
  let dir: string;
  let bundleFile: string;
  let vkeyFile: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    log = new MemoryLog({ origin: `127.0.0.1:${port}` });
    fork = new MemoryLog({ origin: log.origin, signerKey: log.signerKey });
    serving = log;
    app = Fastify();
    await app.register(rekorRoutes, { log });
    app.get('/checkpoint', async (_req, reply) =>
      reply.type('text/plain').send(await serving.latestCheckpoint()),
    );
    app.get('/tile/*', async (req, reply) => {
      const data = await serving.readTile((req.url as string).slice(1));
      return data
        ? reply.type('application/octet-stream').send(Buffer.from(data))
        : reply.code(404).send();
    });
    await app.listen({ host: '127.0.0.1', port });
    dir = mkdtempSync(join(tmpdir(), 'sigil-log-cli-'));
    const key = generateKey('ed25519');
    const signed = signRelease({
      purl: 'pkg:npm/cli-demo@1.0.0',
      digests: { sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64) },
      key,
    });
    for (let i = 0; i < 3; i++) await fork.append(Buffer.from(`fork ${i}`));
    const res = await fetch(`${url}/api/v2/log/entries`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        dsseRequestV002: {
          envelope: signed.dsseEnvelope,
          verifiers: [
            {
              publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
              keyDetails: 'PKIX_ED25519',
            },
          ],
        },
      }),
    });
    expect(res.status).toBe(201);
    bundleFile = join(dir, 'demo.sigstore.json');
    writeFileSync(
      bundleFile,
      serializeBundle(
        makeBundle(signed.dsseEnvelope, key.publicKey.keyId, [
          (await res.json()) as Record<string, unknown>,
        ]),
      ),
    );
    vkeyFile = join(dir, 'log.vkey');
    writeFileSync(vkeyFile, `# log key\n${log.verifierKey}\n`);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('trust-root prints a TrustedRoot naming the log (vkey as a string or a file)', async () => {
    const r = await run(['log', 'trust-root', '--url', url, '--vkey', log.verifierKey]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const root = JSON.parse(r.stdout);
    expect(root.tlogs[0].baseUrl).toBe(url);
    expect((await run(['log', 'trust-root', '--url', url, '--vkey', vkeyFile])).stdout).toBe(
      r.stdout,
    );
  });

  it('trust-root refuses a key that does not name the URL, and a bad vkey', async () => {
    const r = await run([
      'log',
      'trust-root',
      '--url',
      'https://elsewhere.example/log',
      '--vkey',
      log.verifierKey,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^sigil: error: the log key is named "127\.0\.0\.1:\d+", which does not appear in the URL/m,
    );
    expect(r.stderr).toMatch(/^sigil: hint: /m);
    const bad = await run(['log', 'trust-root', '--url', url, '--vkey', 'nope+00000000+AAAA']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--vkey is not a note verifier key/);
  });

  it('verify-inclusion checks offline, then against the live log, remembering its checkpoint', async () => {
    const offline = await run(['log', 'verify-inclusion', bundleFile, '--vkey', vkeyFile]);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/✔ inclusion/);
    expect(offline.stdout).toMatch(/– consistency/);
    await log.append(Buffer.from('later entry'));
    const live = await run([
      'log',
      'verify-inclusion',
      bundleFile,
      '--vkey',
      vkeyFile,
      '--url',
      url,
      '--config-dir',
      dir,
      '--json',
    ]);
    expect(live.stderr).toBe('');
    expect(live.code).toBe(0);
    const out = JSON.parse(live.stdout);
    expect(out.ok).toBe(true);
    expect(out.entries[0].checks.at(-1).code).toBe('CONSISTENCY_PROOF_VALID');
  });

  it('verify-inclusion refuses a split view with both checkpoints, exit 1', async () => {
    serving = fork; // the same log key now serves another tree
    for (let i = 0; i < 5; i++) await fork.append(Buffer.from(`fork more ${i}`));
    const r = await run(['log', 'verify-inclusion', bundleFile, '--vkey', vkeyFile, '--url', url], {
      SIGIL_CONFIG_DIR: dir,
    });
    serving = log;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sigil: error: log fork \/ split view: 127\.0\.0\.1:\d+/);
    expect(r.stderr).toContain('remembered checkpoint:');
    expect(r.stderr).toContain('received checkpoint:');
    expect(r.stderr).toContain((await fork.latestCheckpoint()).split('\n')[2]);
  });

  it('verify-inclusion fails a tampered bundle entry, exit 1', async () => {
    const b = JSON.parse((await import('node:fs')).readFileSync(bundleFile, 'utf8'));
    b.verificationMaterial.tlogEntries[0].inclusionProof.treeSize = '999';
    const f = join(dir, 'tampered.sigstore.json');
    writeFileSync(f, JSON.stringify(b));
    const r = await run(['log', 'verify-inclusion', f, '--vkey', vkeyFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /sigil: error: inclusionProof\.treeSize 999 is not the checkpoint size/,
    );
  });
});
