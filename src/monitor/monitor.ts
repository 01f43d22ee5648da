/**
 * The monitor: follows a Sigil server's log from its tiles, replays every
 * entry, and reports what a package owner must know about their namespaces.
 *
 * One poll:
 *   1. fetch and verify the checkpoint (log key pinned in the state on first use);
 *      check it is consistent with the previous one (tlog consistency proof
 *      from tiles) — otherwise report `inconsistent_checkpoint` with both and stop;
 *   2. read the new entries from the entry bundles and integrate their hashes
 *      onto the saved tree edge: the recomputed root must be the checkpoint's
 *      (so the entries are exactly the log's, with no trust in the server);
 *   3. parse each entry (Rekor v2 dsse v0.0.2; `unparseable_entry` if not),
 *      fetch the envelopes behind them (/api/v1/log/envelopes) and accept an
 *      envelope only if its payload hashes to the leaf's payloadHash;
 *   4. replay: release statements (author), publish statements (registry),
 *      key events (add/revoke/rotate/reset/threshold) and conflict records;
 *      report every one in a watched namespace, and, for every purl, a second
 *      record with other digests (`duplicate_record`).
 * The state (checkpoint, tree edge, digests per purl) is saved after each
 * poll, so the monitor resumes where it stopped.
 */
import { createHash } from 'node:crypto';
import { type Fetcher } from '../client/fetcher.js';
import { LogClient } from '../client/log-client.js';
import { LogClientError } from '../client/errors.js';
import { SigilError } from '../core/errors.js';
import { KEY_EVENT_PREDICATE_TYPE } from '../ledger/event.js';
import { RELEASE_PREDICATE_TYPE } from '../core/statement.js';
import { PUBLISH_PREDICATE_TYPE } from '../core/release-record.js';
import { entryBundleForIndex, parseEntryBundle } from '../log/entry-bundle.js';
import { recordHash } from '../log/hash.js';
import { integrate } from '../log/integrate.js';
import { parseDsseEntryBody } from '../log/rekor/dsse-entry.js';
import { formatTilePath } from '../log/tile-path.js';
import { hashEqual } from '../log/hash.js';
import { type MonitorState, edgeFromState, edgeToState } from './state.js';
import { matchesWatch } from './watch.js';

/** MonitorEvent is one JSON line of the report. */
export type MonitorEvent = { readonly type: string; readonly [k: string]: unknown };

export interface MonitorOptions {
  /** Server base URL (its /.well-known/sigil/keys.json and /api/v1/log/envelopes). */
  readonly server: string;
  /** tlog-tiles URL of the log (default: from keys.json, else <server>/log). */
  readonly logUrl: string;
  /** Log verifier key (pinned in the state). */
  readonly vkey: string;
  /** purl patterns: pkg:npm/@acme/*, pkg:npm/left-pad (versions ignored). */
  readonly watch: readonly string[];
  readonly fetcher: Fetcher;
  /** Entries fetched per envelope request (≤ 1000). */
  readonly batch?: number;
}

/** PollResult: the events of one poll and the state to save. */
export interface PollResult {
  readonly events: MonitorEvent[];
  readonly state: MonitorState;
}

interface Statement {
  predicateType?: unknown;
  subject?: { name?: unknown; digest?: Record<string, string> }[];
  predicate?: Record<string, unknown>;
}

/** pollOnce runs one poll from `state` (undefined: first run). Throws SigilError only for transport failures. */
export async function pollOnce(
  o: MonitorOptions,
  state: MonitorState | undefined,
): Promise<PollResult> {
  const events: MonitorEvent[] = [];
  const client = new LogClient({ baseUrl: o.logUrl, verifierKey: o.vkey, fetcher: o.fetcher });
  const latest = await client.fetchCheckpoint();
  const cp = latest.checkpoint;
  const base: MonitorState = state ?? {
    vkey: o.vkey,
    checkpoint: undefined,
    edge: { size: 0, tiles: [] },
    purls: {},
    namespaces: {},
  };
  if (state?.checkpoint !== undefined) {
    const prev = client.verifyCheckpointText(state.checkpoint, 'the saved checkpoint');
    // The one checkpoint rule (log/checkpoint-tracker.ts); an unprovable link fails the poll (retried).
    try {
      await client.checkConsistent(prev, latest, 'latest');
    } catch (e) {
      if (
        e instanceof LogClientError &&
        (e.code === 'LOG_SPLIT_VIEW' || e.code === 'LOG_ROLLBACK')
      ) {
        events.push({
          type: 'inconsistent_checkpoint',
          reason: e.message.split('\n')[0],
          previous: state.checkpoint,
          received: latest.text,
        });
        return { events, state: base };
      }
      throw e;
    }
  }
  let edge = edgeFromState(base.edge);
  const purls = { ...base.purls };
  const namespaces = { ...base.namespaces };
  const batch = Math.min(o.batch ?? 1000, 1000);
  for (let start = edge.size; start < cp.size; start += batch) {
    const end = Math.min(cp.size, start + batch);
    // 2. entries from bundles, integrated onto the edge.
    const leaves: Uint8Array[] = [];
    for (let i = start; i < end;) {
      const t = entryBundleForIndex(i, cp.size);
      const path = formatTilePath(t);
      const data = await o.fetcher.get(`${o.logUrl.replace(/\/+$/, '')}/${path}`, {
        maxBytes: 256 * 65538,
      });
      if (data === undefined)
        throw new SigilError('MONITOR_TILE_MISSING', `${path} of ${cp.origin} is missing`);
      const bundle = parseEntryBundle(data, t.width);
      const first = t.index * 256;
      for (let j = i - first; j < bundle.length && first + j < end; j++) leaves.push(bundle[j]!);
      i = first + bundle.length;
    }
    const r = integrate(edge, leaves.map(recordHash));
    edge = r.edge;
    if (end === cp.size && !hashEqual(r.root, cp.hash)) {
      events.push({
        type: 'inconsistent_checkpoint',
        reason: `the entries served do not hash to the checkpoint root at size ${cp.size}`,
        previous: state?.checkpoint ?? null,
        received: latest.text,
      });
      return { events, state: base };
    }
    // 3. parse leaves, fetch envelopes, match payload hashes.
    const payloadHashes = new Map<number, Buffer>();
    leaves.forEach((leaf, k) => {
      try {
        payloadHashes.set(start + k, parseDsseEntryBody(leaf).payloadHash);
      } catch (e) {
        events.push({
          type: 'unparseable_entry',
          logIndex: start + k,
          reason: (e as Error).message,
        });
      }
    });
    const env = await o.fetcher.get(
      `${o.server.replace(/\/+$/, '')}/api/v1/log/envelopes?start=${start}&end=${end}`,
      { maxBytes: 64 * 1024 * 1024 },
    );
    let list: {
      logIndex: number;
      kind: string;
      envelope: { payload?: string; payloadType?: string };
    }[] = [];
    try {
      list =
        (
          JSON.parse(Buffer.from(env ?? new Uint8Array()).toString('utf8') || '{"entries":[]}') as {
            entries: typeof list;
          }
        ).entries ?? [];
    } catch {
      events.push({
        type: 'server_error',
        reason: `the envelopes of entries ${start}–${end - 1} are not JSON`,
      });
    }
    const explained = new Set(list.map((e) => e.logIndex));
    for (const i of payloadHashes.keys()) {
      // A logged record the server shows no envelope for: submitted through the public Rekor API,
      // or a record shown only to some clients. Either way the owner should be able to look.
      if (!explained.has(i)) events.push({ type: 'unattributed_entry', logIndex: i });
    }
    for (const e of list) {
      const want = payloadHashes.get(e.logIndex);
      if (want === undefined || typeof e.envelope?.payload !== 'string') continue;
      const payload = Buffer.from(e.envelope.payload, 'base64');
      if (!createHash('sha256').update(payload).digest().equals(want)) {
        events.push({
          type: 'entry_mismatch',
          logIndex: e.logIndex,
          reason: "the server's envelope is not the one logged at this index",
        });
        continue;
      }
      let st: Statement;
      try {
        st = JSON.parse(payload.toString('utf8')) as Statement;
      } catch {
        events.push({
          type: 'unparseable_entry',
          logIndex: e.logIndex,
          reason: 'the logged payload is not JSON',
        });
        continue;
      }
      replay(st, e.logIndex, o.watch, purls, namespaces, events);
    }
  }
  return {
    events,
    state: { vkey: o.vkey, checkpoint: latest.text, edge: edgeToState(edge), purls, namespaces },
  };
}

function digestKey(d: Record<string, string> | undefined): string {
  return Object.entries(d ?? {})
    .filter(([k]) => k === 'sha256' || k === 'sha512')
    .sort()
    .map(([k, v]) => `${k}:${v}`)
    .join(',');
}

/** replay applies one logged statement to the monitor's memory and reports it. */
function replay(
  st: Statement,
  logIndex: number,
  watch: readonly string[],
  purls: MonitorState['purls'],
  namespaces: MonitorState['namespaces'],
  events: MonitorEvent[],
): void {
  const pt = typeof st.predicateType === 'string' ? st.predicateType : '';
  if (pt === KEY_EVENT_PREDICATE_TYPE) {
    const ns = String(st.predicate?.['namespace'] ?? '');
    const action = String(st.predicate?.['action'] ?? '');
    namespaces[ns] = (namespaces[ns] ?? 0) + 1;
    if (watch.some((w) => matchesWatch(ns, w))) {
      events.push({
        type: action === 'reset' ? 'reset' : 'key_event',
        namespace: ns,
        action,
        logIndex,
        keys:
          (st.predicate?.['keys'] as { keyId?: string }[] | undefined)?.map((k) => k.keyId) ?? [],
      });
    }
    return;
  }
  const subject = st.subject?.[0];
  const purl = typeof subject?.name === 'string' ? subject.name : undefined;
  if (purl === undefined) {
    events.push({
      type: 'unparseable_entry',
      logIndex,
      reason: `statement of type ${JSON.stringify(pt)} names no purl`,
    });
    return;
  }
  const watched = watch.some((w) => matchesWatch(purl, w));
  if (/conflict/i.test(pt)) {
    events.push({ type: 'conflict_record', purl, logIndex, predicateType: pt });
    return;
  }
  const key = digestKey(subject?.digest);
  const kind =
    pt === RELEASE_PREDICATE_TYPE ? 'author' : pt === PUBLISH_PREDICATE_TYPE ? 'registry' : 'other';
  const seen = purls[purl];
  if (seen !== undefined && seen.digests !== key) {
    // One purl, one digest set forever (DESIGN.md "Records").
    events.push({
      type: 'duplicate_record',
      purl,
      first: { logIndex: seen.logIndex, digests: seen.digests },
      second: { logIndex, digests: key, kind },
    });
    return;
  }
  if (seen === undefined) {
    purls[purl] = { digests: key, logIndex };
    // The first statement about a purl (the author's, or the registry's publish statement) is its new version.
    if (watched) events.push({ type: 'new_version', purl, logIndex, digests: key, signedBy: kind });
  }
}
