// verifyPackageLedger: key events count only when proven in the verified tree, chained from the first
// to the registry's signed head, and every kind of tampering has its own failure code.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { buildLedgerHeads, type LedgerHeadEntry } from '../../src/ledger/head.js';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { parseNote } from '../../src/log/note.js';
import { envelopeLogEntry } from '../../src/log/rekor/envelope-entry.js';
import {
  type LedgerHistory,
  verifyPackageLedger,
  type VerifiedTree,
} from '../../src/client/verified-ledger.js';
import type { DsseEnvelope } from '../../src/core/dsse.js';
import { MemoryLog } from '../helpers/memory-log.js';
import { seededKey, TestLog } from '../ledger/chain.js';

const ORIGIN = 'verified-ledger.test/log';
const registry = generateKey('ecdsa-p256');
const alice = seededKey(1);
const bob = seededKey(2);

/** world logs a scope add, a package add and a revoke, with an unrelated entry between, and answers like the registry. */
async function world() {
  const events = new TestLog();
  const log = new MemoryLog({ origin: ORIGIN });
  const logged: {
    ns: string;
    logIndex: number;
    envelope: DsseEnvelope;
    entry: Uint8Array;
    signer: PrivateKey;
  }[] = [];
  const put = async (ns: string, e: { envelope: unknown }, signer: PrivateKey) => {
    // The leaf as the registry logs it (here with the one signer's signature; the client checks its payload hash).
    const env = e.envelope as DsseEnvelope;
    const entry = envelopeLogEntry(
      { ...env, signatures: env.signatures.filter((s) => s.keyid === signer.publicKey.keyId) },
      signer.publicKey,
    );
    const { index } = await log.append(entry);
    logged.push({ ns, logIndex: index, envelope: e.envelope as DsseEnvelope, entry, signer });
  };
  await put(
    'pkg:npm/%40acme/*',
    events.event({ action: 'add', namespace: 'pkg:npm/%40acme/*', keys: [bob.publicKey] }, [bob]),
    bob,
  );
  await log.append(new TextEncoder().encode('an unrelated entry'));
  await put(
    'pkg:npm/%40acme/widget',
    events.event({ action: 'add', namespace: 'pkg:npm/%40acme/widget', keys: [alice.publicKey] }, [
      alice,
      bob,
    ]),
    alice,
  );
  await put(
    'pkg:npm/%40acme/widget',
    events.event(
      {
        action: 'revoke',
        namespace: 'pkg:npm/%40acme/widget',
        keyId: alice.publicKey.keyId,
        compromisedSince: 2,
      },
      [alice],
    ),
    alice,
  );
  const cp = parseCheckpoint(parseNote(await log.latestCheckpoint()).text);
  const tree: VerifiedTree = { origin: ORIGIN, size: cp.size, hash: cp.hash };
  const answer = async (treeSize = cp.size) => {
    const heads: Record<string, LedgerHeadEntry> = {};
    const histories = new Map<string, LedgerHistory>();
    for (const ns of ['pkg:npm/%40acme/widget', 'pkg:npm/%40acme/*']) {
      const mine = logged.filter((l) => l.ns === ns && l.logIndex < treeSize);
      const last = mine[mine.length - 1];
      heads[ns] = {
        events: mine.length,
        head: last ? { logIndex: last.logIndex, digest: digestOf(last.envelope) } : null,
      };
      histories.set(ns, {
        treeSize,
        events: await Promise.all(
          mine.map(async (l) => ({
            logIndex: l.logIndex,
            envelope: l.envelope,
            entry: Buffer.from(l.entry).toString('base64'),
            hashes: (await log.inclusionProof(l.logIndex, treeSize)).map((h) =>
              Buffer.from(h).toString('base64'),
            ),
          })),
        ),
      });
    }
    const statement = buildLedgerHeads({ origin: ORIGIN, treeSize, heads }, registry);
    for (const [ns, h] of histories) histories.set(ns, { ...h, head: statement });
    return histories;
  };
  return { tree, answer, log };
}

function digestOf(envelope: DsseEnvelope): string {
  return createHash('sha256').update(Buffer.from(envelope.payload, 'base64')).digest('hex');
}

const PKG = 'pkg:npm/%40acme/widget';

describe('verifyPackageLedger', () => {
  it('replays the package and its scope when everything is proven, and honours the compromise', async () => {
    const { tree, answer } = await world();
    const v = verifyPackageLedger(PKG, await answer(), tree, [registry.publicKey]);
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.since).toBe(0);
    expect(v.ledger.authorisedAt(PKG, alice.publicKey.keyId, 3).code).toBe('KEY_COMPROMISED');
  });

  it('every tampering fails with its own code', async () => {
    const { tree, answer } = await world();
    const cases: [string, (h: Map<string, LedgerHistory>) => void, string][] = [
      [
        'revoke withheld',
        (h) => void h.set(PKG, { ...h.get(PKG)!, events: h.get(PKG)!.events.slice(0, 1) }),
        'LEDGER_EVENTS_WITHHELD',
      ],
      [
        'add withheld (chain broken)',
        (h) => void h.set(PKG, { ...h.get(PKG)!, events: h.get(PKG)!.events.slice(1) }),
        'LEDGER_EVENT_REJECTED',
      ],
      ['scope history missing', (h) => void h.delete('pkg:npm/%40acme/*'), 'LEDGER_HEAD_MISSING'],
      [
        'heads not signed by the registry',
        (h) =>
          void h.set(PKG, {
            ...h.get(PKG)!,
            head: buildLedgerHeads(
              { origin: ORIGIN, treeSize: tree.size, heads: {} },
              generateKey('ecdsa-p256'),
            ),
          }),
        'LEDGER_HEAD_UNSIGNED',
      ],
      [
        'leaf of another entry',
        (h) => {
          const [a, b] = h.get(PKG)!.events;
          h.set(PKG, { ...h.get(PKG)!, events: [{ ...a!, entry: b!.entry }, b!] });
        },
        'LEDGER_EVENT_UNPROVEN',
      ],
      [
        'proof missing',
        (h) =>
          void h.set(PKG, {
            ...h.get(PKG)!,
            events: h.get(PKG)!.events.map(({ hashes: _, ...e }) => e),
          }),
        'LEDGER_EVENT_UNPROVEN',
      ],
      [
        'garbage head',
        (h) => void h.set(PKG, { ...h.get(PKG)!, head: 'x' }),
        'LEDGER_HEAD_INVALID',
      ],
    ];
    for (const [what, tamper, code] of cases) {
      const h = await answer();
      tamper(h);
      const v = verifyPackageLedger(PKG, h, tree, [registry.publicKey]);
      expect(v.ok, what).toBe(false);
      if (!v.ok) expect(v.code, what).toBe(code);
    }
  });

  it('an answer for an older tree (before the revoke) is refused against the newer checkpoint', async () => {
    const { tree, answer } = await world();
    const v = verifyPackageLedger(PKG, await answer(tree.size - 1), tree, [registry.publicKey]);
    expect(v).toMatchObject({ ok: false, code: 'LEDGER_HEAD_MISMATCH' });
  });
});
