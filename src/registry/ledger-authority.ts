/**
 * LedgerAuthority: the key ledger as the registry uses it. Key events are
 * judged by the same pure replay every verifier runs (src/ledger), logged
 * as dsse entries, and kept in the registry database for replay at start-up.
 * Key events are serialised (one at a time) so the index an event is judged
 * at is the index it gets among key events.
 */
import type { DsseEnvelope } from '../core/dsse.js';
import type { PublicKey } from '../core/keys.js';
import { parseKeyEventEnvelope } from '../ledger/event.js';
import { Ledger, type HistoryEntry } from '../ledger/replay.js';
import type { TransparencyLog } from '../log/service.js';
import { PushbackError } from '../log/service.js';
import { dsseLogEntry } from '../log/rekor/dsse-entry.js';
import { decodeBase64Strict } from '../core/dsse.js';
import { spkiDer } from '../core/keys.js';
import type { KeyEventStore } from '../store/registry/key-events.js';
import type { AuthorKeyAuthority, NamespaceKeys } from './authority.js';
import { RegistryError } from './errors.js';
import { keyDetailsOf } from './log-entries.js';
import { checkpointSize } from './records.js';

export class LedgerAuthority implements AuthorKeyAuthority {
  readonly ledger: Ledger;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly log: TransparencyLog,
    private readonly events: KeyEventStore,
    private readonly registryKeys: readonly PublicKey[],
  ) {
    this.ledger = new Ledger({ registryKeys });
  }

  /** open replays the stored events and finishes any a crash left pending. */
  static async open(log: TransparencyLog, events: KeyEventStore, registryKeys: readonly PublicKey[]): Promise<LedgerAuthority> {
    const a = new LedgerAuthority(log, events, registryKeys);
    for (const row of events.pending()) {
      const r = await log.append(row.entry);
      events.complete(row.id, r.index);
    }
    for (const row of events.logged()) a.ledger.apply({ logIndex: row.logIndex!, envelope: JSON.parse(row.envelope) });
    return a;
  }

  private async logSize(): Promise<number> {
    return checkpointSize(await this.log.latestCheckpoint());
  }

  async keysFor(packagePurl: string): Promise<NamespaceKeys> {
    const size = await this.logSize();
    const ledgerId = this.ledger.ledgerFor(packagePurl, size);
    if (ledgerId === undefined) return { namespace: packagePurl, keys: [], resetInHistory: false, head: null };
    const keys = this.ledger
      .keys(ledgerId)
      .filter((k) => this.ledger.authorisedAt(packagePurl, k.keyId, size).allowed)
      .map((k) => k.publicKey);
    const applied = this.ledger.history(ledgerId).filter((e) => e.status === 'applied');
    const resetInHistory = applied.some((e) => e.reset);
    const last = applied[applied.length - 1];
    return { namespace: ledgerId, keys, resetInHistory, head: last?.digest ? { logIndex: last.logIndex, digest: last.digest } : null };
  }

  history(namespace: string): readonly HistoryEntry[] {
    return this.ledger.history(namespace);
  }

  /** eventsOf lists the stored events of a namespace (envelopes and indexes), for the read API. */
  loggedEvents(namespace: string): { logIndex: number; envelope: DsseEnvelope }[] {
    return this.events
      .loggedFor(namespace)
      .map((r) => ({ logIndex: r.logIndex!, envelope: JSON.parse(r.envelope) as DsseEnvelope }));
  }

  /** loggedRows lists a namespace's own logged events with their log leaves (for proven ledger answers). */
  loggedRows(namespace: string): { logIndex: number; envelope: DsseEnvelope; entry: Uint8Array }[] {
    return this.events.loggedFor(namespace).map((r) => ({ logIndex: r.logIndex!, envelope: JSON.parse(r.envelope) as DsseEnvelope, entry: r.entry }));
  }

  submitKeyEvent(envelope: DsseEnvelope): Promise<{ logIndex: number; namespace: string }> {
    const run = this.queue.then(() => this.submitNow(envelope));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async submitNow(envelope: DsseEnvelope): Promise<{ logIndex: number; namespace: string }> {
    const parsed = parseKeyEventEnvelope(envelope);
    if (!parsed.ok) throw new RegistryError(400, `KEY_EVENT_${parsed.code}`, `key event refused: ${parsed.reason}`);
    const size = await this.logSize();
    const judged = this.ledger.check(envelope, size);
    if (judged.status !== 'applied') {
      throw new RegistryError(403, `KEY_EVENT_${judged.code}`, `key event refused: ${judged.reason}`, undefined, { checks: judged.checks });
    }
    const namespace = judged.namespace!;
    // The leaf is the dsse entry with the public key of every signer that counted.
    const known = new Map<string, PublicKey>();
    for (const k of [...this.ledger.keys(namespace).map((s) => s.publicKey), ...parsed.value.keys, ...this.registryKeys]) known.set(k.keyId, k);
    const ledgerId = this.ledger.ledgerFor(namespace, size);
    if (ledgerId && ledgerId !== namespace) for (const s of this.ledger.keys(ledgerId)) known.set(s.keyId, s.publicKey);
    const signers = judged.signers.map((id) => known.get(id)).filter((k): k is PublicKey => k !== undefined);
    const counted = new Set(judged.signers);
    const entry = dsseLogEntry({
      payload: parsed.value.payload,
      payloadType: envelope.payloadType,
      signatures: envelope.signatures.filter((s) => counted.has(s.keyid)).map((s, i) => ({ sig: decodeBase64Strict(s.sig, `signatures[${i}].sig`), keyid: s.keyid })),
      verifiers: signers.map((k) => ({ kind: 'publicKey' as const, rawBytes: spkiDer(k.key), keyDetails: keyDetailsOf(k), key: k.key })),
    }).body;
    const id = this.events.insertPending(namespace, JSON.stringify(envelope), entry);
    let index: number;
    try {
      index = (await this.log.append(entry)).index;
    } catch (e) {
      this.events.remove(id);
      if (e instanceof PushbackError) throw new RegistryError(503, 'LOG_BUSY', e.message, undefined, { retryAfterSeconds: e.retryAfterSeconds });
      throw e;
    }
    this.events.complete(id, index);
    const applied = this.ledger.apply({ logIndex: index, envelope });
    if (applied.status !== 'applied') throw new Error(`ledger: event judged applicable at ${size} was ${applied.status} at ${index}: ${applied.reason}`); // internal bug
    return { logIndex: index, namespace };
  }
}
