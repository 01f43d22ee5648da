// Batch lookups answered from the per-checkpoint record cache (issue 14) must be the
// same documents as freshly built ones, and must move with the checkpoint: after a new
// commit every record carries the new checkpoint and proofs against it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import {
  checkInclusion,
  parseVerifierKey,
  recordHash,
  verifyCheckpoint,
} from '../../src/log/index.js';
import { publishRelease } from '../../src/registry/publish.js';
import { buildRecord } from '../../src/registry/records.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';

let dir: string;
let reg: Registry;
let url: string;
const author = generateKey();

async function publish(name: string, first: boolean): Promise<string> {
  const bytes = Buffer.from(`release ${name}\n`);
  const purl = `pkg:generic/${name}@1.0.0`;
  const ctx = {
    store: reg.store,
    storage: reg.storage,
    log: reg.log,
    registryKey: reg.registryKey,
    baseUrl: url,
    authority: reg.ledger,
    requireAuthorSignature: false,
    now: () => new Date(),
  };
  const keyEvents = first
    ? [
        buildKeyEvent(
          {
            namespace: `pkg:generic/${name}`,
            previous: null,
            action: 'add',
            keys: [author.publicKey],
          },
          [author],
        ).envelope,
      ]
    : [];
  await publishRelease(
    ctx as never,
    {
      filename: `${name}-1.0.0.bin`,
      artifact: bytes,
      bundle: signRelease({ purl, digests: digestBytes(bytes), key: author }),
      keyEvents,
      type: 'generic',
      name,
      version: '1.0.0',
    } as never,
  );
  return purl;
}
const lookup = async (purls: string[]) =>
  (
    await fetch(`${url}/api/v1/releases/lookup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ purls }),
    })
  ).text();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-lookup-cache-'));
  reg = await openRegistry({
    dataDir: dir,
    host: '127.0.0.1',
    port: 0,
    origin: 'lookup.sigil.test/log',
    openWrites: true,
  });
  url = await reg.listen();
});
afterAll(async () => {
  await reg.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('batch lookup from the per-checkpoint record cache', () => {
  it('answers the same document twice, equal to the records built afresh, and follows the checkpoint when it moves', async () => {
    const purls = [await publish('one', true), await publish('two', true)];
    const first = await lookup(purls);
    expect(await lookup(purls)).toBe(first);
    const a = JSON.parse(first) as {
      checkpoint: string;
      records: Record<string, { ledger: { namespace: string; resetInHistory: boolean } }>;
    };
    for (const p of purls) {
      const { namespace, resetInHistory } = a.records[p]!.ledger;
      expect(a.records[p]).toEqual(
        JSON.parse(
          JSON.stringify(
            await buildRecord(
              { log: reg.log, baseUrl: url },
              reg.store.get(p)!,
              a.checkpoint,
              resetInHistory,
              namespace,
            ),
          ),
        ),
      );
    }

    // A miss is not remembered: published later, the purl is found.
    const four = 'pkg:generic/four@1.0.0';
    expect(JSON.parse(await lookup([four])).records[four]).toBeNull();
    await publish('four', true);
    expect(JSON.parse(await lookup([four])).records[four].purl).toBe(four);
    await publish('three', true);
    const b = JSON.parse(await lookup(purls)) as {
      checkpoint: string;
      records: Record<
        string,
        { log: { checkpoint: string; publish: { logIndex: number; hashes: string[] } } }
      >;
    };
    expect(b.checkpoint).not.toBe(a.checkpoint);
    // Row texts are reused across checkpoints, proofs are not: still the freshly built records.
    for (const p of purls) {
      const { namespace, resetInHistory } = a.records[p]!.ledger;
      expect(b.records[p]).toEqual(
        JSON.parse(
          JSON.stringify(
            await buildRecord(
              { log: reg.log, baseUrl: url },
              reg.store.get(p)!,
              b.checkpoint,
              resetInHistory,
              namespace,
            ),
          ),
        ),
      );
    }
    const cp = verifyCheckpoint(b.checkpoint, [parseVerifierKey(reg.log.verifierKey)]);
    if (!cp.ok) throw new Error('the lookup checkpoint does not verify');
    for (const p of purls) {
      const r = b.records[p]!;
      expect(r.log.checkpoint).toBe(b.checkpoint);
      const entry = await reg.log.readEntry(r.log.publish.logIndex);
      const proof: Uint8Array[] = r.log.publish.hashes.map(
        (h) => new Uint8Array(Buffer.from(h, 'base64')),
      );
      expect(
        checkInclusion(
          proof,
          r.log.publish.logIndex,
          cp.checkpoint.size,
          recordHash(entry!),
          cp.checkpoint.hash,
        ).status,
      ).toBe('pass');
    }
  });
});
