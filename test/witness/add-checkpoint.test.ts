// litewitness's add-checkpoint conformance cases (testdata/litewitness-add-checkpoint.json, with
// their origin) and the C2SP worked examples, against the real HTTP witness (fastify inject) over
// its SQLite store.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
} from '../../src/log/add-checkpoint.js';
import { parseCosignatureLines, verifiedCosignatures } from '../../src/log/cosignature.js';
import {
  cosignatureTimestamp,
  formatVerifierKey,
  noteVerifier,
  parseVerifierKey,
  SIG_ED25519,
} from '../../src/log/note-key.js';
import { parseNote } from '../../src/log/note.js';
import { createWitnessKey } from '../../src/witness/key.js';
import { createWitnessServer, originHash } from '../../src/witness/server.js';
import { WitnessStore } from '../../src/witness/store.js';

interface Vectors {
  origin: string;
  logPublicKeyHex: string;
  cases: { expect: number; litewitnessStatus: number; bodyAssert: string; request: string }[];
}
const vectors = JSON.parse(
  readFileSync(new URL('./testdata/litewitness-add-checkpoint.json', import.meta.url), 'utf8'),
) as Vectors;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function witness() {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-witness-'));
  dirs.push(dir);
  const key = await createWitnessKey(dir, 'example.com/witness', 'pw', {
    now: () => 1_700_000_000n,
  });
  const store = new WitnessStore(dir);
  const app = createWitnessServer({ store, key });
  return { dir, key, store, app };
}

describe('litewitness add-checkpoint vectors', () => {
  it('the log key of the vectors is the Sigsum log named by its origin', () => {
    const v = noteVerifier(
      vectors.origin,
      SIG_ED25519,
      Buffer.from(vectors.logPublicKeyHex, 'hex'),
    );
    expect(v.name).toBe(vectors.origin);
  });

  it('answers every case with the spec status, in order, over HTTP', async () => {
    const w = await witness();
    w.store.addLog(
      formatVerifierKey(
        noteVerifier(vectors.origin, SIG_ED25519, Buffer.from(vectors.logPublicKeyHex, 'hex')),
      ),
    );
    const statuses: number[] = [];
    for (const c of vectors.cases) {
      const r = await w.app.inject({
        method: 'POST',
        url: '/add-checkpoint',
        payload: c.request,
        headers: { 'content-type': 'text/plain' },
      });
      statuses.push(r.statusCode);
      if (c.expect === 200) {
        expect(r.body).toContain('— example.com/witness');
        const sigs = parseCosignatureLines(r.body);
        const note = `${parseNote(parseAddCheckpointRequest(c.request).checkpoint).text}\n${r.body}`;
        expect(
          verifiedCosignatures(note, [parseVerifierKey(w.key.vkey)]).valid.map((s) => s.timestamp),
        ).toEqual([1_700_000_000]);
        expect(sigs).toHaveLength(1);
      }
      if (c.expect === 409) {
        expect(r.headers['content-type']).toMatch(/^text\/x\.tlog\.size/);
        expect(r.body).toBe(c.bodyAssert);
      }
    }
    expect(statuses).toEqual(vectors.cases.map((c) => c.expect));
    // The monitoring endpoint serves the latest cosigned checkpoint: the log's signature and ours.
    const m = await w.app.inject({
      method: 'GET',
      url: `/${originHash(vectors.origin)}/checkpoint`,
    });
    expect(m.statusCode).toBe(200);
    expect(m.body).toMatch(new RegExp(`^${vectors.origin.replace(/[/.]/g, '\\$&')}\n5\n`));
    expect(m.body).toContain('— example.com/witness ');
    expect(m.body).toContain(`— ${vectors.origin} `);
    expect(
      (await w.app.inject({ method: 'GET', url: `/${originHash('nope')}/checkpoint` })).statusCode,
    ).toBe(404);
    await w.app.close();
    w.store.close();
  });

  it('state survives a restart: after reopening, a stale old size is a 409 naming 5', async () => {
    const w = await witness();
    w.store.addLog(
      formatVerifierKey(
        noteVerifier(vectors.origin, SIG_ED25519, Buffer.from(vectors.logPublicKeyHex, 'hex')),
      ),
    );
    for (const c of vectors.cases)
      w.store.addCheckpoint(parseAddCheckpointRequest(c.request), w.key.signer);
    w.store.close();
    const again = new WitnessStore(w.dir);
    expect(again.latest(vectors.origin)?.size).toBe(5);
    const r = again.addCheckpoint(
      parseAddCheckpointRequest(vectors.cases[0]!.request),
      w.key.signer,
    );
    expect(r).toMatchObject({ ok: false, status: 409, latestSize: 5 });
    again.close();
  });

  it('malformed requests are 400 with a reason, never a crash', async () => {
    const w = await witness();
    for (const body of [
      '',
      'old\n\n',
      'old 01\n\nx\n',
      'old 1\nnot base64!\n\nx\n',
      `old 1\n${'KgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n'.repeat(64)}\nx\n`,
      'old 0\n\n',
    ]) {
      const r = await w.app.inject({
        method: 'POST',
        url: '/add-checkpoint',
        payload: body,
        headers: { 'content-type': 'text/plain' },
      });
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
    }
    await w.app.close();
    w.store.close();
  });
});

describe('C2SP worked examples', () => {
  it('tlog-witness: the example request body round-trips', () => {
    const body = `old 20852014
PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
jrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=
5+pKlUdi2LeF/BcMHBn+Ku6yhPGNCswZZD1X/6QgPd8=
/6WVhPs2CwSsb5rYBH5cjHV/wSmA79abXAwhXw3Kj/0=

example.com/behind-the-sofa
20852163
CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
— example.com/behind-the-sofa opLqBQsREYCgu6xQkYQwJr9fo45a62DN9EdmHXnZdXNqlcVGlCum2Wks+49/V6267UEjw6QUXTS5Rovnzv++qbSzm9Q=
`;
    const r = parseAddCheckpointRequest(body);
    expect(r.oldSize).toBe(20852014);
    expect(r.proof).toHaveLength(4);
    expect(formatAddCheckpointRequest(r)).toBe(body);
  });

  it('tlog-cosignature: the example cosignature carries timestamp 1679315147', () => {
    const [sig] = parseCosignatureLines(
      '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n',
    );
    expect(sig!.keyId).toBe(0x8d66cf3f);
    expect(cosignatureTimestamp(sig!.signature)).toBe(1679315147n);
  });
});
