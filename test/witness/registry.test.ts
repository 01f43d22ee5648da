// `sigil serve` (openRegistry) asking two witnesses: records and log carry cosigned checkpoints,
// and `sigil verify package-lock.json` enforces the project's tlog-policy (witnessPolicy).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTlogPolicy } from '../../src/log/policy.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { createWitnessKey, type WitnessKey } from '../../src/witness/key.js';
import { createWitnessServer } from '../../src/witness/server.js';
import { WitnessStore } from '../../src/witness/store.js';
import { runCli } from '../helpers/cli.js';
import { npmPack } from '../helpers/npm-pack.js';
import { loadLogKey } from '../../src/store/log-key.js';
import { createLogKey } from '../../src/store/log-key.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-witnessed-registry-'));
let registry: Registry;
let url = '';
const apps: FastifyInstance[] = [];
const stores: WitnessStore[] = [];
const keys: WitnessKey[] = [];
const urls: string[] = [];
const env = { SIGIL_CONFIG_DIR: join(dir, 'config') };

beforeAll(async () => {
  // The log key first, so the witnesses can trust it before the registry starts.
  const logKey = await createLogKey(join(dir, 'data', 'log'), 'witnessed.registry.test/log');
  for (let i = 1; i <= 3; i++) {
    const k = await createWitnessKey(join(dir, `w${i}`), `w${i}.registry.test`, 'pw');
    const s = new WitnessStore(join(dir, `w${i}`));
    if (i < 3) s.addLog(logKey.verifierKey); // the third witness does not follow this log
    const a = createWitnessServer({ store: s, key: k });
    urls.push(await a.listen({ host: '127.0.0.1', port: 0 }));
    keys.push(k);
    stores.push(s);
    apps.push(a);
  }
  const policy = parseTlogPolicy(
    `${keys.map((k, i) => `witness w${i + 1} ${k.vkey} ${urls[i]}`).join('\n')}\ngroup any-two 2 w1 w2 w3\nquorum any-two\n`,
  );
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    batchIntervalMs: 2,
    witnessing: { policy, timeoutMs: 2000 },
  });
  url = await registry.listen();
  expect(loadLogKey(join(dir, 'data', 'log'))!.verifierKey).toBe(logKey.verifierKey);
}, 60_000);

afterAll(async () => {
  await registry?.close();
  await Promise.all(apps.map((a) => a.close()));
  stores.forEach((s) => s.close());
  rmSync(dir, { recursive: true, force: true });
});

describe('a witnessed registry', () => {
  it('publishes, and `sigil verify` of a lockfile meets a 2-of-3 witness policy but not an all-of-3 one', async () => {
    const alice = JSON.parse(
      (await runCli(['keygen', '--out', join(dir, 'alice'), '--json'])).stdout,
    );
    const p = npmPack(dir, { name: 'witnessed', version: '1.0.0' });
    const pub = await runCli(['publish', p.path, '--server', url, '--key', alice.privateKey], env);
    expect(pub.code, pub.stderr).toBe(0);
    const cp = await (await fetch(`${url}/log/checkpoint`)).text();
    expect(cp).toContain('— w1.registry.test ');
    expect(cp).toContain('— w2.registry.test ');

    const project = join(dir, 'project');
    mkdirSync(project);
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'app', version: '1.0.0' },
        'node_modules/witnessed': {
          version: '1.0.0',
          resolved: `${url}/witnessed/-/witnessed-1.0.0.tgz`,
          integrity: p.integrity,
        },
      },
    };
    writeFileSync(join(project, 'package-lock.json'), JSON.stringify(lock));
    const witnessLines = keys.map((k, i) => `witness w${i + 1} ${k.vkey}`).join('\n');
    writeFileSync(
      join(project, 'two.tlog-policy'),
      `${witnessLines}\ngroup g 2 w1 w2 w3\nquorum g\n`,
    );
    writeFileSync(
      join(project, 'all.tlog-policy'),
      `${witnessLines}\ngroup g all w1 w2 w3\nquorum g\n`,
    );
    writeFileSync(join(project, 'two.json'), JSON.stringify({ witnessPolicy: 'two.tlog-policy' }));
    writeFileSync(join(project, 'all.json'), JSON.stringify({ witnessPolicy: 'all.tlog-policy' }));

    const ok = await runCli(
      [
        'verify',
        join(project, 'package-lock.json'),
        '--server',
        url,
        '--policy',
        join(project, 'two.json'),
        '--json',
      ],
      env,
    );
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const okReport = JSON.parse(ok.stdout);
    expect(okReport.project.find((c: { name: string }) => c.name === 'witnesses')).toMatchObject({
      status: 'pass',
      code: 'WITNESSES_MET',
    });

    const strict = await runCli(
      [
        'verify',
        join(project, 'package-lock.json'),
        '--server',
        url,
        '--policy',
        join(project, 'all.json'),
        '--json',
      ],
      env,
    );
    expect(strict.code).toBe(1);
    const w = JSON.parse(strict.stdout).project.find(
      (c: { name: string }) => c.name === 'witnesses',
    );
    expect(w).toMatchObject({ status: 'fail', code: 'WITNESSES_INSUFFICIENT' });
    expect(w.reason).toMatch(/all of \(w1, w2, w3\): cosigned by w1, w2/);
  }, 60_000);
});
