/**
 * Transparency log trust policies (c2sp.org/tlog-policy, the Sigsum policy
 * format): which logs are trusted, which witnesses exist, and the quorum of
 * witness cosignatures a checkpoint needs —
 *
 *   log <vkey> [<url>]
 *   witness <name> <vkey> [<url>]
 *   group <name> all|any|<k> <member>...
 *   quorum <name>|none
 *
 * One module evaluates a policy for everyone: the log deciding whether its
 * witnesses said enough (fail-closed), `sigil verify`, `sigil log
 * verify-inclusion`, tlog-proof files and the monitor.
 *
 * Parsing follows the spec: whitespace is ASCII space and tab; `#` comments
 * and blank lines are ignored; names are defined before use and only once,
 * witnesses and groups share one namespace, `none` is predefined and not a
 * member; a member appears at most once per group; 1 ≤ k ≤ n; exactly one
 * quorum line; no two logs or two witnesses wrap the same public key. Only
 * 0x09, 0x0A, 0x20–0x7E and ≥ 0x80 bytes are allowed. Limits: 32 logs, 32
 * witnesses, 32 groups are the spec's recommended minimum; we allow 256 each.
 */
import { InputError } from '../core/errors.js';
import { type Check, fail, pass } from '../core/verdict.js';
import { verifyCheckpoint, type Checkpoint } from './checkpoint.js';
import { verifiedCosignatures } from './cosignature.js';
import {
  formatVerifierKey,
  type NoteVerifier,
  parseVerifierKey,
  SIG_COSIGNATURE_V1,
  SIG_ED25519,
} from './note-key.js';

/** MAX_POLICY_ENTRIES bounds logs, witnesses and groups (each). */
export const MAX_POLICY_ENTRIES = 256;

export interface PolicyLog {
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  readonly url?: string;
}

export interface PolicyWitness {
  readonly name: string;
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  readonly url?: string;
}

export interface PolicyGroup {
  readonly name: string;
  /** How many members must have witnessed. */
  readonly threshold: number;
  readonly members: readonly string[];
}

/** TlogPolicy is a parsed policy. `quorum` undefined means `quorum none`. */
export interface TlogPolicy {
  readonly logs: readonly PolicyLog[];
  readonly witnesses: readonly PolicyWitness[];
  readonly groups: readonly PolicyGroup[];
  readonly quorum: string | undefined;
}

/**
 * parseTlogPolicy parses a policy file. Throws InputError POLICY_INVALID
 * naming the line and what was expected; `file` goes into the message.
 */
export function parseTlogPolicy(text: string, file = 'policy'): TlogPolicy {
  const bad = (line: number, why: string): never => {
    throw new InputError('POLICY_INVALID', `${file}:${line}: ${why}`, {
      file,
      hint: 'see c2sp.org/tlog-policy and docs/witness.md',
    });
  };
  if (typeof text !== 'string') return bad(0, 'not text');
  const logs: PolicyLog[] = [];
  const witnesses: PolicyWitness[] = [];
  const groups: PolicyGroup[] = [];
  const names = new Set<string>();
  const pubkeys = { log: new Set<string>(), witness: new Set<string>() };
  let quorum: string | undefined | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i]!;
    // Allowed octets: tab, newline, printable ASCII, and anything ≥ 0x80 (opaque).
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(raw))
      bad(n, 'control character (only tab and newline are allowed)');
    const words = raw.split(/[ \t]+/).filter((w) => w !== '');
    if (words.length === 0 || words[0]!.startsWith('#')) continue;
    const [kw, ...args] = words as [string, ...string[]];
    const key = (vkey: string, type: number, what: string): NoteVerifier => {
      let v: NoteVerifier;
      try {
        v = parseVerifierKey(vkey);
      } catch (e) {
        return bad(n, `${what} key: ${(e as Error).message}`);
      }
      if (v.type !== type)
        bad(
          n,
          `${what} key must be of type 0x0${type} (${type === SIG_ED25519 ? 'Ed25519 checkpoint signature' : 'cosignature/v1'})`,
        );
      return v;
    };
    const define = (name: string): void => {
      if (name === 'none') bad(n, '"none" is predefined and cannot be redefined');
      if (names.has(name)) bad(n, `${JSON.stringify(name)} is already defined`);
      names.add(name);
    };
    const limit = (list: unknown[], what: string): void => {
      if (list.length >= MAX_POLICY_ENTRIES) bad(n, `more than ${MAX_POLICY_ENTRIES} ${what}`);
    };
    switch (kw) {
      case 'log': {
        if (args.length < 1 || args.length > 2) bad(n, 'expected "log <vkey> [<url>]"');
        limit(logs, 'logs');
        const v = key(args[0]!, SIG_ED25519, 'log');
        const pk = Buffer.from(v.publicKey).toString('hex');
        if (pubkeys.log.has(pk)) bad(n, 'duplicate log key');
        pubkeys.log.add(pk);
        logs.push({
          vkey: args[0]!,
          verifier: v,
          ...(args[1] !== undefined ? { url: args[1] } : {}),
        });
        break;
      }
      case 'witness': {
        if (args.length < 2 || args.length > 3) bad(n, 'expected "witness <name> <vkey> [<url>]"');
        limit(witnesses, 'witnesses');
        define(args[0]!);
        const v = key(args[1]!, SIG_COSIGNATURE_V1, 'witness');
        const pk = Buffer.from(v.publicKey).toString('hex');
        if (pubkeys.witness.has(pk)) bad(n, 'duplicate witness key');
        pubkeys.witness.add(pk);
        witnesses.push({
          name: args[0]!,
          vkey: args[1]!,
          verifier: v,
          ...(args[2] !== undefined ? { url: args[2] } : {}),
        });
        break;
      }
      case 'group': {
        if (args.length < 3) bad(n, 'expected "group <name> all|any|<k> <member>..."');
        limit(groups, 'groups');
        const [name, k, ...members] = args as [string, string, ...string[]];
        define(name);
        const seen = new Set<string>();
        for (const m of members) {
          if (m === 'none') bad(n, '"none" cannot be a group member');
          if (!names.has(m) || m === name)
            bad(n, `member ${JSON.stringify(m)} is not defined on an earlier line`);
          if (seen.has(m)) bad(n, `member ${JSON.stringify(m)} is listed twice`);
          seen.add(m);
        }
        let threshold: number;
        if (k === 'all') threshold = members.length;
        else if (k === 'any') threshold = 1;
        else if (/^[1-9][0-9]{0,3}$/.test(k)) threshold = Number(k);
        else
          return bad(n, `threshold must be all, any or a decimal number, not ${JSON.stringify(k)}`);
        if (threshold < 1 || threshold > members.length)
          bad(n, `threshold ${threshold} is not between 1 and the ${members.length} members`);
        groups.push({ name, threshold, members });
        break;
      }
      case 'quorum': {
        if (args.length !== 1) bad(n, 'expected "quorum <name>|none"');
        if (quorum !== null) bad(n, 'a policy has exactly one quorum line');
        if (args[0] !== 'none' && !names.has(args[0]!))
          bad(n, `quorum ${JSON.stringify(args[0])} is not defined on an earlier line`);
        quorum = args[0] === 'none' ? undefined : args[0]!;
        break;
      }
      default:
        bad(n, `unknown keyword ${JSON.stringify(kw)} (expected log, witness, group or quorum)`);
    }
  }
  if (quorum === null)
    bad(lines.length, 'no quorum line (use "quorum none" to require no witnesses)');
  return { logs, witnesses, groups, quorum: quorum ?? undefined };
}

/**
 * quorumMet evaluates the quorum over the set of witness names that cosigned.
 * Returns true for `quorum none`.
 */
export function quorumMet(policy: TlogPolicy, cosigned: ReadonlySet<string>): boolean {
  if (policy.quorum === undefined) return true;
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const memo = new Map<string, boolean>();
  const witnessed = (name: string): boolean => {
    const m = memo.get(name);
    if (m !== undefined) return m;
    const g = groups.get(name);
    // Groups only reference earlier names, so recursion terminates.
    const r =
      g === undefined ? cosigned.has(name) : g.members.filter(witnessed).length >= g.threshold;
    memo.set(name, r);
    return r;
  };
  return witnessed(policy.quorum);
}

/** describeQuorum renders the quorum rule for messages, e.g. "2 of (w1, w2, w3)". */
export function describeQuorum(policy: TlogPolicy): string {
  if (policy.quorum === undefined) return 'none';
  const groups = new Map(policy.groups.map((g) => [g.name, g]));
  const d = (name: string): string => {
    const g = groups.get(name);
    return g === undefined
      ? name
      : `${g.threshold === g.members.length ? 'all' : g.threshold} of (${g.members.map(d).join(', ')})`;
  };
  return d(policy.quorum);
}

/** PolicyVerification is the result of {@link verifyCheckpointPolicy}. */
export type PolicyVerification =
  | {
      readonly ok: true;
      readonly checks: readonly Check[];
      readonly checkpoint: Checkpoint;
      readonly cosigners: readonly string[];
    }
  | {
      readonly ok: false;
      readonly checks: readonly Check[];
      readonly checkpoint?: Checkpoint;
      readonly cosigners: readonly string[];
    };

/**
 * verifyCheckpointPolicy checks a signed checkpoint against a policy: signed
 * by one of the policy's logs (or by `logKeys` when the policy lists none,
 * "logs known from other context"), then cosigned according to the quorum.
 * `now` (seconds) rejects cosignatures from the future. Returns checks named
 * "checkpoint" and "witnesses"; codes WITNESS_QUORUM_MET, WITNESS_QUORUM_NOT_MET,
 * COSIGNATURE_INVALID, POLICY_NO_LOG, plus the checkpoint codes. Never throws.
 */
export function verifyCheckpointPolicy(
  note: string,
  policy: TlogPolicy,
  options: { logKeys?: readonly NoteVerifier[]; origin?: string; now?: number } = {},
): PolicyVerification {
  const logKeys =
    policy.logs.length > 0 ? policy.logs.map((l) => l.verifier) : (options.logKeys ?? []);
  if (logKeys.length === 0) {
    return {
      ok: false,
      checks: [
        fail('checkpoint', 'POLICY_NO_LOG', 'the policy names no log and no log key was given'),
      ],
      cosigners: [],
    };
  }
  const v = verifyCheckpoint(
    note,
    logKeys,
    options.origin === undefined ? {} : { origin: options.origin },
  );
  if (!v.ok) return { ok: false, checks: [v.check], cosigners: [] };
  const c = verifiedCosignatures(
    note,
    policy.witnesses.map((w) => w.verifier),
    options.now === undefined ? {} : { now: options.now },
  );
  const byKey = new Map(
    policy.witnesses.map((w) => [`${w.verifier.name}+${w.verifier.keyId}`, w.name]),
  );
  const cosigners = c.valid
    .map((x) => byKey.get(`${x.name}+${x.keyId}`)!)
    .filter((x) => x !== undefined);
  // The checkpoint itself verified; only its witnesses fall short.
  const refused = (witnesses: Check): PolicyVerification => ({
    ok: false,
    checkpoint: v.checkpoint,
    cosigners,
    checks: [v.check, witnesses],
  });
  if (c.invalid.length > 0) {
    const b = c.invalid[0]!;
    return refused(
      fail(
        'witnesses',
        'COSIGNATURE_INVALID',
        `cosignature of witness key ${b.name}: ${b.reason}`,
        {
          witness: b.name,
        },
      ),
    );
  }
  const rule = describeQuorum(policy);
  const detail = { cosigners, quorum: rule };
  if (!quorumMet(policy, new Set(cosigners))) {
    const got =
      cosigners.length === 0
        ? 'no policy witness cosigned it'
        : `cosigned by ${cosigners.join(', ')}`;
    return refused(
      fail(
        'witnesses',
        'WITNESS_QUORUM_NOT_MET',
        `the checkpoint of size ${v.checkpoint.size} does not meet the witness quorum ${rule}: ${got}`,
        detail,
      ),
    );
  }
  const reason =
    policy.quorum === undefined
      ? 'the policy requires no witnesses'
      : `witness quorum ${rule} met by ${cosigners.join(', ')}`;
  return {
    ok: true,
    checkpoint: v.checkpoint,
    cosigners,
    checks: [v.check, pass('witnesses', 'WITNESS_QUORUM_MET', reason, detail)],
  };
}

/**
 * thresholdWitnessPolicy is the tlog-policy of "k of these witnesses"
 * (`group witnesses k w1 … wn`, `quorum witnesses`): what a project policy's
 * `minWitnesses` + `witnesses` mean. Keys that are not cosignature keys, and
 * repeated keys, are dropped; throws InputError POLICY_INVALID when fewer than k remain.
 */
export function thresholdWitnessPolicy(
  witnessKeys: readonly NoteVerifier[],
  k: number,
): TlogPolicy {
  const seen = new Set<string>();
  const witnesses: PolicyWitness[] = [];
  for (const v of witnessKeys) {
    const pk = Buffer.from(v.publicKey).toString('hex');
    if (v.type !== SIG_COSIGNATURE_V1 || seen.has(pk)) continue;
    seen.add(pk);
    const name = witnesses.some((w) => w.name === v.name)
      ? `${v.name}#${witnesses.length}`
      : v.name;
    witnesses.push({ name, vkey: formatVerifierKey(v), verifier: v });
  }
  if (k < 1 || k > witnesses.length)
    throw new InputError(
      'POLICY_INVALID',
      `a quorum of ${k} needs at least ${k} distinct witness keys, have ${witnesses.length}`,
    );
  return {
    logs: [],
    witnesses,
    groups: [{ name: 'witnesses', threshold: k, members: witnesses.map((w) => w.name) }],
    quorum: 'witnesses',
  };
}
