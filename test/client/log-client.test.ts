// The log client against in-memory logs: checkpoints verified, remembered,
// extended only with consistency proofs computed from tiles; split views,
// rollbacks, bad signatures, unknown keys and non-canonical checkpoints refused.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointPath,
  type CheckpointMemory,
  type Fetcher,
  fileCheckpointMemory,
  LogClient,
  LogClientError,
  memoryCheckpointMemory,
  sigilConfigDir,
} from '../../src/client/index.js';
import { parseNote, parseSignerKey, signNote } from '../../src/log/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

const BASE = 'https://log.test/log';

/** logFetcher serves a TransparencyLog's read side (checkpoint, tiles) at BASE; `pick` chooses which log answers each request. */
function logFetcher(
  pick: () => MemoryLog,
  hooks: {
    checkpoint?: (text: string) => string;
    tile?: (path: string, data: Uint8Array) => Uint8Array | undefined;
  } = {},
): Fetcher & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    async get(url, { maxBytes }) {
      urls.push(url);
      const log = pick();
      if (!url.startsWith(`${BASE}/`)) return undefined;
      const path = url.slice(BASE.length + 1);
      let body: Uint8Array | undefined;
      if (path === 'checkpoint') {
        const cp = await log.latestCheckpoint();
        body = Buffer.from(hooks.checkpoint ? hooks.checkpoint(cp) : cp);
      } else {
        body = await log.readTile(path);
        if (body && hooks.tile) body = hooks.tile(path, body);
      }
      if (body && body.length > maxBytes)
        throw new LogClientError(
          'LOG_RESPONSE_TOO_LARGE',
          `${url} sent more than ${maxBytes} bytes`,
        );
      return body;
    },
  };
}

async function grow(log: MemoryLog, n: number, tag = 'e'): Promise<void> {
  const start = log.size;
  for (let i = 0; i < n; i++) await log.append(Buffer.from(`${tag} ${start + i}`));
}

/** twin makes a second log with the same key and origin: a log operator equivocating. */
function twin(log: MemoryLog): MemoryLog {
  return new MemoryLog({ origin: log.origin, signerKey: log.signerKey });
}

function client(
  log: MemoryLog,
  fetcher: Fetcher,
  memory: CheckpointMemory = memoryCheckpointMemory(),
) {
  return new LogClient({ baseUrl: BASE, verifierKey: log.verifierKey, fetcher, memory });
}

async function refusal(p: Promise<unknown>): Promise<LogClientError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LogClientError);
    return e as LogClientError;
  }
  throw new Error('accepted');
}

describe('LogClient.update', () => {
  it('trusts the first checkpoint, then accepts only consistent growth (proofs computed from tiles)', async () => {
    const log = new MemoryLog({ origin: 'log.test/log' });
    await grow(log, 3);
    const memory = memoryCheckpointMemory();
    const f = logFetcher(() => log);
    const c = client(log, f, memory);
    const first = await c.update();
    expect(first.previous).toBeUndefined();
    expect(first.latest.checkpoint.size).toBe(3);
    for (const n of [1, 250, 300, 70_000 % 600]) {
      await grow(log, n);
      const u = await c.update();
      expect(u.consistency?.code).toBe('CONSISTENCY_PROOF_VALID');
      expect(u.latest.checkpoint.size).toBe(log.size);
    }
    expect(f.urls.some((u) => u.includes('/tile/1/'))).toBe(true);
    expect(memory.all.get('log.test/log')).toBe(await log.latestCheckpoint());
  });

  it('detects a split view: two trees of one log shown to one client', async () => {
    const a = new MemoryLog({ origin: 'log.test/log' });
    const b = twin(a);
    await grow(a, 10, 'shared');
    await grow(b, 10, 'shared');
    await grow(a, 5, 'for-alice');
    await grow(b, 9, 'for-bob');
    let serve = a;
    const c = client(
      a,
      logFetcher(() => serve),
    );
    await c.update(); // sees a at size 15
    serve = b; // the server now shows b (size 19), which does not extend a
    const e = await refusal(c.update());
    expect(e.code).toBe('LOG_SPLIT_VIEW');
    expect(e.message).toMatch(/^log fork \/ split view: log\.test\/log/);
    expect(e.checkpoints?.remembered).toBe(await a.latestCheckpoint());
    expect(e.checkpoints?.received).toBe(await b.latestCheckpoint());
    expect(e.message).toContain('remembered checkpoint:');
    expect(e.message).toContain((await b.latestCheckpoint()).split('\n')[2]);
  });

  it('detects a split view at the same size (same size, different root)', async () => {
    const a = new MemoryLog({ origin: 'log.test/log' });
    const b = twin(a);
    await grow(a, 4, 'x');
    await grow(b, 4, 'y');
    let serve = a;
    const c = client(
      a,
      logFetcher(() => serve),
    );
    await c.update();
    serve = b;
    const e = await refusal(c.update());
    expect(e.code).toBe('LOG_SPLIT_VIEW');
    expect(e.message).toMatch(/two different trees of size 4/);
  });

  it('refuses a tree that went backwards (rollback) and keeps the remembered checkpoint', async () => {
    const a = new MemoryLog({ origin: 'log.test/log' });
    const b = twin(a);
    await grow(a, 8);
    await grow(b, 5);
    let serve = a;
    const memory = memoryCheckpointMemory();
    const c = client(
      a,
      logFetcher(() => serve),
      memory,
    );
    await c.update();
    serve = b;
    const e = await refusal(c.update());
    expect(e.code).toBe('LOG_ROLLBACK');
    expect(e.message).toMatch(/went back from size 8 to 5/);
    expect(memory.all.get('log.test/log')).toBe(await a.latestCheckpoint());
  });

  it('refuses forged tiles (the computed proof fails) as a split view', async () => {
    const log = new MemoryLog({ origin: 'log.test/log' });
    await grow(log, 20);
    let forge = false;
    const f = logFetcher(() => log, {
      tile: (_p, d) => {
        if (!forge) return d;
        const x = new Uint8Array(d);
        x[0]! ^= 1;
        return x;
      },
    });
    const c = client(log, f);
    await c.update();
    await grow(log, 7);
    forge = true;
    expect((await refusal(c.update())).code).toBe('LOG_SPLIT_VIEW');
  });

  it('refuses tiles of the wrong length or missing tiles', async () => {
    const log = new MemoryLog({ origin: 'log.test/log' });
    await grow(log, 20);
    let mode: 'ok' | 'short' | 'none' = 'ok';
    const f = logFetcher(() => log, {
      tile: (_p, d) => (mode === 'ok' ? d : mode === 'short' ? d.subarray(0, 31) : undefined),
    });
    const c = client(log, f);
    await c.update();
    await grow(log, 7);
    mode = 'short';
    const short = await refusal(c.update());
    expect(short.message).toMatch(/has 31 bytes/);
    // No proof could be made: unproven (the same code lockfile verification gives), not a fork.
    expect(short.code).toBe('CONSISTENCY_UNPROVEN');
    mode = 'none';
    const none = await refusal(c.update());
    expect(none.message).toMatch(/does not serve tile/);
    expect(none.code).toBe('CONSISTENCY_UNPROVEN');
  });

  describe('refuses bad checkpoints', () => {
    const cases: [string, (cp: string, log: MemoryLog) => string, string][] = [
      [
        'a bad signature',
        (cp) =>
          cp.replace(
            /(\u2014 \S+ )(\S{10})/,
            (_m, a: string, s: string) =>
              a + (s[9] === 'A' ? `${s.slice(0, 9)}B` : `${s.slice(0, 9)}A`),
          ),
        'NOTE_INVALID_SIGNATURE',
      ],
      [
        'an unknown key',
        (cp, log) =>
          signNote(parseNote(cp).text, [
            parseSignerKey(new MemoryLog({ origin: log.origin }).signerKey),
          ]),
        'NOTE_UNVERIFIED',
      ],
      [
        'a non-canonical size',
        (cp, log) =>
          signNote(parseNote(cp).text.replace(/\n(\d+)\n/, '\n0$1\n'), [
            parseSignerKey(log.signerKey),
          ]),
        'CHECKPOINT_MALFORMED',
      ],
      [
        'another origin',
        (cp, log) =>
          signNote(parseNote(cp).text.replace(/^[^\n]+/, 'evil.test/log'), [
            parseSignerKey(log.signerKey),
          ]),
        'CHECKPOINT_WRONG_ORIGIN',
      ],
      ['no signature at all', (cp) => parseNote(cp).text, 'NOTE_MALFORMED'],
    ];
    it.each(cases)('%s', async (_name, mutate, checkCode) => {
      const log = new MemoryLog({ origin: 'log.test/log' });
      await grow(log, 3);
      const c = client(
        log,
        logFetcher(() => log, { checkpoint: (cp) => mutate(cp, log) }),
      );
      const e = await refusal(c.update());
      expect(e.code).toBe('LOG_CHECKPOINT_INVALID');
      expect(e.checkCode).toBe(checkCode);
    });
  });

  it('bounds the checkpoint response size', async () => {
    const log = new MemoryLog({ origin: 'log.test/log' });
    const c = new LogClient({
      baseUrl: BASE,
      verifierKey: log.verifierKey,
      fetcher: logFetcher(() => log),
      maxCheckpointBytes: 20,
    });
    expect((await refusal(c.update())).code).toBe('LOG_RESPONSE_TOO_LARGE');
  });
});

describe('checkpoint memory on disk', () => {
  it('lives in the config dir (flag > SIGIL_CONFIG_DIR > XDG_CONFIG_HOME > ~/.config) and survives clients', async () => {
    expect(
      sigilConfigDir({ flag: '/f', env: { SIGIL_CONFIG_DIR: '/e', XDG_CONFIG_HOME: '/x' } }),
    ).toBe('/f');
    expect(sigilConfigDir({ env: { SIGIL_CONFIG_DIR: '/e', XDG_CONFIG_HOME: '/x' } })).toBe('/e');
    expect(sigilConfigDir({ env: { XDG_CONFIG_HOME: '/x' } })).toBe('/x/sigil');
    expect(sigilConfigDir({ env: { XDG_CONFIG_HOME: 'relative' }, home: '/h' })).toBe(
      '/h/.config/sigil',
    );
    const dir = mkdtempSync(join(tmpdir(), 'sigil-cfg-'));
    const a = new MemoryLog({ origin: 'log.test/log' });
    const b = twin(a);
    await grow(a, 6, 'a');
    await grow(b, 9, 'b');
    await client(
      a,
      logFetcher(() => a),
      fileCheckpointMemory(dir),
    ).update();
    expect(readFileSync(checkpointPath(dir, 'log.test/log'), 'utf8')).toBe(
      await a.latestCheckpoint(),
    );
    expect(checkpointPath(dir, '../x')).toContain('%2E.%2Fx');
    // a new client process, the same memory: the split view is still caught
    const e = await refusal(
      client(
        a,
        logFetcher(() => b),
        fileCheckpointMemory(dir),
      ).update(),
    );
    expect(e.code).toBe('LOG_SPLIT_VIEW');
    // a tampered memory file is reported, not trusted
    writeFileSync(checkpointPath(dir, 'log.test/log'), 'garbage');
    expect(
      (
        await refusal(
          client(
            a,
            logFetcher(() => a),
            fileCheckpointMemory(dir),
          ).update(),
        )
      ).code,
    ).toBe('LOG_MEMORY_INVALID');
  });
});
