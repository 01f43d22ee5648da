// Gossip: a client pushes the checkpoint it saw to a witness (with a consistency proof computed from
// the log's tiles) and compares with what the witness cosigned; a logs file configures a witness.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLogsFile } from '../../src/cli/commands/witness.js';
import { createLogServer } from '../../src/registry/log-routes.js';
import { MemoryLog } from '../../src/store/memory-log.js';
import { createWitnessKey, type WitnessKey } from '../../src/witness/key.js';
import { createWitnessServer } from '../../src/witness/server.js';
import { WitnessStore } from '../../src/witness/store.js';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-gossip-'));
let log: MemoryLog;
let logApp: FastifyInstance;
let wApp: FastifyInstance;
let store: WitnessStore;
let wkey: WitnessKey;
let logUrl = '';
let wUrl = '';

beforeAll(async () => {
  log = new MemoryLog({ origin: 'gossip.test/log' });
  logApp = createLogServer({ log });
  logUrl = await logApp.listen({ host: '127.0.0.1', port: 0 });
  wkey = await createWitnessKey(join(dir, 'w'), 'w.gossip.test', 'pw');
  store = new WitnessStore(join(dir, 'w'));
  // Configured from a logs file (tlog-policy "log" lines; no quorum line needed).
  writeFileSync(
    join(dir, 'logs.policy'),
    `# logs this witness follows\nlog ${log.verifierKey} ${logUrl}\n`,
  );
  for (const v of readLogsFile(join(dir, 'logs.policy'))) store.addLog(v);
  wApp = createWitnessServer({ store, key: wkey });
  wUrl = await wApp.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await wApp.close();
  await logApp.close();
  store.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

const gossip = (...extra: string[]) =>
  runCli([
    'witness',
    'gossip',
    '--log',
    logUrl,
    '--vkey',
    log.verifierKey,
    '--witness',
    wUrl,
    '--json',
    ...extra,
  ]);

describe('sigil witness gossip', () => {
  it('pushes what the client saw, then proves later checkpoints consistent from the tiles', async () => {
    await Promise.all(Array.from({ length: 300 }, (_, i) => log.append(Buffer.from(`entry ${i}`))));
    const none = await gossip();
    expect(JSON.parse(none.stdout)).toMatchObject({ code: 'GOSSIP_NOTHING' });
    const pushed = await gossip('--push', '--witness-vkey', wkey.vkey);
    expect(JSON.parse(pushed.stdout)).toMatchObject({ code: 'GOSSIP_PUSHED', status: 'pass' });
    expect(store.latest('gossip.test/log')?.size).toBe(300);
    await Promise.all(
      Array.from({ length: 400 }, (_, i) => log.append(Buffer.from(`entry ${300 + i}`))),
    );
    // The witness is behind: consistent (proof 300 → 700 from tiles), then pushed with that proof.
    const again = await gossip('--push', '--witness-vkey', wkey.vkey);
    expect(JSON.parse(again.stdout)).toMatchObject({ code: 'GOSSIP_PUSHED' });
    expect(store.latest('gossip.test/log')?.size).toBe(700);
    const same = await gossip();
    expect(JSON.parse(same.stdout)).toMatchObject({ code: 'GOSSIP_CONSISTENT', status: 'pass' });
    expect(same.code).toBe(0);
  });
});
