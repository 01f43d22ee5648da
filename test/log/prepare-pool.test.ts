// Rekor v2 add-entry on worker threads (issue 14, P4): `sigil log serve --verify-workers 2`
// (the built CLI, so the workers run the compiled prepare-worker.js) gives the very answers
// the in-process path gives — the same leaf bytes for good requests, the same refusal (code,
// message, fields) for forged signatures and malformed bodies — under concurrent requests,
// each logged once at its own index.
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareDsseEntry, RekorEntryError } from '../../src/log/rekor/index.js';
import { SIGIL_BIN } from '../helpers/cli.js';

let dir: string;
let child: ChildProcess;
let url: string;

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const TYPE = 'application/vnd.in-toto+json';
const pae = (body: Buffer) =>
  Buffer.concat([Buffer.from(`DSSEv1 ${TYPE.length} ${TYPE} ${body.length} `), body]);

function request(i: number, forge = false): string {
  const payload = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', i }));
  const sig = sign(null, pae(forge ? Buffer.from('other') : payload), privateKey);
  return JSON.stringify({
    dsseRequestV002: {
      envelope: {
        payload: payload.toString('base64'),
        payloadType: TYPE,
        signatures: [{ sig: sig.toString('base64'), keyid: '' }],
      },
      verifiers: [{ publicKey: { rawBytes: spki }, keyDetails: 'PKIX_ED25519' }],
    },
  });
}

async function post(body: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${url}/api/v2/log/entries`, { method: 'POST', body });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

function refusalOf(body: string): { code: string; message: string; fields?: readonly string[] } {
  try {
    prepareDsseEntry(body);
  } catch (e) {
    if (e instanceof RekorEntryError) return { code: e.code, message: e.message, fields: e.fields };
  }
  throw new Error('expected a refusal');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-prepare-pool-'));
  child = spawn(
    process.execPath,
    [
      SIGIL_BIN,
      'log',
      'serve',
      '--data',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--open-writes',
      '--write-rate',
      '100000000',
      '--verify-workers',
      '2',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^url: (.*)$/m.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
    child.once('exit', (c) => reject(new Error(`log serve exited (${c}): ${err}`)));
  });
});

afterAll(async () => {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
});

describe('sigil log serve with --verify-workers', () => {
  it('logs concurrent requests once each, with the leaf bytes the in-process path makes', async () => {
    const bodies = Array.from({ length: 64 }, (_, i) => request(i));
    const answers = await Promise.all(bodies.map(post));
    const indexes = new Set<string>();
    for (const [i, a] of answers.entries()) {
      expect(a.status, JSON.stringify(a.json)).toBe(201);
      indexes.add(a.json['logIndex'] as string);
      const leaf = Buffer.from(a.json['canonicalizedBody'] as string, 'base64');
      expect(leaf.equals(Buffer.from(prepareDsseEntry(bodies[i]!).body))).toBe(true);
    }
    expect(indexes.size).toBe(64);
    // The same request again: its existing index (200), not a second entry.
    const again = await post(bodies[7]!);
    expect(again.status).toBe(200);
    expect(again.json['logIndex']).toBe(answers[7]!.json['logIndex']);
  });

  it('refuses a forged signature and a malformed body exactly as the in-process path does', async () => {
    const forged = request(1000, true);
    const malformed = '{"dsseRequestV002": {"envelope": 5}}';
    const [f, m, ok] = await Promise.all([post(forged), post(malformed), post(request(1001))]);
    expect(f.status).toBe(400);
    expect(f.json).toEqual(refusalOf(forged));
    expect(f.json['code']).toBe('REKOR_SIGNATURE_INVALID');
    expect(m.status).toBe(400);
    expect(m.json).toEqual(refusalOf(malformed));
    expect(ok.status).toBe(201); // a bad neighbour in the same worker batch changes nothing
  });
});
