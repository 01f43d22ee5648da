/**
 * LedgerAuthority: the key ledger as the registry uses it. Key events are
 * judged by the same pure replay every verifier runs (src/ledger), logged
 * as dsse entries, and kept in the registry database for replay at start-up.
 * Key events are serialised (one at a time) so the index an event is judged
 * at is the index it gets among key events — within the process by a queue,
 * across replicas by the journal's turn. With a shared journal (replicas),
 * the ledger catches up with what other replicas logged before it answers
 * `keysFor` and before it judges (key-event-journal.ts).
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
import { KeyEventStore } from '../store/registry/key-events.js';
import { type KeyEventJournal, type KeyEventTurn, storeJournal } from './key-event-journal.js';
import type { AuthorKeyAuthority, KeyEventPlan, NamespaceKeys } from './authority.js';
import { RegistryError } from './errors.js';
import { releaseKeyOf } from '../ecosystems/release-key.js';
import { nameTaken } from './release-keys.js';
import { keyDetailsOf } from '../log/rekor/envelope-entry.js';
import { checkpointSize } from './records.js';

export class LedgerAuthority implements AuthorKeyAuthority {
  readonly ledger: Ledger;
  private queue: Promise<unknown> = Promise.resolve();
  /** The highest log index of a key event applied to `ledger` (-1: none). */
  private appliedThrough = -1;
  private catchingUp: Promise<void> = Promise.resolve();

  /** Package key (src/ecosystems/release-key.ts) → the spelling of the package namespace that has a ledger. */
  private readonly spellings = new Map<string, string>();

  constructor(
    private readonly log: TransparencyLog,
    private readonly events: KeyEventJournal,
    private readonly registryKeys: readonly PublicKey[],
    /** How the releases spell a package (by package key), so a ledger never starts under another spelling. */
    private readonly releaseSpelling: (
      packageKey: string,
    ) => string | undefined | Promise<string | undefined> = () => undefined,
  ) {
    this.ledger = new Ledger({ registryKeys });
  }

  /** open replays the stored events and finishes any a crash left pending. */
  static async open(
    log: TransparencyLog,
    events: KeyEventStore | KeyEventJournal,
    registryKeys: readonly PublicKey[],
    releaseSpelling?: (packageKey: string) => string | undefined | Promise<string | undefined>,
  ): Promise<LedgerAuthority> {
    const journal = events instanceof KeyEventStore ? storeJournal(events) : events;
    const a = new LedgerAuthority(log, journal, registryKeys, releaseSpelling);
    const turn = await journal.turn(); // replicas: no other one is judging while pending events are finished
    try {
      await a.finishPending();
      await a.catchUp();
    } finally {
      await turn.end();
    }
    return a;
  }

  /** finishPending (re)appends the events a crash left staged: the log returns the index an entry already has. */
  private async finishPending(): Promise<void> {
    for (const row of await this.events.pending()) {
      const r = await this.log.append(row.entry);
      await this.events.complete(row.id, r.index);
    }
  }

  /** catchUp applies the logged events this process has not applied yet (other replicas', or all at open). */
  private catchUp(): Promise<void> {
    // One at a time (two would apply the same rows twice), and each reads after it was asked
    // for: joining a read already running could miss what the caller must see (events logged
    // just before the caller took its turn).
    const next = this.catchingUp.then(async () => {
      for (const row of await this.events.loggedAfter(this.appliedThrough))
        if (row.logIndex! > this.appliedThrough)
          this.applied(
            this.ledger.apply({ logIndex: row.logIndex!, envelope: JSON.parse(row.envelope) }),
          );
    });
    this.catchingUp = next.catch(() => undefined);
    return next;
  }

  /** refresh: with replicas, catch up with what the others logged; alone, the ledger is always current. */
  async refresh(): Promise<void> {
    if (this.events.shared) await this.catchUp();
  }

  private applied(h: HistoryEntry): HistoryEntry {
    if (h.logIndex > this.appliedThrough) this.appliedThrough = h.logIndex;
    if (h.status === 'applied' && h.namespace !== undefined && !h.namespace.endsWith('/*')) {
      const k = packageKeyOf(h.namespace);
      if (k !== undefined && !this.spellings.has(k)) this.spellings.set(k, h.namespace);
    }
    return h;
  }

  spellingOf(packageKey: string): string | undefined {
    return this.spellings.get(packageKey);
  }

  /**
   * ledgerSpelling folds a package namespace the way releases fold names
   * (src/ecosystems/release-key.ts): any spelling of a package that has a
   * ledger here answers with the spelling that ledger lives under (PyPI
   * `zope.interface` → `pkg:pypi/zope-interface`). Scopes, unreadable names and
   * packages without a ledger come back as asked.
   */
  ledgerSpelling(namespace: string): string {
    if (namespace.endsWith('/*')) return namespace;
    const k = packageKeyOf(namespace);
    return (k === undefined ? undefined : this.spellings.get(k)) ?? namespace;
  }

  /**
   * logSize is the index the next entry gets at the earliest. The signed checkpoint can trail
   * what is already sequenced (on replicas another process integrates), so it is never below
   * one past the last event this ledger applied: judging at a stale size would place the event
   * before its predecessor.
   */
  private async logSize(): Promise<number> {
    return Math.max(checkpointSize(await this.log.latestCheckpoint()), this.appliedThrough + 1);
  }

  async keysFor(packagePurl: string): Promise<NamespaceKeys> {
    await this.refresh();
    return keysOn(this.ledger, packagePurl, await this.logSize());
  }

  history(namespace: string): readonly HistoryEntry[] {
    return this.ledger.history(namespace);
  }

  /** eventsOf lists the stored events of a namespace (envelopes and indexes), for the read API. */
  async loggedEvents(namespace: string): Promise<{ logIndex: number; envelope: DsseEnvelope }[]> {
    await this.refresh(); // replicas: history() answers from the ledger this caught up
    return (await this.events.loggedFor(namespace)).map((r) => ({
      logIndex: r.logIndex!,
      envelope: JSON.parse(r.envelope) as DsseEnvelope,
    }));
  }

  /** loggedRows lists a namespace's own logged events with their log leaves (for proven ledger answers). */
  async loggedRows(
    namespace: string,
  ): Promise<{ logIndex: number; envelope: DsseEnvelope; entry: Uint8Array }[]> {
    return (await this.events.loggedFor(namespace)).map((r) => ({
      logIndex: r.logIndex!,
      envelope: JSON.parse(r.envelope) as DsseEnvelope,
      entry: r.entry,
    }));
  }

  submitKeyEvent(envelope: DsseEnvelope): Promise<{ logIndex: number; namespace: string }> {
    return this.withKeyEvents([envelope], async (plan) => {
      await plan.stage();
      try {
        const [logIndex] = await plan.commit();
        return { logIndex: logIndex!, namespace: plan.namespaces[0]! };
      } finally {
        await plan.discard();
      }
    });
  }

  withKeyEvents<T>(
    envelopes: readonly DsseEnvelope[],
    run: (plan: KeyEventPlan) => Promise<T>,
  ): Promise<T> {
    if (envelopes.length === 0) {
      // Nothing to serialise: answer from the live ledger at the size when asked.
      return this.refresh()
        .then(() => this.logSize())
        .then((size) =>
          run({
            namespaces: [],
            keysFor: (p) => keysOn(this.ledger, p, size),
            stage: async () => undefined,
            commit: async () => [],
            logged: () => false,
            discard: async () => undefined,
          }),
        );
    }
    // Exclusive until the events are applied to the ledger (commit) or the run settles: the
    // release's own log appends after the commit need not hold up other key events.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const run2 = this.queue.then(async () => {
      let turn: KeyEventTurn | undefined;
      try {
        // Across replicas: one judges at a time, on the ledger with everything logged so far.
        turn = await this.events.turn();
        if (this.events.shared) {
          await this.finishPending(); // a replica that died mid-commit left them: they may be in the log
          await this.catchUp();
        }
        const mine = turn;
        return await run(
          await this.plan(envelopes, mine, () => {
            open();
            void mine.end(); // the events are applied here: other replicas may judge theirs
          }),
        );
      } finally {
        open();
        await turn?.end(); // ending a turn twice is harmless
      }
    });
    this.queue = Promise.race([
      run2.then(
        () => undefined,
        () => undefined,
      ),
      gate,
    ]);
    return run2;
  }

  /** plan judges the events one after another on a fork of the ledger, as if logged at the next indexes. */
  private async plan(
    envelopes: readonly DsseEnvelope[],
    turn: KeyEventTurn,
    unlock: () => void,
  ): Promise<KeyEventPlan> {
    const size = await this.logSize();
    const fork = this.ledger.fork();
    const judged: { envelope: DsseEnvelope; namespace: string; entry: Uint8Array }[] = [];
    for (const [i, envelope] of envelopes.entries()) {
      const which = envelopes.length > 1 ? ` (keyEvents[${i}])` : '';
      const parsed = parseKeyEventEnvelope(envelope);
      if (!parsed.ok)
        throw new RegistryError(
          400,
          `KEY_EVENT_${parsed.code}`,
          `key event refused${which}: ${parsed.reason}`,
        );
      // The leaf is the dsse entry with the public key of every signer that counted (judged before applying).
      const known = new Map<string, PublicKey>();
      const ns = parsed.value.statement.predicate.namespace;
      // One package, one spelling: a ledger never starts under another spelling of a package
      // that has releases or a ledger here (NuGet `acme.lib` beside `Acme.Lib`, issue 11 item 13).
      if (!ns.endsWith('/*')) {
        const k = packageKeyOf(ns);
        const spelled =
          k === undefined ? undefined : (this.spellings.get(k) ?? (await this.releaseSpelling(k)));
        if (spelled !== undefined && spelled !== ns) throw nameTaken(ns, spelled);
      }
      for (const k of [
        ...fork.keys(ns).map((x) => x.publicKey),
        ...parsed.value.keys,
        ...this.registryKeys,
      ])
        known.set(k.keyId, k);
      const governing = fork.ledgerFor(ns, size + i);
      if (governing && governing !== ns)
        for (const x of fork.keys(governing)) known.set(x.keyId, x.publicKey);
      if (ns.endsWith('/*'))
        for (const inner of fork.namespaces())
          if (inner.startsWith(ns.slice(0, -1)))
            for (const x of fork.keys(inner)) known.set(x.keyId, x.publicKey);
      const h = fork.apply({ logIndex: size + i, envelope });
      if (h.status !== 'applied') {
        throw new RegistryError(
          403,
          `KEY_EVENT_${h.code}`,
          `key event refused${which}: ${h.reason}`,
          undefined,
          { checks: h.checks },
        );
      }
      const counted = new Set(h.signers);
      const signers = h.signers
        .map((id) => known.get(id))
        .filter((k): k is PublicKey => k !== undefined);
      const entry = dsseLogEntry({
        payload: parsed.value.payload,
        payloadType: envelope.payloadType,
        signatures: envelope.signatures
          .filter((x) => counted.has(x.keyid))
          .map((x, j) => ({
            sig: decodeBase64Strict(x.sig, `signatures[${j}].sig`),
            keyid: x.keyid,
          })),
        verifiers: signers.map((k) => ({
          kind: 'publicKey' as const,
          rawBytes: spkiDer(k.key),
          keyDetails: keyDetailsOf(k),
          key: k.key,
        })),
      }).body;
      judged.push({ envelope, namespace: h.namespace!, entry });
    }
    const after = size + envelopes.length;
    const staged: number[] = [];
    let logged = 0;
    return {
      namespaces: judged.map((j) => j.namespace),
      keysFor: (p) => keysOn(fork, p, after),
      stage: async () => {
        for (const j of judged)
          staged.push(
            await turn.insertPending(j.namespace, JSON.stringify(j.envelope), j.entry), // fails once the turn is lost
          );
      },
      commit: async () => {
        if (staged.length !== judged.length) throw new Error('ledger: commit before stage'); // internal bug
        const indexes: number[] = [];
        // One after another: each event's index must be below the next one's (the chain, and authorisation "added before I").
        for (const [i, j] of judged.entries()) {
          let index: number;
          try {
            index = (await this.log.append(j.entry)).index;
          } catch (e) {
            if (e instanceof PushbackError)
              throw new RegistryError(503, 'LOG_BUSY', e.message, undefined, {
                retryAfterSeconds: e.retryAfterSeconds,
              });
            throw e;
          }
          await this.events.complete(staged[i]!, index);
          logged = i + 1;
          const applied = this.applied(
            this.ledger.apply({ logIndex: index, envelope: j.envelope }),
          );
          if (applied.status !== 'applied')
            throw new Error(
              `ledger: event judged applicable at ${size + i} was ${applied.status} at ${index}: ${applied.reason}`,
            ); // internal bug
          indexes.push(index);
        }
        unlock(); // the ledger now holds the events: the next key event may be judged
        return indexes;
      },
      logged: () => logged > 0,
      discard: async () => {
        for (const id of staged.slice(logged)) await this.events.remove(id);
      },
    };
  }
}

/** packageKeyOf is the package key of a package namespace, undefined when it cannot be read. */
function packageKeyOf(namespace: string): string | undefined {
  try {
    return releaseKeyOf(namespace).package;
  } catch {
    return undefined;
  }
}

/** keysOn answers keysFor on one ledger state at one log size. */
function keysOn(ledger: Ledger, packagePurl: string, size: number): NamespaceKeys {
  const ledgerId = ledger.ledgerFor(packagePurl, size);
  if (ledgerId === undefined)
    return {
      namespace: packagePurl,
      keys: [],
      resetInHistory: false,
      hasLedger: false,
      head: null,
    };
  const keys = ledger
    .keys(ledgerId)
    .filter((k) => ledger.authorisedAt(packagePurl, k.keyId, size).allowed)
    .map((k) => k.publicKey);
  const applied = ledger.history(ledgerId).filter((e) => e.status === 'applied');
  const resetInHistory = applied.some((e) => e.reset);
  const last = applied[applied.length - 1];
  return {
    namespace: ledgerId,
    keys,
    resetInHistory,
    hasLedger: true,
    head: last?.digest ? { logIndex: last.logIndex, digest: last.digest } : null,
  };
}
