// LogClient.verifyEntry: a bundle's tlog entry is checked offline, then its
// checkpoint is linked to the remembered one (older or newer). And the HTTP
// fetcher bounds what it reads.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  httpFetcher,
  LogClient,
  LogClientError,
  memoryCheckpointMemory,
} from '../../src/client/index.js';
import { signEnvelope } from '../../src/core/dsse.js';
import { generateKey, spkiDer } from '../../src/core/keys.js';
import type { TransparencyLogEntryJson } from '../../src/log/rekor/index.js';
import { createEntry } from '../../src/registry/personalities/rekor/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

const BASE = 'https://log.test/log';
const key = generateKey('ed25519');

function fetcherFor(pick: () => MemoryLog) {
  return {
    async get(url: string) {
      const path = url.slice(BASE.length + 1);
      return path === 'checkpoint'
        ? Buffer.from(await pick().latestCheckpoint())
        : pick().readTile(path);
    },
  };
}

async function logEnvelope(log: MemoryLog, text: string) {
  const envelope = signEnvelope('text/plain', Buffer.from(text), key);
  const req = {
    dsseRequestV002: {
      envelope,
      verifiers: [
        {
          publicKey: { rawBytes: spkiDer(key.publicKey.key).toString('base64') },
          keyDetails: 'PKIX_ED25519',
        },
      ],
    },
  };
  const a = await createEntry(log, JSON.stringify(req));
  expect(a.status).toBe(201);
  return { envelope, entry: a.body as TransparencyLogEntryJson };
}

describe('LogClient.verifyEntry', () => {
  it('checks inclusion, then consistency with the remembered checkpoint whichever is newer', async () => {
    const log = new MemoryLog({ origin: 'log.test/log' });
    const memory = memoryCheckpointMemory();
    const c = new LogClient({
      baseUrl: BASE,
      verifierKey: log.verifierKey,
      fetcher: fetcherFor(() => log),
      memory,
    });
    const first = await logEnvelope(log, 'one');
    const r1 = await c.verifyEntry(first.entry, { envelope: first.envelope });
    expect(r1.ok).toBe(true);
    expect(r1.checks.at(-1)!.code).toBe('CONSISTENCY_FIRST_USE');
    for (let i = 0; i < 40; i++) await logEnvelope(log, `more ${i}`);
    await c.update(); // remembers size 41
    // an old entry (checkpoint of size 1) is proved consistent with the newer remembered tree
    const r2 = await c.verifyEntry(first.entry, { envelope: first.envelope });
    expect(r2.ok).toBe(true);
    expect(r2.checks.at(-1)!.code).toBe('CONSISTENCY_PROOF_VALID');
    // a newer entry moves the memory forward
    const later = await logEnvelope(log, 'later');
    expect((await c.verifyEntry(later.entry, { envelope: later.envelope })).ok).toBe(true);
    expect(memory.all.get('log.test/log')).toBe(later.entry.inclusionProof.checkpoint.envelope);
  });

  it('fails an entry from a forked tree with both checkpoints in the check detail', async () => {
    const a = new MemoryLog({ origin: 'log.test/log' });
    const b = new MemoryLog({ origin: a.origin, signerKey: a.signerKey });
    for (let i = 0; i < 3; i++) await logEnvelope(a, `a ${i}`);
    const forked = await logEnvelope(b, 'only in b');
    const c = new LogClient({
      baseUrl: BASE,
      verifierKey: a.verifierKey,
      fetcher: fetcherFor(() => b),
    });
    await new LogClient({
      baseUrl: BASE,
      verifierKey: a.verifierKey,
      fetcher: fetcherFor(() => a),
    }).update();
    await c.update(); // first use of this client's memory: b at size 1
    const onA = await logEnvelope(a, 'on a');
    // the entry's checkpoint (a, size 4) cannot be linked to what this client remembers (b, size
    // 1): log b has no tiles of a size-4 tree, so no proof can be made (log/checkpoint-tracker.ts:
    // unproven, with both checkpoints; a proof that fails would be LOG_SPLIT_VIEW)
    const r = await c.verifyEntry(onA.entry, { envelope: onA.envelope });
    expect(r.ok).toBe(false);
    const last = r.checks.at(-1)!;
    expect(last.code).toBe('CONSISTENCY_UNPROVEN');
    expect(last.detail).toMatchObject({
      remembered: forked.entry.inclusionProof.checkpoint.envelope,
      received: onA.entry.inclusionProof.checkpoint.envelope,
    });
  });

  it('a forged inclusion proof fails offline, before any network', async () => {
    const log = new MemoryLog({ origin: 'log.test/log' });
    for (let i = 0; i < 5; i++) await logEnvelope(log, `x ${i}`);
    const { entry, envelope } = await logEnvelope(log, 'target'); // index 5 of 6: index 4 has a proof of the same length
    const calls: string[] = [];
    const c = new LogClient({
      baseUrl: BASE,
      verifierKey: log.verifierKey,
      fetcher: { get: async (u) => void calls.push(u) as undefined },
    });
    const wrongIndex = {
      ...entry,
      logIndex: '4',
      inclusionProof: { ...entry.inclusionProof, logIndex: '4' },
    };
    expect((await c.verifyEntry(wrongIndex, { envelope })).checks.at(-1)!.code).toBe(
      'PROOF_ROOT_MISMATCH',
    );
    const wrongLength = {
      ...entry,
      inclusionProof: { ...entry.inclusionProof, hashes: entry.inclusionProof.hashes.slice(1) },
    };
    expect((await c.verifyEntry(wrongLength, { envelope })).checks.at(-1)!.code).toBe(
      'PROOF_WRONG_LENGTH',
    );
    const wrongSize = { ...entry, inclusionProof: { ...entry.inclusionProof, treeSize: '9' } };
    expect((await c.verifyEntry(wrongSize, { envelope })).checks.at(-1)!.code).toBe(
      'TLOG_CHECKPOINT_MISMATCH',
    );
    const other = await logEnvelope(new MemoryLog({ origin: 'log.test/log' }), 'elsewhere');
    expect(
      (await c.verifyEntry(other.entry, { envelope: other.envelope })).checks.at(-1)!.code,
    ).toBe('TLOG_UNKNOWN_LOG');
    expect(calls).toEqual([]);
  });
});

describe('httpFetcher', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200); // no content-length: the limit must hold while streaming
        for (let i = 0; i < 100; i++) res.write(Buffer.alloc(1024));
        res.end();
      } else if (req.url === '/declared') {
        res.writeHead(200, { 'content-length': '100000' });
        res.end(Buffer.alloc(100000));
      } else if (req.url === '/ok') res.end('hello');
      else if (req.url === '/boom') {
        res.writeHead(500);
        res.end();
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('returns bodies, undefined for 404, and refuses oversize bodies and errors', async () => {
    const f = httpFetcher({ timeoutMs: 5000 });
    expect(Buffer.from((await f.get(`${base}/ok`, { maxBytes: 10 }))!).toString()).toBe('hello');
    expect(await f.get(`${base}/missing`, { maxBytes: 10 })).toBeUndefined();
    await expect(f.get(`${base}/big`, { maxBytes: 8192 })).rejects.toMatchObject({
      code: 'LOG_RESPONSE_TOO_LARGE',
    });
    await expect(f.get(`${base}/declared`, { maxBytes: 8192 })).rejects.toMatchObject({
      code: 'LOG_RESPONSE_TOO_LARGE',
    });
    await expect(f.get(`${base}/boom`, { maxBytes: 10 })).rejects.toMatchObject({
      code: 'LOG_TRANSPORT',
      status: 500,
    });
    await expect(f.get('http://127.0.0.1:1/x', { maxBytes: 10 })).rejects.toBeInstanceOf(
      LogClientError,
    );
  });
});
