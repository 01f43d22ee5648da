// `sigil monitor` as a real process following a real registry on loopback: it reports new
// versions, an unexpected key event and a forged second record within one polling interval,
// resumes from its state, and reports a log that shows another history.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signEnvelope } from '../../src/core/dsse.js';
import { IN_TOTO_STATEMENT_TYPE } from '../../src/core/statement.js';
import { PUBLISH_PREDICATE_TYPE } from '../../src/core/release-record.js';
import { envelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli, SIGIL_BIN } from '../helpers/cli.js';
import { npmPack } from '../helpers/npm-pack.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-monitor-'));
let registry: Registry;
let url = '';
let alice: { privateKey: string; publicKey: string };
let mon: ChildProcess | undefined;
let lines: Record<string, unknown>[] = [];
const env = { SIGIL_CONFIG_DIR: join(dir, 'config') };

beforeAll(async () => {
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: 'monitor.test/log',
    openWrites: true,
    batchIntervalMs: 2,
  });
  url = await registry.listen();
  alice = JSON.parse((await runCli(['keygen', '--out', join(dir, 'alice'), '--json'])).stdout);
});
afterAll(async () => {
  mon?.kill('SIGKILL');
  await registry?.close();
  rmSync(dir, { recursive: true, force: true });
});

function startMonitor(interval: number): void {
  lines = [];
  mon = spawn(
    process.execPath,
    [
      SIGIL_BIN,
      'monitor',
      '--server',
      url,
      '--watch',
      'pkg:npm/@acme/*',
      '--interval',
      String(interval),
    ],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let buf = '';
  mon.stdout!.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
      buf = buf.slice(nl + 1);
    }
  });
}

async function waitFor(
  pred: (e: Record<string, unknown>) => boolean,
  ms: number,
): Promise<Record<string, unknown>> {
  const t0 = Date.now();
  for (;;) {
    const e = lines.find(pred);
    if (e) return e;
    if (Date.now() - t0 > ms)
      throw new Error(`no such event within ${ms} ms; got ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('sigil monitor', () => {
  it('reports new versions, an unexpected key event and a forged second record within one interval', async () => {
    const v1 = npmPack(dir, { name: '@acme/widget', version: '1.0.0' });
    expect(
      (await runCli(['publish', v1.path, '--server', url, '--key', alice.privateKey], env)).code,
    ).toBe(0);
    const other = npmPack(dir, { name: 'unwatched', version: '1.0.0' });
    expect(
      (await runCli(['publish', other.path, '--server', url, '--key', alice.privateKey], env)).code,
    ).toBe(0);

    const INTERVAL = 1;
    startMonitor(INTERVAL);
    const first = await waitFor((e) => e['type'] === 'new_version', 30_000);
    expect(first).toMatchObject({
      purl: 'pkg:npm/%40acme/widget@1.0.0',
      signedBy: 'author',
      origin: 'monitor.test/log',
    });
    await waitFor((e) => e['type'] === 'key_event' && e['action'] === 'add', 10_000); // the first publish established alice's key
    expect(lines.some((e) => String(e['purl'] ?? '').includes('unwatched'))).toBe(false);

    // Someone with alice's key adds mallory's: the owner learns it within one interval.
    const mallory = JSON.parse(
      (await runCli(['keygen', '--out', join(dir, 'mallory'), '--json'])).stdout,
    );
    const before = lines.length;
    expect(
      (
        await runCli(
          [
            'key',
            'add',
            '--namespace',
            'pkg:npm/%40acme/widget',
            '--key',
            mallory.publicKey,
            '--signer',
            alice.privateKey,
            '--server',
            url,
          ],
          env,
        )
      ).code,
    ).toBe(0);
    // Within one polling interval, plus the time of the poll itself (generous: the machine is shared).
    const added = await waitFor(
      (e) => lines.indexOf(e) >= before && e['type'] === 'key_event',
      INTERVAL * 1000 + 10_000,
    );
    expect(added).toMatchObject({ namespace: 'pkg:npm/%40acme/widget', action: 'add' });

    // A compromised operator logs a second record for the same purl with other bytes, and serves it.
    const statement = {
      _type: IN_TOTO_STATEMENT_TYPE,
      subject: [
        {
          name: 'pkg:npm/%40acme/widget@1.0.0',
          digest: { sha256: 'ab'.repeat(32), sha512: 'cd'.repeat(64) },
        },
      ],
      predicateType: PUBLISH_PREDICATE_TYPE,
      predicate: {
        name: '@acme/widget',
        version: '1.0.0',
        registry: url,
        publishedAt: new Date().toISOString(),
      },
    };
    const envelope = signEnvelope(
      'application/vnd.in-toto+json',
      Buffer.from(JSON.stringify(statement)),
      registry.registryKey,
    );
    const leaf = envelopeLogEntry(envelope, registry.registryKey.publicKey);
    const { index } = await registry.log.append(leaf);
    registry.store.db
      .prepare('INSERT INTO key_event (namespace, envelope, entry, log_index) VALUES (?, ?, ?, ?)')
      .run('forged', JSON.stringify(envelope), leaf, index);
    const dup = await waitFor((e) => e['type'] === 'duplicate_record', INTERVAL * 1000 + 10_000);
    expect(dup).toMatchObject({
      purl: 'pkg:npm/%40acme/widget@1.0.0',
      second: { logIndex: index },
    });
    // The same forgery kept from the monitor (no envelope served) still shows as an entry nobody explains.
    const hidden = await registry.log.append(
      envelopeLogEntry(
        signEnvelope(
          'application/vnd.in-toto+json',
          Buffer.from(
            JSON.stringify({
              ...statement,
              predicate: { ...statement.predicate, publishedAt: 'later' },
            }),
          ),
          registry.registryKey,
        ),
        registry.registryKey.publicKey,
      ),
    );
    await waitFor(
      (e) => e['type'] === 'unattributed_entry' && e['logIndex'] === hidden.index,
      INTERVAL * 1000 + 10_000,
    );
    mon!.kill('SIGTERM');
  }, 60_000);

  it('resumes from its state: a second run reports only what is new', async () => {
    const v2 = npmPack(dir, { name: '@acme/widget', version: '2.0.0' });
    expect(
      (await runCli(['publish', v2.path, '--server', url, '--key', alice.privateKey], env)).code,
    ).toBe(0);
    // With a webhook: each event is also POSTed as JSON.
    const received: unknown[] = [];
    const hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', () => resolve()));
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/sigil`;
    const r = await runCli(
      ['monitor', '--server', url, '--watch', 'pkg:npm/@acme/*', '--once', '--webhook', hookUrl],
      env,
    );
    hook.close();
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.map((e) => e['type'])).toEqual(['new_version']);
    expect(events[0]).toMatchObject({ purl: 'pkg:npm/%40acme/widget@2.0.0' });
    expect(received).toEqual(events);
    expect(r.code).toBe(0);
  }, 30_000);

  it('reports a checkpoint that is not consistent with the one it saw, with both', async () => {
    // Another log under the same origin and key, shown to this monitor: a fork.
    const forkDir = mkdtempSync(join(tmpdir(), 'sigil-monitor-fork-'));
    const { cpSync } = await import('node:fs');
    cpSync(join(dir, 'data', 'log', 'log.key'), join(forkDir, 'log.key'));
    const { openFileLog } = await import('../../src/store/file-log.js');
    const { createLogServer } = await import('../../src/registry/log-routes.js');
    const fork = await openFileLog(forkDir, { batchIntervalMs: 1 });
    const size = Number((await registry.log.latestCheckpoint()).split('\n')[1]);
    for (let i = 0; i <= size; i++) await fork.append(Buffer.from(`forked ${i}`));
    const app = createLogServer({ log: fork });
    const forkUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const r = await runCli(
      ['monitor', '--server', url, '--log', forkUrl, '--watch', 'pkg:npm/@acme/*', '--once'],
      env,
    );
    const events = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ type: 'inconsistent_checkpoint' });
    expect(String(events[0]!['previous'])).toContain('monitor.test/log');
    expect(String(events[0]!['received'])).toContain(`\n${size + 1}\n`);
    expect(r.code).toBe(1);
    await app.close();
    await fork.close();
    rmSync(forkDir, { recursive: true, force: true });
  }, 30_000);
});
