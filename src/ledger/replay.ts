/**
 * Ledger replay: from the ordered key events of a log to "who may sign what,
 * when" (docs/ledger.md). The model is Gossamer's (paragonie/libgossamer,
 * docs/specification/Protocol.md): replay is deterministic, every keystore
 * ends in the same state, and a record that breaks an authorisation rule is
 * never applied. Unlike Gossamer, a bad record does not halt replay: it is
 * kept in the history as `rejected` with its code and reason, and the next
 * record is judged on its own.
 *
 * Replay trusts nothing in the log but the registry keys it is given: the
 * registry refuses to log bad events, but a log written by a compromised or
 * buggy registry must replay to the same answers.
 *
 * Results are data. Nothing here throws for bad input; a throw is a bug.
 */
import { verifyEnvelope } from '../core/dsse.js';
import type { KeyAlgorithm, PublicKey } from '../core/keys.js';
import { fail, pass, warn, type Check } from '../core/verdict.js';
import {
  parseKeyEventEnvelope,
  type KeyEvent,
  type KeyEventAction,
  type ParsedKeyEvent,
} from './event.js';
import { ForkMap } from './fork-map.js';
import { parseNamespace, scopeOf, type Namespace } from './namespace.js';

/** LogEntry is one key event as the log holds it: its index and the envelope (JSON text, bytes or object). */
export interface LogEntry {
  readonly logIndex: number;
  readonly envelope: unknown;
}

/** ReplayOptions are replay's trust inputs. */
export interface ReplayOptions {
  /** Keys of the registry: the only keys that may sign a `reset`. Without them every reset is rejected. */
  readonly registryKeys?: readonly PublicKey[];
}

/** LedgerCode is the outcome of one event. Public API: keep stable. */
export type LedgerCode =
  | 'EVENT_APPLIED'
  | 'ENVELOPE_INVALID'
  | 'EVENT_INVALID'
  | 'LOG_INDEX_INVALID'
  | 'EVENT_REPLAYED'
  | 'CHAIN_BROKEN'
  | 'FIRST_EVENT_NOT_ADD'
  | 'TOFU_NOT_SELF_SIGNED'
  | 'SCOPE_SIGNATURE_REQUIRED'
  | 'SCOPE_COVERS_LEDGER'
  | 'SIGNER_NOT_AUTHORISED'
  | 'THRESHOLD_NOT_MET'
  | 'RESET_NOT_REGISTRY_SIGNED'
  | 'KEY_ALREADY_AUTHORISED'
  | 'KEY_PREVIOUSLY_REMOVED'
  | 'KEY_NOT_FOUND'
  | 'KEY_ALREADY_REVOKED'
  | 'THRESHOLD_INVALID'
  | 'COMPROMISE_INDEX_INVALID';

/** HistoryEntry is one event as replay judged it. */
export interface HistoryEntry {
  readonly logIndex: number;
  readonly status: 'applied' | 'rejected';
  readonly code: LedgerCode;
  readonly reason: string;
  /** The event's namespace, when the payload was readable enough to say. */
  readonly namespace: string | undefined;
  readonly action: KeyEventAction | undefined;
  /** eventDigest of the payload (the chain link), when decodable. */
  readonly digest: string | undefined;
  /** Key ids whose signatures verified and counted toward authorisation. */
  readonly signers: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** The namespace's first event: its keys are trusted on first use. */
  readonly firstUse: boolean;
  /** A registry-forced reset: verifiers must flag it. */
  readonly reset: boolean;
  readonly warnings: readonly string[];
  /** The steps of the judgement, each a verdict Check (the failing one last). */
  readonly checks: readonly Check[];
}

/** AuthorisationCode answers authorisedAt. Public API: keep stable. */
export type AuthorisationCode =
  | 'KEY_AUTHORISED'
  | 'KEY_UNKNOWN'
  | 'KEY_NOT_YET_ADDED'
  | 'KEY_REVOKED'
  | 'KEY_ROTATED_OUT'
  | 'KEY_REMOVED_BY_RESET'
  | 'KEY_COMPROMISED'
  | 'NAMESPACE_UNKNOWN'
  | 'NAMESPACE_INVALID'
  | 'LOG_INDEX_INVALID';

/** Authorisation answers "was key K allowed to sign for namespace N at log index I, and why". */
export interface Authorisation {
  readonly allowed: boolean;
  readonly code: AuthorisationCode;
  readonly reason: string;
  /** Log indices of the events the answer rests on (the add, the removal, resets). */
  readonly via: readonly number[];
  /** The answering ledger had a registry reset before I: verifiers must flag it. */
  readonly reset: boolean;
  /** The key was established by the namespace's first event (trust on first use). */
  readonly firstUse: boolean;
  /** The namespace asked about, canonical. */
  readonly namespace: string;
  /** The namespace whose ledger answered: the package's own, or its scope's. */
  readonly ledger: string | undefined;
  readonly keyId: string;
  readonly logIndex: number;
  /** The answer as a verdict check named "key-authorised" (warn when allowed only through a reset). */
  readonly check: Check;
}

/** KeyStatus is one key of a ledger, for listings. */
export interface KeyStatus {
  readonly keyId: string;
  readonly algorithm: KeyAlgorithm;
  readonly publicKey: PublicKey;
  readonly addedAt: number;
  readonly firstUse: boolean;
  readonly viaReset: boolean;
  readonly removedAt: number | undefined;
  readonly removal: 'revoke' | 'rotate' | 'reset' | undefined;
  readonly compromisedSince: number | undefined;
}

interface KeyRecord extends KeyStatus {
  /** Index of the event that set compromisedSince (for `via`). */
  readonly compromiseAt: number | undefined;
}

interface NamespaceState {
  readonly ns: Namespace;
  readonly firstIndex: number;
  readonly head: string;
  readonly digests: ReadonlySet<string>;
  readonly keys: ReadonlyMap<string, KeyRecord>;
  readonly threshold: number;
  readonly resets: readonly number[];
}

const LIVE = (r: KeyRecord): boolean => r.removedAt === undefined;

/** REMOVAL_ANSWER: how a key lookup names a key removed by each kind of event. */
const REMOVAL_ANSWER = {
  rotate: { code: 'KEY_ROTATED_OUT', verb: 'rotated out' },
  reset: { code: 'KEY_REMOVED_BY_RESET', verb: 'removed by a registry reset' },
  revoke: { code: 'KEY_REVOKED', verb: 'revoked' },
} as const;

/**
 * Ledger is the replayed state of every namespace. Build it with
 * {@link replayLedger}, or empty with `new Ledger(options)` and feed it with
 * {@link Ledger.apply} as the log grows.
 */
export class Ledger {
  private states: Map<string, NamespaceState> = new Map();
  private histories: Map<string, HistoryEntry[]> = new Map();
  private readonly all: HistoryEntry[] = [];
  private lastIndex = -1;
  private readonly registryKeys: readonly PublicKey[];

  constructor(options: ReplayOptions = {}) {
    this.registryKeys = options.registryKeys ?? [];
  }

  /**
   * check judges an event as if it were logged at `logIndex`, without
   * applying it. This is what a registry calls before logging a submitted
   * key event, with logIndex = the current log size: log it only when the
   * answer's status is "applied".
   */
  check(envelope: unknown, logIndex: number): HistoryEntry {
    return this.evaluate({ logIndex, envelope }).entry;
  }

  /** apply judges the next logged event and applies it when it is valid; the entry joins the history either way. */
  apply(entry: LogEntry): HistoryEntry {
    const { entry: judged, next } = this.evaluate(entry);
    if (next) this.states.set(next.ns.id, next);
    if (Number.isSafeInteger(entry.logIndex) && entry.logIndex > this.lastIndex)
      this.lastIndex = entry.logIndex;
    this.all.push(judged);
    if (judged.namespace !== undefined) {
      // A new array, not a push: a fork shares the arrays of the ledger it came from.
      this.histories.set(judged.namespace, [
        ...(this.histories.get(judged.namespace) ?? []),
        judged,
      ]);
    }
    return judged;
  }

  /**
   * fork is a copy to try events on ("what if these were logged next?")
   * without touching this ledger: a registry judges the key events of an
   * upload on a fork, decides on the upload with the fork's answers, and
   * applies the events to the real ledger only once they are logged. The
   * fork's entries() lists only what was applied to the fork.
   */
  fork(): Ledger {
    const f = new Ledger({ registryKeys: this.registryKeys });
    // Copy-on-write: states are never mutated in place, history arrays are replaced, not pushed to.
    f.states = new ForkMap(this.states);
    f.histories = new ForkMap(this.histories);
    f.lastIndex = this.lastIndex;
    return f;
  }

  /** history lists every event of a namespace, applied or rejected, in log order. */
  history(namespace: string): readonly HistoryEntry[] {
    const ns = parseNamespace(namespace, { lenient: true });
    return ns.ok ? (this.histories.get(ns.value.id) ?? []) : [];
  }

  /** entries lists every judged event, including those whose namespace could not be read. */
  entries(): readonly HistoryEntry[] {
    return this.all;
  }

  /** namespaces lists the namespaces with at least one applied event, sorted. */
  namespaces(): string[] {
    return [...this.states.keys()].sort();
  }

  /** head is the digest the namespace's next event must name as `previous` (null: no event applied yet). */
  head(namespace: string): string | null {
    const ns = parseNamespace(namespace, { lenient: true });
    return ns.ok ? (this.states.get(ns.value.id)?.head ?? null) : null;
  }

  /** threshold is the number of distinct authorised signatures the namespace's next key event needs (undefined: no ledger). */
  threshold(namespace: string): number | undefined {
    const ns = parseNamespace(namespace, { lenient: true });
    return ns.ok ? this.states.get(ns.value.id)?.threshold : undefined;
  }

  /** keys lists every key the namespace's own ledger ever held, live and removed, in the order they were added. */
  keys(namespace: string): readonly KeyStatus[] {
    const ns = parseNamespace(namespace, { lenient: true });
    if (!ns.ok) return [];
    return [...(this.states.get(ns.value.id)?.keys.values() ?? [])].map(
      ({ compromiseAt: _, ...k }) => k,
    );
  }

  /**
   * ledgerFor names the namespace whose ledger governs `namespace` for a
   * signature recorded at `logIndex`: a package's own ledger once it has any
   * event before logIndex (even when all its keys are revoked: no fallback),
   * else its scope's ledger, else none.
   */
  ledgerFor(namespace: string, logIndex: number): string | undefined {
    const ns = parseNamespace(namespace, { lenient: true });
    if (!ns.ok) return undefined;
    const own = this.states.get(ns.value.id);
    if (own && own.firstIndex < logIndex) return own.ns.id;
    const scope = scopeOf(ns.value);
    const s = scope === undefined ? undefined : this.states.get(scope);
    if (s && s.firstIndex < logIndex) return s.ns.id;
    return undefined;
  }

  /**
   * authorisedAt answers whether `keyId` was allowed to sign for `namespace`
   * (a namespace, or a release purl: its version is ignored) in an entry
   * recorded at `logIndex`, on the state after everything replayed so far.
   * Only events before logIndex count; a revocation's `compromisedSince`
   * counts whenever it was logged (retroactive by design). A registry deciding
   * on an upload asks with logIndex = the current log size. Never throws.
   */
  authorisedAt(namespace: string, keyId: string, logIndex: number): Authorisation {
    const parsed = parseNamespace(namespace, { lenient: true });
    const nsId = parsed.ok ? parsed.value.id : namespace;
    const answer = (
      allowed: boolean,
      code: AuthorisationCode,
      reason: string,
      extra: Partial<Authorisation> = {},
    ): Authorisation => {
      const reset = extra.reset ?? false;
      const detail = {
        namespace: nsId,
        keyId,
        logIndex,
        ledger: extra.ledger,
        via: extra.via ?? [],
      };
      const check = allowed
        ? (reset ? warn : pass)('key-authorised', code, reason, detail)
        : fail('key-authorised', code, reason, detail);
      return {
        allowed,
        code,
        reason,
        via: [],
        reset,
        firstUse: false,
        namespace: nsId,
        ledger: undefined,
        keyId,
        logIndex,
        ...extra,
        check,
      };
    };
    if (!parsed.ok) return answer(false, 'NAMESPACE_INVALID', parsed.reason);
    if (!Number.isSafeInteger(logIndex) || logIndex < 0)
      return answer(
        false,
        'LOG_INDEX_INVALID',
        `log index ${String(logIndex)} is not an integer ≥ 0`,
      );
    const ledgerId = this.ledgerFor(nsId, logIndex);
    if (ledgerId === undefined)
      return answer(
        false,
        'NAMESPACE_UNKNOWN',
        `${nsId} has no key ledger before log index ${logIndex} (its first publish must log an add event)`,
      );
    const state = this.states.get(ledgerId)!;
    const through = ledgerId === nsId ? '' : ` (through scope ${ledgerId})`;
    const resets = state.resets.filter((i) => i < logIndex);
    const reset = resets.length > 0;
    const resetNote = reset
      ? `; the ledger was reset by the registry at log index ${resets.join(', ')}`
      : '';
    const base = { ledger: ledgerId, reset };
    const rec = state.keys.get(keyId);
    if (!rec)
      return answer(
        false,
        'KEY_UNKNOWN',
        `key ${short(keyId)} is not in the key ledger of ${ledgerId}${through}`,
        { ...base, via: resets },
      );
    const via = [rec.addedAt, ...resets.filter((i) => i !== rec.addedAt)];
    if (rec.addedAt >= logIndex) {
      return answer(
        false,
        'KEY_NOT_YET_ADDED',
        `key ${short(keyId)} was added to ${ledgerId} at log index ${rec.addedAt}, after ${logIndex}${through}`,
        { ...base, via },
      );
    }
    if (rec.compromisedSince !== undefined && logIndex >= rec.compromisedSince) {
      return answer(
        false,
        'KEY_COMPROMISED',
        `key ${short(keyId)} of ${ledgerId} is compromised since log index ${rec.compromisedSince} (declared at ${rec.compromiseAt})${through}`,
        {
          ...base,
          via: [...via, rec.compromiseAt!],
        },
      );
    }
    if (rec.removedAt !== undefined && logIndex > rec.removedAt) {
      const { code, verb } = REMOVAL_ANSWER[rec.removal ?? 'revoke'];
      return answer(
        false,
        code,
        `key ${short(keyId)} of ${ledgerId} was ${verb} at log index ${rec.removedAt}${through}`,
        { ...base, via: [...via, rec.removedAt] },
      );
    }
    const how = rec.firstUse
      ? ' (trust on first use)'
      : rec.viaReset
        ? ' (by a registry reset)'
        : '';
    return answer(
      true,
      'KEY_AUTHORISED',
      `key ${short(keyId)} is authorised for ${ledgerId} since log index ${rec.addedAt}${how}${through}${resetNote}`,
      {
        ...base,
        via,
        firstUse: rec.firstUse,
      },
    );
  }

  // ---- judging one event ---------------------------------------------------

  private evaluate(input: LogEntry): { entry: HistoryEntry; next?: NamespaceState } {
    const checks: Check[] = [];
    const warnings: string[] = [];
    let info: {
      namespace?: string;
      action?: KeyEventAction;
      digest?: string;
      firstUse?: boolean;
      reset?: boolean;
    } = {};
    const logIndex = input.logIndex;
    const reject = (
      name: string,
      code: LedgerCode,
      reason: string,
      signers: readonly string[] = [],
    ): { entry: HistoryEntry } => {
      checks.push(fail(name, code, reason));
      return {
        entry: {
          logIndex,
          status: 'rejected',
          code,
          reason,
          namespace: info.namespace,
          action: info.action,
          digest: info.digest,
          signers,
          added: [],
          removed: [],
          firstUse: false,
          reset: info.action === 'reset',
          warnings,
          checks,
        },
      };
    };

    // logIndex is attacker-controlled (it comes from a file or a peer): it must rise strictly.
    if (!Number.isSafeInteger(logIndex) || logIndex < 0)
      return reject(
        'order',
        'LOG_INDEX_INVALID',
        `log index ${String(logIndex)} is not an integer ≥ 0`,
      );
    if (logIndex <= this.lastIndex)
      return reject(
        'order',
        'LOG_INDEX_INVALID',
        `log index ${logIndex} is not after the previous entry's ${this.lastIndex}`,
      );

    const parsed = parseKeyEventEnvelope(input.envelope);
    if (!parsed.ok) {
      // Name the namespace when the payload says it, so the event shows in that namespace's history.
      info = { ...info, ...peekNamespace(input.envelope) };
      return reject('envelope', parsed.code, parsed.reason);
    }
    const ev = parsed.value;
    const p = ev.statement.predicate;
    info = { namespace: p.namespace, action: p.action, digest: ev.digest };
    checks.push(pass('envelope', 'EVENT_WELL_FORMED', `${p.action} event for ${p.namespace}`));
    const ns = parseNamespace(p.namespace);
    if (!ns.ok) return reject('envelope', 'EVENT_INVALID', ns.reason); // parseKeyEventStatement checked it; kept for the type
    const state = this.states.get(ns.value.id);

    // Hash chain: refuse replays (a digest already applied) and forks/omissions (previous is not the head).
    if (state?.digests.has(ev.digest))
      return reject(
        'chain',
        'EVENT_REPLAYED',
        `this event was already applied to ${p.namespace}; an old event cannot be submitted again`,
      );
    const head = state?.head ?? null;
    if (p.previous !== head) {
      const why =
        head === null
          ? `${p.namespace} has no event yet, so previous must be null`
          : `previous must be ${head}, the digest of the namespace's latest event`;
      return reject(
        'chain',
        'CHAIN_BROKEN',
        `event names previous ${p.previous === null ? 'null' : p.previous}; ${why} (an event was omitted, reordered or forked)`,
      );
    }
    checks.push(
      pass(
        'chain',
        'CHAIN_OK',
        head === null ? 'first event of the namespace' : `follows ${head.slice(0, 12)}`,
      ),
    );

    if (!state) return this.first(ev, ns.value, logIndex, checks, warnings, reject);
    return this.next(ev, state, logIndex, checks, warnings, reject);
  }

  /** first judges a namespace's first event: an add signed by every key it adds (TOFU), plus the scope's keys when the scope has a ledger. */
  private first(
    ev: ParsedKeyEvent,
    ns: Namespace,
    logIndex: number,
    checks: Check[],
    warnings: string[],
    reject: Reject,
  ): { entry: HistoryEntry; next?: NamespaceState } {
    const e = ev.event;
    if (e.action !== 'add')
      return reject(
        'rule',
        'FIRST_EVENT_NOT_ADD',
        `the first event of ${ns.id} must be add (trust on first use), not ${e.action}`,
      );
    const signed = signersOf(ev, e.keys);
    const missing = e.keys.filter((k) => !signed.includes(k.keyId));
    if (missing.length > 0) {
      return reject(
        'signatures',
        'TOFU_NOT_SELF_SIGNED',
        `the first add of ${ns.id} must be signed by every key it adds; missing ${missing.map((k) => short(k.keyId)).join(', ')}`,
        signed,
      );
    }
    let signers = signed;
    // A scope with a ledger governs new packages in it: otherwise anyone could shadow the scope's keys
    // by creating a package ledger first.
    const scopeId = scopeOf(ns);
    const scope = scopeId === undefined ? undefined : this.states.get(scopeId);
    if (scope) {
      const live = [...scope.keys.values()].filter(LIVE).map((r) => r.publicKey);
      const byScope = signersOf(ev, live);
      if (byScope.length < scope.threshold) {
        return reject(
          'signatures',
          'SCOPE_SIGNATURE_REQUIRED',
          `${ns.id} is in scope ${scope.ns.id}, which has a key ledger: its first add needs ${scope.threshold} signature(s) by the scope's keys, found ${byScope.length}`,
          signed,
        );
      }
      signers = [...new Set([...signed, ...byScope])];
    }
    // The other direction: a scope claimed over packages (or narrower scopes) that already have
    // ledgers would take them over where the scope governs; it needs each one's consent — its
    // threshold of live keys (issue 11, item 1). Covered means under the scope's prefix at any
    // depth (pkg:golang/github.com/* covers pkg:golang/github.com/acme/widget).
    if (ns.kind === 'scope') {
      const prefix = ns.id.slice(0, -1);
      for (const inner of this.states.values()) {
        if (inner.ns.id === ns.id || !inner.ns.id.startsWith(prefix)) continue;
        const live = [...inner.keys.values()].filter(LIVE).map((r) => r.publicKey);
        const byInner = signersOf(ev, live);
        if (live.length === 0 || byInner.length < inner.threshold) {
          return reject(
            'signatures',
            'SCOPE_COVERS_LEDGER',
            `${ns.id} covers ${inner.ns.id}, which has its own key ledger: the scope's first add needs ${inner.threshold} signature(s) by ${inner.ns.id}'s keys, found ${byInner.length}`,
            signed,
          );
        }
        signers = [...new Set([...signers, ...byInner])];
      }
    }
    checks.push(
      pass(
        'signatures',
        'TOFU_SELF_SIGNED',
        `signed by the ${e.keys.length} key(s) it adds${scope ? ` and by scope ${scope.ns.id}` : ''}; trusted on first use`,
      ),
    );
    const keys = new Map<string, KeyRecord>();
    for (const k of e.keys) keys.set(k.keyId, newRecord(k, logIndex, { firstUse: true }));
    const next: NamespaceState = {
      ns,
      firstIndex: logIndex,
      head: ev.digest,
      digests: new Set([ev.digest]),
      keys,
      threshold: 1,
      resets: [],
    };
    warnings.push(`first use: ${ns.id} is established by this event (trust on first use)`);
    return {
      entry: applied(
        ev,
        logIndex,
        checks,
        warnings,
        signers,
        e.keys.map((k) => k.keyId),
        [],
        { firstUse: true },
      ),
      next,
    };
  }

  /** next judges a later event against the namespace's current keys and threshold. */
  private next(
    ev: ParsedKeyEvent,
    state: NamespaceState,
    logIndex: number,
    checks: Check[],
    warnings: string[],
    reject: Reject,
  ): { entry: HistoryEntry; next?: NamespaceState } {
    const action = ev.event.action;
    const keys = new Map(state.keys);
    const live = [...keys.values()].filter(LIVE);
    let threshold = state.threshold;
    const added: string[] = [];
    const removed: string[] = [];
    const resets = [...state.resets];

    // Signatures first for reset (registry keys), after the rules for the rest (authorised keys).
    let signers: string[];
    if (action === 'reset') {
      signers = signersOf(ev, this.registryKeys);
      if (signers.length === 0) {
        return reject(
          'signatures',
          'RESET_NOT_REGISTRY_SIGNED',
          this.registryKeys.length === 0
            ? 'a reset must be signed by the registry key, and replay was given no registry key'
            : 'a reset must be signed by a registry key; no signature verified with one',
        );
      }
      checks.push(
        warn(
          'signatures',
          'RESET_BY_REGISTRY',
          `registry reset signed by ${signers.map(short).join(', ')}: the namespace's keys are replaced without their holders' consent`,
        ),
      );
    } else {
      signers = signersOf(
        ev,
        live.map((r) => r.publicKey),
      );
      if (signers.length === 0) {
        const known = signersOf(
          ev,
          [...keys.values()].map((r) => r.publicKey),
        );
        const why =
          known.length > 0 ? ` (signed by removed key ${known.map(short).join(', ')})` : '';
        return reject(
          'signatures',
          'SIGNER_NOT_AUTHORISED',
          `no signature by a key authorised for ${state.ns.id}${why}`,
        );
      }
      if (signers.length < threshold) {
        return reject(
          'signatures',
          'THRESHOLD_NOT_MET',
          `${state.ns.id} needs ${threshold} distinct authorised signatures, found ${signers.length}`,
          signers,
        );
      }
      checks.push(
        pass(
          'signatures',
          'SIGNATURES_AUTHORISED',
          `${signers.length} of ${threshold} required authorised signature(s)`,
        ),
      );
    }

    const step: ActionStep = {
      ns: state.ns.id,
      logIndex,
      signers,
      keys,
      live,
      threshold,
      history: this.histories.get(state.ns.id) ?? [],
      warnings,
      reject,
    };
    const e = ev.event;
    const change =
      e.action === 'add'
        ? applyAdd(e, step)
        : e.action === 'rotate'
          ? applyRotate(e, step)
          : e.action === 'revoke'
            ? applyRevoke(e, step)
            : e.action === 'threshold'
              ? applyThreshold(e, step)
              : applyReset(e, step);
    if ('entry' in change) return change;
    added.push(...change.added);
    removed.push(...change.removed);
    threshold = change.threshold;
    if (e.action === 'reset') resets.push(logIndex);
    checks.push(pass('rule', 'RULE_OK', `${action} is allowed`));
    const next: NamespaceState = {
      ...state,
      head: ev.digest,
      digests: new Set([...state.digests, ev.digest]),
      keys,
      threshold,
      resets,
    };
    return {
      entry: applied(ev, logIndex, checks, warnings, signers, added, removed, {
        reset: action === 'reset',
      }),
      next,
    };
  }
}

/**
 * replayLedger replays key events in log order into a {@link Ledger}. Every
 * entry is judged: applied, or rejected with a code and reason (see
 * Ledger.entries and Ledger.history). Never throws for bad input.
 */
export function replayLedger(entries: Iterable<LogEntry>, options: ReplayOptions = {}): Ledger {
  const ledger = new Ledger(options);
  for (const e of entries) ledger.apply(e);
  return ledger;
}

// ---- one function per action ----------------------------------------------

type Reject = (
  name: string,
  code: LedgerCode,
  reason: string,
  signers?: readonly string[],
) => { entry: HistoryEntry };

/** ActionStep is what an action judges against: the namespace's keys (a copy it may change) and the event's signers. */
interface ActionStep {
  readonly ns: string;
  readonly logIndex: number;
  readonly signers: readonly string[];
  /** The namespace's keys, copied: an action records its changes here. */
  readonly keys: Map<string, KeyRecord>;
  /** The keys that were live before this event. */
  readonly live: readonly KeyRecord[];
  readonly threshold: number;
  /** The namespace's history so far (for compromise warnings). */
  readonly history: readonly HistoryEntry[];
  readonly warnings: string[];
  readonly reject: Reject;
}

/** ActionChange is what an applied action did; a rejection is `{ entry }`. */
interface ActionChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly threshold: number;
}

type ActionOf<A extends KeyEvent['action']> = Extract<KeyEvent, { readonly action: A }>;

/** refuseKey rejects adding a key that is live, or that was ever removed (its authorised range stays one interval). */
function refuseKey(k: PublicKey, s: ActionStep): { entry: HistoryEntry } | undefined {
  const r = s.keys.get(k.keyId);
  if (r && LIVE(r))
    return s.reject(
      'rule',
      'KEY_ALREADY_AUTHORISED',
      `key ${short(k.keyId)} is already authorised for ${s.ns}`,
      s.signers,
    );
  if (r)
    return s.reject(
      'rule',
      'KEY_PREVIOUSLY_REMOVED',
      `key ${short(k.keyId)} was removed from ${s.ns} at log index ${r.removedAt}; a removed key cannot be added again (make a new key)`,
      s.signers,
    );
  return undefined;
}

/** refuseCompromise rejects a compromisedSince after the event's own index. */
function refuseCompromise(
  c: number | undefined,
  s: ActionStep,
): { entry: HistoryEntry } | undefined {
  return c !== undefined && c > s.logIndex
    ? s.reject(
        'rule',
        'COMPROMISE_INDEX_INVALID',
        `compromisedSince ${c} is after this event's own log index ${s.logIndex}`,
        s.signers,
      )
    : undefined;
}

function applyAdd(e: ActionOf<'add'>, s: ActionStep): ActionChange | { entry: HistoryEntry } {
  for (const k of e.keys) {
    const bad = refuseKey(k, s);
    if (bad) return bad;
  }
  for (const k of e.keys) s.keys.set(k.keyId, newRecord(k, s.logIndex, {}));
  return { added: e.keys.map((k) => k.keyId), removed: [], threshold: s.threshold };
}

/** removeKey records that a live key leaves the namespace at this event, and whether it is compromised. */
function removeKey(
  s: ActionStep,
  r: KeyRecord,
  removal: 'revoke' | 'rotate' | 'reset',
  compromisedSince: number | undefined,
): void {
  s.keys.set(r.keyId, {
    ...r,
    removedAt: s.logIndex,
    removal,
    ...(compromisedSince !== undefined ? { compromisedSince, compromiseAt: s.logIndex } : {}),
  });
}

function applyRotate(e: ActionOf<'rotate'>, s: ActionStep): ActionChange | { entry: HistoryEntry } {
  const from = s.keys.get(e.from);
  if (!from || !LIVE(from))
    return s.reject(
      'rule',
      'KEY_NOT_FOUND',
      `rotate from ${short(e.from)}: that key is not authorised for ${s.ns}`,
      s.signers,
    );
  const bad = refuseKey(e.to, s);
  if (bad) return bad;
  removeKey(s, from, 'rotate', undefined);
  s.keys.set(e.to.keyId, newRecord(e.to, s.logIndex, {}));
  return { added: [e.to.keyId], removed: [from.keyId], threshold: s.threshold };
}

function applyRevoke(e: ActionOf<'revoke'>, s: ActionStep): ActionChange | { entry: HistoryEntry } {
  const target = s.keys.get(e.keyId);
  const c = e.compromisedSince;
  const bad = refuseCompromise(c, s);
  if (bad) return bad;
  if (!target)
    return s.reject(
      'rule',
      'KEY_NOT_FOUND',
      `revoke ${short(e.keyId)}: that key was never in the ledger of ${s.ns}`,
      s.signers,
    );
  const removed: string[] = [];
  if (!LIVE(target)) {
    // A removed key may still be declared compromised (or compromised earlier): it only ever narrows what it signed.
    if (c === undefined || (target.compromisedSince !== undefined && target.compromisedSince <= c))
      return s.reject(
        'rule',
        'KEY_ALREADY_REVOKED',
        `key ${short(target.keyId)} was already removed at log index ${target.removedAt}${c === undefined ? '' : ` and is compromised since ${target.compromisedSince}`}`,
        s.signers,
      );
    s.keys.set(target.keyId, { ...target, compromisedSince: c, compromiseAt: s.logIndex });
  } else {
    removeKey(s, target, 'revoke', c);
    removed.push(target.keyId);
  }
  if (c !== undefined) {
    const tainted = s.history.filter(
      (h) => h.status === 'applied' && h.logIndex >= c && h.signers.includes(target.keyId),
    );
    if (tainted.length > 0)
      s.warnings.push(
        `key ${short(target.keyId)} signed key events after its compromise (log index ${tainted.map((h) => h.logIndex).join(', ')}); they stay applied — review and revoke the keys they added`,
      );
  }
  const left = [...s.keys.values()].filter(LIVE).length;
  if (left < s.threshold)
    s.warnings.push(
      `${s.ns} now has ${left} key(s) for a threshold of ${s.threshold}: only a registry reset can change its keys`,
    );
  return { added: [], removed, threshold: s.threshold };
}

function applyThreshold(
  e: ActionOf<'threshold'>,
  s: ActionStep,
): ActionChange | { entry: HistoryEntry } {
  if (e.threshold > s.live.length)
    return s.reject(
      'rule',
      'THRESHOLD_INVALID',
      `threshold ${e.threshold} is more than the ${s.live.length} authorised key(s) of ${s.ns}`,
      s.signers,
    );
  return { added: [], removed: [], threshold: e.threshold };
}

function applyReset(e: ActionOf<'reset'>, s: ActionStep): ActionChange | { entry: HistoryEntry } {
  const c = e.compromisedSince;
  const bad = refuseCompromise(c, s);
  if (bad) return bad;
  const k = e.threshold ?? 1;
  if (k > e.keys.length)
    return s.reject(
      'rule',
      'THRESHOLD_INVALID',
      `threshold ${k} is more than the ${e.keys.length} key(s) the reset installs`,
      s.signers,
    );
  for (const x of e.keys) {
    const r = s.keys.get(x.keyId);
    if (r && !LIVE(r))
      return s.reject(
        'rule',
        'KEY_PREVIOUSLY_REMOVED',
        `key ${short(x.keyId)} was removed from ${s.ns} at log index ${r.removedAt}; a removed key cannot come back, even by reset`,
        s.signers,
      );
  }
  const keep = new Set(e.keys.map((x) => x.keyId));
  const added: string[] = [];
  const removed: string[] = [];
  for (const r of s.live) {
    if (keep.has(r.keyId)) continue;
    removeKey(s, r, 'reset', c);
    removed.push(r.keyId);
  }
  for (const x of e.keys) {
    if (s.keys.has(x.keyId)) continue;
    s.keys.set(x.keyId, newRecord(x, s.logIndex, { viaReset: true }));
    added.push(x.keyId);
  }
  s.warnings.push(`registry reset: ${s.ns}'s keys were replaced by the registry`);
  return { added, removed, threshold: k };
}

// ---- helpers ----------------------------------------------------------------

function short(keyId: string): string {
  return keyId.length > 16 ? keyId.slice(0, 16) : keyId;
}

function newRecord(
  key: PublicKey,
  logIndex: number,
  flags: { firstUse?: boolean; viaReset?: boolean },
): KeyRecord {
  return {
    keyId: key.keyId,
    algorithm: key.algorithm,
    publicKey: key,
    addedAt: logIndex,
    firstUse: flags.firstUse ?? false,
    viaReset: flags.viaReset ?? false,
    removedAt: undefined,
    removal: undefined,
    compromisedSince: undefined,
    compromiseAt: undefined,
  };
}

/** signersOf lists the distinct key ids among `candidates` whose signatures on the event verify. */
function signersOf(ev: ParsedKeyEvent, candidates: readonly PublicKey[]): string[] {
  if (candidates.length === 0) return [];
  try {
    return [...new Set(verifyEnvelope(ev.envelope, candidates).verified.map((v) => v.key.keyId))];
  } catch {
    return []; // parseKeyEventEnvelope already checked the base64; a throw here means no signature verified
  }
}

function applied(
  ev: ParsedKeyEvent,
  logIndex: number,
  checks: Check[],
  warnings: string[],
  signers: readonly string[],
  added: readonly string[],
  removed: readonly string[],
  flags: { firstUse?: boolean; reset?: boolean },
): HistoryEntry {
  const p = ev.event;
  const what =
    p.action === 'threshold'
      ? `threshold set to ${p.threshold}`
      : [
          added.length ? `added ${added.map(short).join(', ')}` : '',
          removed.length ? `removed ${removed.map(short).join(', ')}` : '',
        ]
          .filter(Boolean)
          .join('; ') || p.action;
  return {
    logIndex,
    status: 'applied',
    code: 'EVENT_APPLIED',
    reason: `${p.action}: ${what}`,
    namespace: p.namespace,
    action: p.action,
    digest: ev.digest,
    signers,
    added,
    removed,
    firstUse: flags.firstUse ?? false,
    reset: flags.reset ?? false,
    warnings,
    checks,
  };
}

/** peekNamespace reads predicate.namespace out of an envelope that failed validation, best effort. */
function peekNamespace(envelope: unknown): { namespace?: string } {
  try {
    const doc =
      typeof envelope === 'string' || envelope instanceof Uint8Array
        ? JSON.parse(Buffer.from(envelope as never).toString('utf8'))
        : envelope;
    const payload = JSON.parse(
      Buffer.from(String((doc as { payload?: unknown }).payload), 'base64').toString('utf8'),
    ) as { predicate?: { namespace?: unknown } };
    const ns = parseNamespace(payload.predicate?.namespace);
    return ns.ok ? { namespace: ns.value.id } : {};
  } catch {
    return {};
  }
}
