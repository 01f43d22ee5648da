// Issue 11 item 8, over HTTP: the 10,000-spellings batch and its cousins are
// refused or bounded, duplicates are built once, anonymous lookups are
// rate-limited per client, and `/-/ping` stays responsive during the attack
// (p99 measured while attackers hammer the lookup endpoint).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { buildTgz } from '../helpers/tar-builder.js';

let dir: string;
let reg: Registry;
let url: string;

/** spellings returns n distinct spellings of pkg:npm/left-pad@1.0.0 (type case, percent-encoded name and version characters). */
function spellings(n: number): string[] {
  const pct = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  const spell = (s: string, bits: number) =>
    [...s].map((c, i) => ((bits >> i) & 1 ? pct(c) : c)).join('');
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) {
    const type = [...'npm'].map((c, k) => ((i >> k) & 1 ? c.toUpperCase() : c)).join('');
    out.push(
      `pkg:${type}/${spell('left-pad', (i >> 3) & 0xff)}@${spell('1.0.0', (i >> 11) & 0x1f)}`,
    );
  }
  return out;
}

async function lookup(
  purls: string[],
): Promise<{ status: number; json: any; bytes: number; headers: Headers }> {
  const r = await fetch(`${url}/api/v1/releases/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ purls }),
  });
  const text = await r.text();
  return { status: r.status, json: JSON.parse(text), bytes: text.length, headers: r.headers };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-lookup-'));
  reg = await openRegistry({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    passphrase: 'pw',
    lookupLimits: { perClient: { burst: 3_000, perMinute: 60 }, maxResponseBytes: 120_000 },
  });
  url = await reg.listen();
  const tgz = buildTgz([
    {
      name: 'package/package.json',
      content: JSON.stringify({ name: 'left-pad', version: '1.0.0' }),
    },
  ]);
  const r = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      filename: 'left-pad-1.0.0.tgz',
      artifact: tgz.toString('base64'),
      bundle: null,
    }),
  });
  expect(r.status).toBe(201);
});
afterAll(async () => {
  await reg.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('batch lookup amplification', () => {
  it('refuses the 10,000-spellings batch (400 BATCH_DUPLICATES) and a batch over 10,000 purls (413)', async () => {
    const all = spellings(10_001);
    expect(new Set(all).size).toBe(10_001);
    const big = await lookup(all);
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('BATCH_TOO_LARGE');
    const dup = await lookup(all.slice(0, 10_000));
    expect(dup.status).toBe(400);
    expect(dup.json.error.code).toBe('BATCH_DUPLICATES');
    expect(dup.json.error.message).toContain('pkg:npm/left-pad@1.0.0');
  });

  it('answers a few spellings with one record built once', async () => {
    const few = spellings(20);
    const r = await lookup(few);
    expect(r.status).toBe(200);
    const records = Object.values(r.json.records) as { purl: string }[];
    expect(records).toHaveLength(20);
    for (const rec of records) expect(rec).toEqual(records[0]);
    expect(records[0]!.purl).toBe('pkg:npm/left-pad@1.0.0');
  });

  it('bounds the answer (413 RESPONSE_TOO_LARGE) and builds ledger answers once per ledger', async () => {
    const one = await lookup(spellings(1));
    const recordBytes = one.bytes;
    expect(recordBytes).toBeGreaterThan(1_500); // 100 spellings of it are over the 120,000-byte limit
    const big = await lookup(spellings(101));
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('RESPONSE_TOO_LARGE');
    const r = await fetch(`${url}/api/v1/ledger/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ namespaces: ['__proto__', 'pkg:npm/left-pad', 'pkg:npm/left-pad'] }),
    });
    expect(r.status).toBe(200);
    const ledgers = (
      (await r.json()) as { ledgers: Record<string, { ledger: string; events: unknown[] }> }
    ).ledgers;
    expect(Object.keys(ledgers).sort()).toEqual(['__proto__', 'pkg:npm/left-pad']);
    expect(ledgers['pkg:npm/left-pad']).toEqual({ ledger: 'pkg:npm/left-pad', events: [] });
  });

  it('keeps /-/ping responsive while attackers send oversized and duplicate batches', async () => {
    const bodies = [
      JSON.stringify({ purls: spellings(10_000) }),
      JSON.stringify({ purls: spellings(4_000) }),
    ];
    let stop = false;
    let attacks = 0;
    const attacker = async (k: number) => {
      while (!stop) {
        const r = await fetch(`${url}/api/v1/releases/lookup`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: bodies[k % 2]!,
        });
        await r.arrayBuffer();
        expect([400, 413, 429]).toContain(r.status);
        attacks++;
      }
    };
    const attackers = Array.from({ length: 4 }, (_, k) => attacker(k));
    const times: number[] = [];
    const until = Date.now() + 3_000;
    while (Date.now() < until) {
      const t = performance.now();
      const r = await fetch(`${url}/-/ping`);
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      times.push(performance.now() - t);
      await new Promise((res) => setTimeout(res, 10));
    }
    stop = true;
    await Promise.all(attackers);
    times.sort((a, b) => a - b);
    const p99 = times[Math.min(times.length - 1, Math.floor(times.length * 0.99))]!;
    console.log(
      `/-/ping during the attack: ${times.length} pings, p50 ${times[Math.floor(times.length / 2)]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; ${attacks} attack requests refused`,
    );
    expect(attacks).toBeGreaterThan(4);
    expect(p99).toBeLessThan(1_000);
  }, 30_000);

  it('rate-limits lookups per client by the number of distinct purls (429 + Retry-After)', async () => {
    const distinct = (n: number, tag: string) =>
      Array.from({ length: n }, (_, i) => `pkg:npm/${tag}-${i}@1.0.0`);
    let refused;
    for (let i = 0; i < 4 && refused === undefined; i++) {
      const r = await lookup(distinct(2_500, `p${i}`));
      if (r.status === 429) refused = r;
      else expect(r.status).toBe(200);
    }
    expect(refused).toBeDefined();
    expect(refused!.json.error.code).toBe('LOOKUP_RATE_LIMITED');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
