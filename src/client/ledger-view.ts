/**
 * LedgerViews over a registry's key ledger: fetch the key events of the
 * namespaces the CLIENT derives from each purl (the package and its scope),
 * each proven in the log against the checkpoint the client verified and
 * closed by the registry's signed ledger head, and replay them HERE with
 * the pure ledger (src/ledger). Authorisation is decided by the client from
 * signed, logged events (verified-ledger.ts), never by the server's word:
 * the server cannot invent an event (it is not in the log), drop one from
 * the middle (the hash chain breaks) or withhold the newest (the signed
 * head names it).
 *
 * The fetched histories ({@link LedgerHistories}) are plain JSON: `sigil
 * fetch-records` keeps them in the offline cache, and `--offline` verifies
 * and replays them with {@link historyLedgerView} exactly as online.
 */

import type { PublicKey } from '../core/keys.js';
import { inBatches } from './batches.js';
import type { LedgerAuthorisation, LedgerFacts, LedgerView } from './ledger-view-types.js';
import { publicKeyFromPem, RecordSourceError } from './records/source.js';
import { RegistryClient, RegistryRequestError } from './registry-client.js';
import {
  ledgerNamespacesOf,
  type LedgerHistory,
  type ProvenEntry,
  type VerifiedLedger,
  type VerifiedTree,
  verifyPackageLedger,
} from './verified-ledger.js';

export type { LedgerHistory, VerifiedTree } from './verified-ledger.js';

/** LedgerHistories by namespace as asked; null: the server gave nothing usable for it (verification then fails). */
export type LedgerHistories = Record<string, LedgerHistory | null>;

/** A LedgerView whose histories can be fetched ahead, in parallel, and read back (to cache them). */
export interface FetchingLedgerView extends LedgerView {
  prepare(namespaces: readonly string[], tree?: VerifiedTree): Promise<void>;
  histories(): Promise<LedgerHistories>;
  /** False once the server answered that it keeps no key ledger (NO_LEDGER). */
  hasLedger(): boolean;
  /**
   * snapshot: what another thread needs to build the same view over `namespaces` (and their
   * scopes) with {@link ledgerViewFromSnapshot}: plain data, no key objects, no closures.
   */
  snapshot(namespaces: readonly string[]): LedgerViewSnapshot;
}

/** LedgerViewSnapshot is a view's state as structured-cloneable data (see FetchingLedgerView.snapshot). */
export interface LedgerViewSnapshot {
  readonly histories: LedgerHistories;
  readonly registryKeys: readonly { readonly pem: string; readonly keyid: string }[];
  readonly origin: string;
  readonly tree?: { readonly origin: string; readonly size: number; readonly hash: Uint8Array };
  readonly noLedger: boolean;
}

/** NONE stands for "the server keeps no ledger" in the view's answers. */
const NONE = Symbol('no ledger');

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** historyOf keeps the parts of a ledger answer verification needs (attacker-controlled: judged by verifyPackageLedger). */
export function historyOf(v: unknown, namespace: string): LedgerHistory {
  if (!isObject(v) || !Array.isArray(v['events']))
    throw new RecordSourceError(
      'RECORDS_RESPONSE_INVALID',
      `the ledger of ${namespace} is not a ledger response ({events: [...]})`,
    );
  const events: ProvenEntry[] = (v['events'] as unknown[])
    .filter((e): e is Record<string, unknown> => isObject(e) && Number.isSafeInteger(e['logIndex']))
    .map((e) => ({
      logIndex: e['logIndex'] as number,
      envelope: e['envelope'],
      ...(typeof e['entry'] === 'string' ? { entry: e['entry'] } : {}),
      ...(Array.isArray(e['hashes']) ? { hashes: e['hashes'] as string[] } : {}),
    }));
  return {
    ...(typeof v['ledger'] === 'string' ? { ledger: v['ledger'] } : {}),
    ...(Number.isSafeInteger(v['treeSize']) ? { treeSize: v['treeSize'] as number } : {}),
    ...(v['head'] !== undefined ? { head: v['head'] } : {}),
    events,
  };
}

/**
 * NO_LEDGER: the server has no key ledger at all (a signature log beside a
 * registry, or a record server). Keys are then authorised by pins and the
 * policy; a publish statement that names a ledger head fails (the ledger is
 * being hidden).
 */
export const NO_LEDGER = 'no-ledger' as const;

/** expandNamespaces adds each package's scope: a package's ledger is decided by both. */
export function expandNamespaces(namespaces: readonly string[]): string[] {
  return [...new Set(namespaces.flatMap((n) => ledgerNamespacesOf(n)))];
}

/**
 * fetchLedgerHistories fetches the proven ledgers of `namespaces` (each
 * namespace's own events) for the tree of size `treeSize`, 1,000 namespaces
 * per request.
 */
export async function fetchLedgerHistories(
  server: string,
  namespaces: readonly string[],
  treeSize: number,
): Promise<LedgerHistories | typeof NO_LEDGER> {
  const client = new RegistryClient(server);
  const out: LedgerHistories = {};
  // A few requests in flight (as the record lookups): the server builds one answer while this reads another.
  const answers = await inBatches([...new Set(namespaces)], 1000, 4, async (chunk) => {
    try {
      return { chunk, r: (await client.ledgers(chunk, treeSize)) as unknown };
    } catch (e) {
      if (e instanceof RegistryRequestError && (e.status === 404 || e.status === 405))
        return NO_LEDGER;
      throw e;
    }
  });
  for (const a of answers) {
    if (a === NO_LEDGER) return NO_LEDGER;
    const answer = isObject(a.r) ? a.r['ledgers'] : undefined;
    const heads = isObject(a.r) ? a.r['heads'] : undefined;
    const ledgers = isObject(answer) ? answer : {};
    for (const ns of a.chunk) {
      const h = Object.hasOwn(ledgers, ns) ? ledgers[ns] : undefined;
      // Every namespace of the chunk shares the one signed heads statement (verified once: head.ts).
      out[ns] =
        isObject(h) && Array.isArray(h['events']) ? historyOf({ ...h, head: heads }, ns) : null;
    }
  }
  return out;
}

/**
 * historyLedgerView verifies and replays histories on demand (each package
 * once). `missing` is called with namespaces the histories do not hold:
 * online it fetches, offline it throws OFFLINE_CACHE_MISS. Until `prepare`
 * hands it the verified checkpoint, every answer is LEDGER_UNPROVEN.
 */
export function historyLedgerView(
  histories: LedgerHistories,
  registryKeys: readonly PublicKey[],
  origin: string,
  missing: (
    namespaces: readonly string[],
    tree: VerifiedTree,
  ) => Promise<LedgerHistories | typeof NO_LEDGER>,
): FetchingLedgerView {
  let tree: VerifiedTree | undefined;
  let noLedger = false;
  const verified = new Map<string, VerifiedLedger>();
  const verify = (pkg: string): VerifiedLedger => {
    let v = verified.get(pkg);
    if (!v) {
      v = tree
        ? verifyPackageLedger(pkg, histories, tree, registryKeys)
        : {
            ok: false,
            code: 'LEDGER_UNPROVEN',
            reason: `no verified checkpoint to check the key ledger of ${pkg} against`,
          };
      verified.set(pkg, v);
    }
    return v;
  };
  const withHistories = <T>(
    pkg: string,
    f: (v: VerifiedLedger | typeof NONE) => T,
  ): T | Promise<T> => {
    const need = ledgerNamespacesOf(pkg).filter((n) => !(n in histories));
    // Synchronous when the histories are at hand (the common case after prepare): no promise per dependency.
    if (noLedger) return f(NONE);
    if (need.length === 0 || !tree) return f(verify(pkg));
    return missing(need, tree).then((got) => {
      if (got === NO_LEDGER) {
        noLedger = true;
        return f(NONE);
      }
      for (const n of need) histories[n] = got[n] ?? null;
      return f(verify(pkg));
    });
  };
  const authorise = (
    v: VerifiedLedger | typeof NONE,
    pkg: string,
    keyId: string,
    logIndex: number,
  ): LedgerAuthorisation | undefined => {
    if (v === NONE) return undefined;
    if (!v.ok) return { allowed: false, reason: v.reason, reset: false, failure: v.code };
    if (v.since === undefined) return undefined; // no ledger: pins and the policy decide
    const a = v.ledger.authorisedAt(pkg, keyId, logIndex);
    return { allowed: a.allowed, reason: a.reason, reset: a.reset };
  };
  const facts = (v: VerifiedLedger | typeof NONE): LedgerFacts => {
    if (v === NONE) return { contains: () => false };
    if (!v.ok) return { failure: { code: v.code, reason: v.reason } };
    // The digest names the event (it chains every event before it); the logIndex in a publish
    // statement is where the registry expected the event when it signed, before the append, so
    // an event sent with its own first publish may land at another index: it is not compared.
    const contains = (ns: string, _logIndex: number, digest: string) =>
      v.ledger.history(ns).some((h) => h.status === 'applied' && h.digest === digest);
    return v.since === undefined ? { contains } : { since: v.since, contains };
  };
  return {
    async prepare(namespaces, at) {
      if (at) {
        if (tree && (tree.size !== at.size || tree.origin !== at.origin)) verified.clear();
        tree = { origin: at.origin, size: at.size, hash: at.hash };
        if (origin !== at.origin) {
          // The histories were proven in another log: treat them as absent.
          for (const k of Object.keys(histories)) delete histories[k];
        }
      }
      if (!tree) return;
      const need = expandNamespaces(namespaces).filter(
        (n) => !(n in histories) || histories[n]?.treeSize !== tree!.size,
      );
      if (need.length === 0 || noLedger) return;
      const got = await missing(need, tree);
      if (got === NO_LEDGER) noLedger = true;
      else Object.assign(histories, got);
    },
    async histories() {
      return histories;
    },
    hasLedger() {
      return !noLedger;
    },
    snapshot(namespaces) {
      const part: LedgerHistories = {};
      for (const n of expandNamespaces(namespaces))
        if (Object.hasOwn(histories, n)) part[n] = histories[n]!;
      return {
        histories: part,
        registryKeys: registryKeys.map((k) => ({
          pem: String(k.key.export({ type: 'spki', format: 'pem' })),
          keyid: k.keyId,
        })),
        origin,
        ...(tree ? { tree: { origin: tree.origin, size: tree.size, hash: tree.hash } } : {}),
        noLedger,
      };
    },
    authorisedAt(namespace, keyId, logIndex) {
      return withHistories(namespace, (v) => authorise(v, namespace, keyId, logIndex));
    },
    facts(namespace) {
      return withHistories(namespace, facts);
    },
  };
}

/** httpLedgerView is a LedgerView over a registry: proven histories fetched ahead by `prepare`, or when asked. */
export function httpLedgerView(
  server: string,
  registryKeys: readonly PublicKey[],
  origin: string,
  options: { required?: boolean } = {},
): FetchingLedgerView {
  return historyLedgerView({}, registryKeys, origin, async (ns, tree) => {
    const got = await fetchLedgerHistories(server, ns, tree.size);
    // A server that advertises a ledger and then does not answer for it is hiding something (or broken): no fallback.
    if (got === NO_LEDGER && options.required)
      throw new RecordSourceError(
        'RECORDS_RESPONSE_INVALID',
        `${server} advertises a key ledger but does not answer ledger lookups`,
        { hint: 'a proxy in between may be stripping them; check the server' },
      );
    return got;
  });
}

/**
 * LEDGER_SNAPSHOT_MISS: a view built from a snapshot was asked about a namespace the snapshot
 * does not hold (the caller then checks that dependency where the full view lives).
 */
export class LedgerSnapshotMiss extends Error {
  constructor(readonly namespaces: readonly string[]) {
    super(`the ledger snapshot holds no history for ${namespaces.join(', ')}`);
  }
}

/**
 * ledgerViewFromSnapshot rebuilds, in another thread, the view a snapshot was taken of:
 * the same histories, keys and verified tree, verified and replayed here exactly as there.
 */
export async function ledgerViewFromSnapshot(s: LedgerViewSnapshot): Promise<FetchingLedgerView> {
  const keys = s.registryKeys.map((k) =>
    publicKeyFromPem(k.pem, { keyid: k.keyid }, `registry key ${k.keyid.slice(0, 16)}…`),
  );
  const view = historyLedgerView({ ...s.histories }, keys, s.origin, async (ns) => {
    if (s.noLedger) return NO_LEDGER;
    throw new LedgerSnapshotMiss(ns);
  });
  if (s.tree) await view.prepare([], s.tree);
  return view;
}

/** cachedLedgerView verifies and replays the histories of the offline cache; a namespace it lacks is OFFLINE_CACHE_MISS. */
export function cachedLedgerView(
  histories: LedgerHistories,
  registryKeys: readonly PublicKey[],
  origin: string,
): FetchingLedgerView {
  return historyLedgerView({ ...histories }, registryKeys, origin, async (ns) => {
    throw new RecordSourceError(
      'OFFLINE_CACHE_MISS',
      `the offline cache has no proven key ledger for ${ns.join(', ')}`,
      { hint: 'run `sigil fetch-records <lockfile> --server URL` again while online' },
    );
  });
}
