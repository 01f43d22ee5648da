// sigil key: make events offline, chain them through a local JSON-lines ledger, read it back.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let dir: string;
const keys: { priv: string; pub: string; id: string }[] = [];
const NS = 'pkg:npm/left-pad';
let ledger: string;
let index = 0;

function append(file: string): void {
  appendFileSync(
    ledger,
    `${JSON.stringify({ logIndex: index++, envelope: JSON.parse(readFileSync(file, 'utf8')) })}\n`,
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-key-'));
  for (const n of ['a', 'b', 'c']) {
    const r = await runCli(['keygen', '--out', join(dir, n), '--json']);
    const j = JSON.parse(r.stdout);
    keys.push({ priv: j.privateKey, pub: j.publicKey, id: j.keyId });
  }
  ledger = join(dir, 'ledger.jsonl');
  writeFileSync(ledger, "# a local copy of the log's key events\n");
});

describe('sigil key', () => {
  it('add, rotate, threshold, cosign, revoke — then list and history', async () => {
    const [a, b, c] = keys as [(typeof keys)[0], (typeof keys)[0], (typeof keys)[0]];
    const add = await runCli([
      'key',
      'add',
      '-n',
      NS,
      '--key',
      a.pub,
      '--signer',
      a.priv,
      '--out',
      join(dir, 'e0.json'),
    ]);
    expect(add.code).toBe(0);
    expect(add.stderr).toMatch(/^sigil: warning: writing the first event of pkg:npm\/left-pad/);
    append(join(dir, 'e0.json'));

    const add2 = await runCli([
      'key',
      'add',
      '-n',
      NS,
      '--key',
      b.pub,
      '--key',
      c.pub,
      '--signer',
      a.priv,
      '--events',
      ledger,
      '-o',
      join(dir, 'e1.json'),
    ]);
    expect(add2).toMatchObject({ code: 0, stderr: '' });
    append(join(dir, 'e1.json'));

    const th = await runCli([
      'key',
      'threshold',
      '-n',
      NS,
      '-t',
      '2',
      '--signer',
      a.priv,
      '--events',
      ledger,
      '-o',
      join(dir, 'e2.json'),
    ]);
    expect(th.code).toBe(0);
    append(join(dir, 'e2.json'));

    // one signature of two: written, with a warning that the ledger would reject it as it stands
    const rot = await runCli([
      'key',
      'rotate',
      '-n',
      NS,
      '--from',
      a.id,
      '--to',
      c.pub,
      '--signer',
      b.priv,
      '--events',
      ledger,
      '-o',
      join(dir, 'e3.json'),
    ]);
    expect(rot.code).toBe(0);
    expect(rot.stderr).toMatch(/KEY_ALREADY_AUTHORISED|THRESHOLD_NOT_MET/);

    const rev = await runCli([
      'key',
      'revoke',
      '-n',
      NS,
      '--key-id',
      a.id,
      '--compromised-since',
      '1',
      '--signer',
      b.priv,
      '--events',
      ledger,
      '-o',
      join(dir, 'e3.json'),
    ]);
    expect(rev.code).toBe(0);
    expect(rev.stderr).toMatch(/THRESHOLD_NOT_MET/);
    const co = await runCli(['key', 'cosign', join(dir, 'e3.json'), '--signer', c.priv]);
    expect(co.stdout).toMatch(/2 signature\(s\) on revoke event/);
    append(join(dir, 'e3.json'));

    const list = await runCli(['key', 'list', ledger, '--json']);
    expect(list.code).toBe(0);
    const j = JSON.parse(list.stdout);
    expect(j.rejected).toBe(0);
    expect(j.namespaces[0]).toMatchObject({ namespace: NS, threshold: 2, reset: false });
    expect(
      j.namespaces[0].keys.map((k: { keyId: string; status: string }) => [k.keyId, k.status]),
    ).toEqual([
      [a.id, 'compromised'],
      [b.id, 'authorised'],
      [c.id, 'authorised'],
    ]);
    const table = await runCli(['key', 'list', ledger]);
    expect(table.stdout).toContain(`compromised      ${a.id}`);

    const hist = await runCli(['key', 'history', NS, '--events', ledger]);
    expect(hist.code).toBe(0);
    expect(hist.stdout).toMatch(/✔\s+0  add\s+add: added .*\[FIRST USE\]/);
    expect(hist.stdout).toMatch(/✔\s+3  revoke/);
    const hj = JSON.parse(
      (await runCli(['key', 'history', NS, '--events', ledger, '--json'])).stdout,
    );
    expect(hj.events.map((e: { code: string }) => e.code)).toEqual([
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'EVENT_APPLIED',
      'EVENT_APPLIED',
    ]);
  });

  it('shows a rejected event in the history with its reason', async () => {
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      readFileSync(ledger, 'utf8') +
        `${JSON.stringify({ logIndex: 99, envelope: { payload: 'e30=', payloadType: 'application/vnd.in-toto+json', signatures: [] } })}\n`,
    );
    const first = readFileSync(ledger, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('{'))!;
    appendFileSync(bad, `${JSON.stringify({ ...JSON.parse(first), logIndex: 100 })}\n`); // the first add again: a replay
    const hist = await runCli(['key', 'history', NS, '--events', bad]);
    expect(hist.stdout).toMatch(/✘\s+100  add\s+EVENT_REPLAYED/);
    const list = await runCli(['key', 'list', bad]);
    expect(list.stderr).toMatch(/sigil: warning: 2 event\(s\) were rejected/);
  });

  it('refuses bad flags with a clear message', async () => {
    const [a] = keys as [(typeof keys)[0]];
    const r1 = await runCli([
      'key',
      'add',
      '-n',
      'pkg:npm/left-pad@1.0.0',
      '--key',
      a.pub,
      '--signer',
      a.priv,
    ]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(
      /^sigil: error: -n\/--namespace: package namespace .* must not carry a version/,
    );
    const r2 = await runCli(['key', 'revoke', '-n', NS, '--key-id', a.id, '--signer', a.priv]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/must name the namespace's latest event\nsigil: hint: pass --events/);
    const r3 = await runCli([
      'key',
      'revoke',
      '-n',
      NS,
      '--key-id',
      a.id,
      '--compromised-since',
      'soon',
      '--signer',
      a.priv,
      '--events',
      ledger,
    ]);
    expect(r3.stderr).toMatch(/--compromised-since must be a whole number/);
    const r4 = await runCli(['key', 'add', '-n', NS, '--key', a.pub]);
    expect(r4.code).toBe(2);
    expect(r4.stderr).toMatch(/sigil: error: required option .*--signer/);
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, '{"logIndex": 0}\n');
    const r5 = await runCli(['key', 'list', broken]);
    expect(r5.stderr).toMatch(/broken.jsonl:1: expected \{"logIndex": N, "envelope"/);
  });
});
