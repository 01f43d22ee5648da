/**
 * One dependency against its release record. Checks, in order:
 *
 *  record            the server answered for this purl (else: unsigned)
 *  digest            the lockfile's digest equals the signed one (native comparison)
 *  author            the author bundle verifies for these digests and this purl
 *  key               the signing key may sign for the namespace (policy keys,
 *                    algorithms, pins, ledger; a ledger reset is always reported)
 *  countersignature  the registry's publish statement, signed by its key, names
 *                    this purl and these digests (no mix-and-match)
 *  registry-signature npm's `${name}@${version}:${integrity}` signature, when present
 *  inclusion         both log entries are in the tree of the verified checkpoint
 */
import { hexFromSri, shortHex, sriFromHex } from '../core/digest.js';
import { parseBundle, type SigilBundle } from '../core/bundle.js';
import { verifyEnvelope } from '../core/dsse.js';
import { npmKeyId, type PublicKey, verifyBytes } from '../core/keys.js';
import { canonicalPurl, purlWithoutVersion } from '../core/purl.js';
import { PUBLISH_PREDICATE_TYPE } from '../core/release-record.js';
import { OBSERVED_PREDICATE_TYPE } from '../core/observed.js';
import { IN_TOTO_STATEMENT_TYPE } from '../core/statement.js';
import { type Check, fail, pass, skip, warn } from '../core/verdict.js';
import { verifyRelease } from '../core/verify.js';
import type { LockfileEntry } from '../ecosystems/adapter.js';
import { YARN_BERRY_CHECKSUM } from '../ecosystems/npm/lockfile-yarn.js';
import { RENV_HASH } from '../ecosystems/cran/lockfile.js';
import { recordHash } from '../log/hash.js';
import { checkInclusion } from '../log/proof.js';
import type { SigilRecord } from '../client/records/source.js';
import { ledgerNamespacesOf } from '../client/verified-ledger.js';
import type { VerifiedCheckpointText } from './checkpoints.js';
import { cachedPublicKeyFromPem, spkiPem, verifiedEnvelopeLeaf } from './key-cache.js';
import type { LedgerFacts, LedgerView } from '../client/ledger-view-types.js';
import { allowedKeysFor, packageName, type Policy, requiresAuthorSignature } from './policy.js';
import type { NamespacePin, TrustFile } from './trust-file.js';

/** DependencyStatus groups results in reports. */
export type DependencyStatus = 'verified' | 'unsigned' | 'failed' | 'skipped';

export interface DependencyResult {
  readonly purl: string;
  /** "name@version" as people write it. */
  readonly display: string;
  readonly status: DependencyStatus;
  /** One line: why it failed / is unsigned / was skipped. */
  readonly reason: string;
  readonly checks: readonly Check[];
  readonly location?: string;
  readonly namespace?: string;
  /** The author key that verified, with what a pin needs. */
  readonly signer?: {
    readonly keyid: string;
    readonly algorithm: string;
    readonly pem: string;
    readonly logIndex: number;
  };
  /** True when the policy only warns about this package (unsigned, or unsigned by its author). */
  readonly allowedByPolicy?: boolean;
}

export interface DependencyContext {
  readonly policy: Policy;
  readonly trust: TrustFile;
  readonly registryKeys: readonly PublicKey[];
  readonly logOrigin: string;
  readonly checkpoints: ReadonlyMap<string, VerifiedCheckpointText>;
  readonly refusedCheckpoints: ReadonlyMap<string, string>;
  readonly ledger?: LedgerView;
}

export function displayName(purl: string): string {
  try {
    const p = packageName(purl);
    return `${p.name}@${p.version}`;
  } catch {
    return purl;
  }
}

function done(
  entry: LockfileEntry,
  status: DependencyStatus,
  reason: string,
  checks: Check[],
  extra: Partial<DependencyResult> = {},
): DependencyResult {
  return {
    purl: entry.purl,
    display: displayName(entry.purl),
    status,
    reason,
    checks,
    ...(entry.location ? { location: entry.location } : {}),
    ...extra,
  };
}

/** skippedEntry reports entries that are not checked on their own (workspace links, bundled, go.mod-only). */
export function skippedEntry(entry: LockfileEntry): DependencyResult | undefined {
  if (entry.source === 'link')
    return done(entry, 'skipped', "workspace or linked folder: the project's own source", [
      skip('record', 'LOCAL_PACKAGE', 'a link to a folder of this project'),
    ]);
  if (entry.source === 'bundled')
    return done(
      entry,
      'skipped',
      "bundled inside its parent's tarball (covered by the parent's digest)",
      [skip('record', 'BUNDLED', "ships inside its parent's tarball")],
    );
  if (entry.digests.length > 0 && entry.digests.every((d) => d.algorithm.endsWith('-go.mod'))) {
    return done(entry, 'skipped', 'only its go.mod is used (the module itself is not downloaded)', [
      skip('record', 'GO_MOD_ONLY', 'go.sum lists only the go.mod hash'),
    ]);
  }
  return undefined;
}

/**
 * pinFor is the pin that applies to a package: its own, else its scope's.
 * `namespace` is always derived from the purl the client asked about.
 */
function pinFor(
  trust: TrustFile,
  namespace: string,
): { namespace: string; pin: NamespacePin } | undefined {
  for (const ns of ledgerNamespacesOf(namespace)) {
    const pin = Object.hasOwn(trust.namespaces, ns) ? trust.namespaces[ns] : undefined;
    if (pin) return { namespace: ns, pin };
  }
  return undefined;
}

/**
 * signatureRequiredBy names why a package needs an author signature whatever
 * the policy says (issue 11, item 4): it is pinned, or it has (had) a key
 * ledger. `publishIndex`: an unsigned release logged before the ledger's first
 * event predates it and is left to the policy. undefined: nothing requires it.
 */
function signatureRequiredBy(
  namespace: string,
  ctx: DependencyContext,
  facts: LedgerFacts | undefined,
  publishIndex?: number,
): string | undefined {
  const pin = pinFor(ctx.trust, namespace);
  if (pin)
    return `${pin.namespace} is pinned in the trust file (signed by ${pin.pin.keys.map((k) => shortHex(k.keyid)).join(', ')})`;
  if (facts?.since !== undefined && (publishIndex === undefined || !(publishIndex < facts.since)))
    return `${namespace} has a key ledger since log index ${facts.since}`;
  return undefined;
}

/** unsignedDecision turns "no signature" into unsigned (policy warns) or failed (policy requires). */
function unsignedResult(
  entry: LockfileEntry,
  ctx: DependencyContext,
  why: string,
  checks: Check[],
  extra: Partial<DependencyResult> = {},
): DependencyResult {
  const required = requiresAuthorSignature(ctx.policy, entry.purl);
  if (required)
    return done(
      entry,
      'failed',
      `${why}; the policy requires an author signature`,
      [
        ...checks,
        fail(
          'policy',
          'AUTHOR_SIGNATURE_REQUIRED',
          `${why}; the policy requires an author signature for this package`,
        ),
      ],
      extra,
    );
  if (ctx.policy.unsigned === 'fail')
    return done(
      entry,
      'failed',
      `${why}; the policy fails unsigned packages`,
      [...checks, fail('policy', 'UNSIGNED_NOT_ALLOWED', `${why}; policy "unsigned": "fail"`)],
      extra,
    );
  return done(
    entry,
    'unsigned',
    why,
    [...checks, warn('policy', 'UNSIGNED_ALLOWED', `${why}; allowed by policy (warn)`)],
    { ...extra, allowedByPolicy: true },
  );
}

/** compareDigests compares the lockfile's native digests with the record (see the file comment). */
export function compareDigests(entry: LockfileEntry, record: SigilRecord): Check {
  let matched = 0;
  let from: string | undefined;
  let berry = false;
  const uncomparable: string[] = [];
  for (const d of entry.digests) {
    let signed: string | undefined;
    let actual: string | undefined;
    if (d.algorithm === 'sri-sha512' || d.algorithm === 'sri-sha256') {
      const alg = d.algorithm.slice(4) as 'sha512' | 'sha256';
      actual = hexFromSri(d.value)?.hex;
      signed = record.digests?.[alg];
      if (actual !== undefined && signed !== undefined) {
        if (actual !== signed) {
          return fail(
            'digest',
            'DIGEST_MISMATCH',
            `lockfile ${d.value.slice(0, 16)}… ≠ signed ${sriFromHex(alg, signed).slice(0, 16)}… (tampered lockfile or wrong mirror)`,
            { algorithm: alg, lockfile: d.value, signed: sriFromHex(alg, signed) },
          );
        }
        matched++;
        continue;
      }
    }
    if (d.algorithm === YARN_BERRY_CHECKSUM && record.native?.[d.algorithm] === undefined) {
      berry = true;
      continue;
    }
    // The record's native digest for this algorithm, else its plain sha256/sha512 (hex: compared lower-case).
    const native = record.native?.[d.algorithm];
    const plain =
      native === undefined && (d.algorithm === 'sha256' || d.algorithm === 'sha512')
        ? record.digests?.[d.algorithm]
        : undefined;
    const signedHex = native ?? plain;
    if (signedHex !== undefined) {
      if ((native !== undefined ? d.value : d.value.toLowerCase()) !== signedHex)
        return fail(
          'digest',
          'DIGEST_MISMATCH',
          d.from
            ? `${d.from}: ${d.algorithm} ${shortHex(d.value)} ≠ signed ${shortHex(signedHex)} (the installed file is not the signed one)`
            : `lockfile ${d.algorithm} ${shortHex(d.value)} ≠ signed ${shortHex(signedHex)} (tampered lockfile or wrong mirror)`,
          { algorithm: d.algorithm, lockfile: d.value, signed: signedHex },
        );
      matched++;
      from ??= d.from;
      continue;
    }
    uncomparable.push(d.algorithm);
  }
  if (matched > 0)
    return pass(
      'digest',
      'DIGEST_MATCH',
      from
        ? `${from}: its digest equals the signed one`
        : `lockfile digest equals the signed one (${matched === 1 ? 'one digest' : `${matched} digests`})`,
    );
  if (berry) {
    return warn(
      'digest',
      'DIGEST_NOT_COMPARABLE',
      'yarn berry pins a hash of its own cache zip, not of the tarball: the lockfile cannot be tied to the signed bytes (the release itself was verified)',
    );
  }
  if (uncomparable.length > 0) {
    return fail(
      'digest',
      'DIGEST_WEAK',
      `the lockfile pins only ${uncomparable.join(', ')}, which the signed record does not carry`,
      { algorithms: uncomparable },
    );
  }
  return fail(
    'digest',
    'DIGEST_MISSING',
    `the lockfile pins no digest for this package, so any bytes would be installed${entry.missingDigestHint ? `; ${entry.missingDigestHint}` : ''}`,
  );
}

interface AuthorOutcome {
  readonly checks: Check[];
  readonly key?: PublicKey;
  readonly signerKeyId?: string;
}

function verifyAuthor(
  entry: LockfileEntry,
  record: SigilRecord,
  bundle: SigilBundle,
  ctx: DependencyContext,
  namespace: string,
): AuthorOutcome {
  const hint = bundle.verificationMaterial.publicKey.hint;
  // Key material: the policy's PEMs, the pins, the record's authorKey. None is authority by itself.
  const candidates: PublicKey[] = [];
  const allowed = allowedKeysFor(ctx.policy, entry.purl);
  for (const k of allowed ?? [])
    if (k.includes('BEGIN PUBLIC KEY')) {
      try {
        candidates.push(cachedPublicKeyFromPem(k, {}, 'a policy key'));
      } catch {
        /* unusable PEM in the policy never matches */
      }
    }
  for (const k of pinFor(ctx.trust, namespace)?.pin.keys ?? []) {
    try {
      candidates.push(
        cachedPublicKeyFromPem(k.pem, { keyid: k.keyid }, `pinned key ${shortHex(k.keyid)}`),
      );
    } catch {
      /* a corrupt pin never matches */
    }
  }
  if (record.authorKey && typeof record.authorKey.pem === 'string') {
    try {
      candidates.push(
        cachedPublicKeyFromPem(
          record.authorKey.pem,
          { keyid: record.authorKey.keyid, algorithm: record.authorKey.algorithm },
          "the record's author key",
        ),
      );
    } catch (e) {
      return { checks: [fail('author', 'AUTHOR_KEY_INVALID', (e as Error).message)] };
    }
  }
  const key = candidates.find((k) => k.keyId === hint);
  if (!key) {
    return {
      checks: [
        fail(
          'author',
          'AUTHOR_KEY_UNKNOWN',
          `signed by key ${shortHex(hint)}, but neither the record, the pins nor the policy give that key`,
          { keyId: hint },
        ),
      ],
      signerKeyId: hint,
    };
  }
  const r = verifyRelease({
    bundle: { parsedJson: bundle },
    bundleFile: 'author bundle',
    artifact: { name: entry.purl, digests: record.digests, purl: entry.purl },
    trustedKeys: [key],
  });
  if (!r.ok) {
    const f = r.checks.find((c) => c.status === 'fail')!;
    return {
      checks: [
        fail('author', `AUTHOR_${f.code}`, `author signature: ${f.reason}`, { keyId: hint }),
      ],
      signerKeyId: hint,
    };
  }
  return {
    checks: [
      pass('author', 'AUTHOR_SIGNATURE_VALID', `${key.algorithm} key ${shortHex(key.keyId)}`, {
        keyId: key.keyId,
      }),
    ],
    key,
    signerKeyId: key.keyId,
  };
}

async function authoriseKey(
  entry: LockfileEntry,
  key: PublicKey,
  logIndex: number,
  namespace: string,
  record: SigilRecord,
  ctx: DependencyContext,
): Promise<Check[]> {
  const checks: Check[] = [];
  if (!ctx.policy.allowedAlgorithms.includes(key.algorithm)) {
    return [
      fail(
        'key',
        'KEY_ALGORITHM_NOT_ALLOWED',
        `signed with ${key.algorithm}; the policy allows ${ctx.policy.allowedAlgorithms.join(', ')}`,
      ),
    ];
  }
  const allowed = allowedKeysFor(ctx.policy, entry.purl);
  if (allowed !== undefined) {
    const ids = allowed.map((k) => (k.includes('BEGIN PUBLIC KEY') ? safeKeyId(k) : k));
    if (!ids.includes(key.keyId))
      return [
        fail(
          'key',
          'KEY_NOT_ALLOWED',
          `signed by key ${shortHex(key.keyId)}, which the policy does not list for this package (allowed: ${ids.map((i) => shortHex(i ?? '?')).join(', ')})`,
          { keyId: key.keyId },
        ),
      ];
  }
  const ledger = ctx.ledger
    ? await ctx.ledger.authorisedAt(namespace, key.keyId, logIndex)
    : undefined;
  if (ledger?.failure)
    return [
      fail(
        'key',
        'KEY_LEDGER_UNVERIFIED',
        `the key ledger of ${namespace} could not be established (${ledger.failure}), so no key can be authorised for it`,
        { keyId: key.keyId },
      ),
    ];
  const pinned = pinFor(ctx.trust, namespace);
  const pin = pinned?.pin;
  if (pin) {
    // Pins add requirements; they never override the ledger: a revocation or a compromise date always wins.
    if (ledger && !ledger.allowed) {
      checks.push(
        fail(
          'key',
          'KEY_NOT_AUTHORISED',
          `key ledger: ${ledger.reason} (the pin in the trust file does not override a revocation or compromise)`,
          { keyId: key.keyId, logIndex },
        ),
      );
    } else if (pin.keys.some((k) => k.keyid === key.keyId))
      checks.push(
        pass(
          'key',
          'KEY_PINNED',
          `key ${shortHex(key.keyId)} is pinned for ${pinned.namespace}${ledger ? ` and ${ledger.reason}` : ''}`,
        ),
      );
    else if (ledger?.allowed)
      checks.push(
        warn(
          'key',
          'KEY_ROTATED',
          `key changed for ${namespace}: ${shortHex(key.keyId)} is not pinned, but the key ledger authorised it (${ledger.reason}); \`sigil verify --pin\` records it`,
          { keyId: key.keyId },
        ),
      );
    else
      checks.push(
        fail(
          'key',
          'KEY_CHANGED',
          `signed by key ${shortHex(key.keyId)}, but ${namespace} is pinned to ${pin.keys.map((k) => shortHex(k.keyid)).join(', ')} and ${ledger ? `the key ledger refuses it: ${ledger.reason}` : 'no key ledger authorised the change'}`,
          {
            keyId: key.keyId,
            pinned: pin.keys.map((k) => k.keyid),
          },
        ),
      );
  } else if (ledger) {
    checks.push(
      ledger.allowed
        ? pass('key', 'KEY_AUTHORISED', `key ledger: ${ledger.reason}`)
        : fail('key', 'KEY_NOT_AUTHORISED', `key ledger: ${ledger.reason}`, {
            keyId: key.keyId,
            logIndex,
          }),
    );
  } else if (allowed !== undefined) {
    checks.push(
      pass('key', 'KEY_ALLOWED_BY_POLICY', `key ${shortHex(key.keyId)} is listed in the policy`),
    );
  } else if (ctx.policy.trustOnFirstUse) {
    checks.push(
      pass(
        'key',
        'KEY_FIRST_USE',
        `first use of ${namespace}: key ${shortHex(key.keyId)} trusted on first use (pin it with --pin)`,
      ),
    );
  } else {
    checks.push(
      fail(
        'key',
        'KEY_NOT_PINNED',
        `${namespace} is not pinned and the policy does not trust on first use`,
        { keyId: key.keyId },
      ),
    );
  }
  if (record.ledger?.resetInHistory || ledger?.reset) {
    checks.push(
      warn(
        'ledger',
        'LEDGER_RESET',
        `the registry reset the keys of ${namespace} at some point (lost keys); the history is in the log`,
      ),
    );
  }
  return checks;
}

function safeKeyId(pem: string): string | undefined {
  try {
    return cachedPublicKeyFromPem(pem).keyId;
  } catch {
    return undefined;
  }
}

/** LedgerHeadClaim is what a verified publish statement says of the package's ledger at publish time (null: none). */
type LedgerHeadClaim =
  | { readonly namespace: string; readonly logIndex: number; readonly digest: string }
  | null
  | undefined;

function ledgerHeadClaim(predicate: unknown): LedgerHeadClaim {
  const h = (predicate as { ledgerHead?: unknown } | undefined)?.ledgerHead;
  if (h === null) return null;
  if (typeof h !== 'object' || h === undefined) return undefined;
  const x = h as Record<string, unknown>;
  return typeof x['namespace'] === 'string' &&
    Number.isSafeInteger(x['logIndex']) &&
    typeof x['digest'] === 'string'
    ? { namespace: x['namespace'], logIndex: x['logIndex'] as number, digest: x['digest'] }
    : undefined;
}

/**
 * checkLedgerHeadClaim holds the publish statement's ledger head (logged,
 * registry-signed) against the ledger the client verified: it must name the
 * package's own ledger or its scope's, and that event must be among those the
 * client replayed (else events were withheld). undefined: nothing to check.
 */
function checkLedgerHeadClaim(
  namespace: string,
  claim: LedgerHeadClaim,
  facts: LedgerFacts | undefined,
): Check | undefined {
  if (!claim || !facts || facts.failure) return undefined;
  if (!ledgerNamespacesOf(namespace).includes(claim.namespace)) {
    return fail(
      'ledger',
      'RECORD_LEDGER_MISMATCH',
      `the registry's publish statement names key ledger ${claim.namespace.slice(0, 120)}, which is not ${namespace}'s (or its scope's)`,
    );
  }
  if (facts.contains && !facts.contains(claim.namespace, claim.logIndex, claim.digest)) {
    return fail(
      'ledger',
      'LEDGER_EVENTS_WITHHELD',
      `the release was published when the key ledger of ${claim.namespace} ended at log index ${claim.logIndex} (${shortHex(claim.digest)}), but that event is not among the verified events: key events were withheld`,
    );
  }
  return undefined;
}

function checkCountersignature(
  entry: LockfileEntry,
  record: SigilRecord,
  ctx: DependencyContext,
): { check: Check; key?: PublicKey; ledgerHead?: LedgerHeadClaim } {
  let verified: { key: PublicKey }[];
  let payload: Buffer;
  try {
    ({ verified, payload } = verifyEnvelope(record.publishStatement, ctx.registryKeys));
  } catch (e) {
    return {
      check: fail(
        'countersignature',
        'COUNTERSIGNATURE_INVALID',
        `the publish statement is unreadable: ${(e as Error).message}`,
      ),
    };
  }
  if (verified.length === 0)
    return {
      check: fail(
        'countersignature',
        'COUNTERSIGNATURE_INVALID',
        `the publish statement is not signed by the registry's key (${ctx.registryKeys.map((k) => shortHex(k.keyId)).join(', ') || 'none published'})`,
      ),
    };
  let st: {
    _type?: unknown;
    predicateType?: unknown;
    subject?: { name?: unknown; digest?: Record<string, unknown> }[];
    predicate?: unknown;
  };
  try {
    st = JSON.parse(payload.toString('utf8')) as typeof st;
  } catch {
    return {
      check: fail(
        'countersignature',
        'COUNTERSIGNATURE_INVALID',
        'the publish statement is not JSON',
      ),
    };
  }
  // An observed record (levels.ts) is the registry's statement too: same subject, its own predicate.
  if (
    st._type !== IN_TOTO_STATEMENT_TYPE ||
    (st.predicateType !== PUBLISH_PREDICATE_TYPE && st.predicateType !== OBSERVED_PREDICATE_TYPE) ||
    !Array.isArray(st.subject) ||
    st.subject.length !== 1
  ) {
    return {
      check: fail(
        'countersignature',
        'COUNTERSIGNATURE_INVALID',
        'the publish statement is not an in-toto statement with the publish (or observed) predicate and one subject',
      ),
    };
  }
  const s = st.subject[0]!;
  let name: string;
  try {
    name = canonicalPurl(String(s.name));
  } catch {
    return {
      check: fail(
        'countersignature',
        'COUNTERSIGNATURE_MISMATCH',
        `the publish statement names "${String(s.name).slice(0, 80)}", not a purl`,
      ),
    };
  }
  // check for mix-and-match: a genuine countersignature of another release (or other bytes) must not pass.
  if (
    name !== canonicalPurl(entry.purl) ||
    s.digest?.['sha512'] !== record.digests.sha512 ||
    s.digest?.['sha256'] !== record.digests.sha256
  ) {
    return {
      check: fail(
        'countersignature',
        'COUNTERSIGNATURE_MISMATCH',
        `the registry's countersignature is for ${displayName(name)} sha512 ${shortHex(String(s.digest?.['sha512'] ?? '?'))}, not for this release (${displayName(entry.purl)} sha512 ${shortHex(record.digests.sha512)})`,
        {
          signedFor: name,
        },
      ),
    };
  }
  // Digests that are not of the bytes (renv's Hash) count only as the registry signed them.
  const signedNative = (st.predicate as { native?: unknown } | undefined)?.native;
  const signed =
    signedNative !== null && typeof signedNative === 'object'
      ? (signedNative as Record<string, unknown>)
      : {};
  {
    const differs = [
      ...new Set([
        ...Object.keys(signed),
        ...MUST_BE_COUNTERSIGNED.filter((alg) => record.native?.[alg] !== undefined),
      ]),
    ].filter((alg) => record.native?.[alg] !== signed[alg]);
    if (differs.length > 0)
      return {
        check: fail(
          'countersignature',
          'COUNTERSIGNATURE_MISMATCH',
          `the record's ${differs.join(', ')} is not the one the registry countersigned for ${displayName(entry.purl)}`,
          { algorithms: differs },
        ),
      };
  }
  return {
    check: pass(
      'countersignature',
      'COUNTERSIGNATURE_VALID',
      `registry key ${shortHex(verified[0]!.key.keyId)}`,
    ),
    key: verified[0]!.key,
    ledgerHead: ledgerHeadClaim(st.predicate),
  };
}

function checkRegistrySignature(
  entry: LockfileEntry,
  record: SigilRecord,
  ctx: DependencyContext,
): Check | undefined {
  const sig = record.registrySignature;
  if (!sig) return undefined;
  const { type, name, version } = packageName(entry.purl);
  if (type !== 'npm') return undefined;
  const key = ctx.registryKeys.find((k) => npmKeyId(k.keyId) === sig.keyid);
  if (!key)
    return fail(
      'registry-signature',
      'REGISTRY_SIGNATURE_KEY_UNKNOWN',
      `npm registry signature by ${sig.keyid}, which is not a registry key of this server`,
    );
  const integrity = record.native?.['sri-sha512'] ?? sriFromHex('sha512', record.digests.sha512);
  let ok = false;
  try {
    ok = verifyBytes(
      key,
      Buffer.from(`${name}@${version}:${integrity}`),
      Buffer.from(sig.sig, 'base64'),
    );
  } catch {
    ok = false;
  }
  return ok
    ? pass(
        'registry-signature',
        'REGISTRY_SIGNATURE_VALID',
        `npm registry signature ${sig.keyid.slice(0, 16)}…`,
      )
    : fail(
        'registry-signature',
        'REGISTRY_SIGNATURE_INVALID',
        `the npm registry signature over ${name}@${version}:${integrity.slice(0, 16)}… does not verify`,
      );
}

function checkEntryInclusion(
  what: string,
  leaf: () => Uint8Array,
  inc: { logIndex: number; hashes: readonly string[] } | undefined,
  cp: VerifiedCheckpointText,
): Check {
  if (!inc)
    return fail(
      'inclusion',
      'INCLUSION_MISSING',
      `the record has no inclusion proof for the ${what}`,
    );
  let bytes: Uint8Array;
  try {
    bytes = leaf();
  } catch (e) {
    return fail(
      'inclusion',
      'INCLUSION_LEAF_INVALID',
      `cannot form the log entry of the ${what}: ${(e as Error).message}`,
    );
  }
  if (!Array.isArray(inc.hashes) || !inc.hashes.every((h) => typeof h === 'string'))
    return fail(
      'inclusion',
      'PROOF_BAD_HASH',
      `the ${what}'s inclusion proof is not a list of base64 hashes`,
    );
  const proof = inc.hashes.map((h) => new Uint8Array(Buffer.from(h, 'base64')));
  const c = checkInclusion(
    proof,
    inc.logIndex,
    cp.checkpoint.size,
    recordHash(bytes),
    cp.checkpoint.hash,
  );
  return c.status === 'pass' ? c : { ...c, reason: `${what}: ${c.reason}` };
}

/** Native digests no verifier can recompute from the record's sha256 (not of the bytes): believed only when countersigned. */
const MUST_BE_COUNTERSIGNED = [RENV_HASH];

/** checkDependency runs every check of one dependency; never throws for bad records. */
export async function checkDependency(
  entry: LockfileEntry,
  recordIn: SigilRecord | null | undefined,
  ctx: DependencyContext,
): Promise<DependencyResult> {
  const skipped = skippedEntry(entry);
  if (skipped) return skipped;
  if (entry.source !== undefined && entry.source !== 'registry') {
    const why = `${entry.source} dependency${entry.resolved ? ` (${entry.resolved.slice(0, 80)})` : ''}: not from a registry, so no Sigil record can exist`;
    return unsignedResult(entry, ctx, why, [skip('record', 'NOT_FROM_REGISTRY', why)]);
  }
  // The namespace is derived from the purl the client asked about, never from the server's answer.
  let namespace: string;
  try {
    namespace = purlWithoutVersion(entry.purl);
  } catch (e) {
    const c = fail(
      'record',
      'PURL_INVALID',
      `the lockfile names an unreadable package URL: ${(e as Error).message}`,
    );
    return done(entry, 'failed', c.reason, [c]);
  }
  const facts = ctx.ledger?.facts ? await ctx.ledger.facts(namespace) : undefined;
  const ledgerFailure = facts?.failure
    ? fail('ledger', facts.failure.code, `key ledger of ${namespace}: ${facts.failure.reason}`)
    : undefined;
  if (recordIn === null || recordIn === undefined) {
    const required = signatureRequiredBy(namespace, ctx, facts);
    if (ledgerFailure)
      return done(
        entry,
        'failed',
        ledgerFailure.reason,
        [skip('record', 'NO_RECORD', 'the server has no record of this release'), ledgerFailure],
        { namespace },
      );
    if (required) {
      // Downgrade to unsigned: a server or a man in the middle hiding the record of a signed package.
      const c = fail(
        'record',
        'RECORD_REQUIRED',
        `no Sigil record on the server, but ${required}: it requires an author signature (a reset is the only way out, and it is logged)`,
      );
      return done(entry, 'failed', c.reason, [c], { namespace });
    }
    return unsignedResult(entry, ctx, 'no Sigil record on the server', [
      skip('record', 'NO_RECORD', 'the server has no record of this release'),
    ]);
  }
  const record = recordIn;
  const checks: Check[] = [];
  // The record must be for this package and of the expected shape (attacker-controlled JSON).
  try {
    if (
      typeof record !== 'object' ||
      typeof record.purl !== 'string' ||
      typeof record.digests?.sha512 !== 'string' ||
      typeof record.digests?.sha256 !== 'string' ||
      typeof record.log?.checkpoint !== 'string'
    ) {
      throw new Error('the record lacks purl, digests or log');
    }
    if (canonicalPurl(record.purl) !== canonicalPurl(entry.purl)) {
      const c = fail(
        'record',
        'RECORD_PURL_MISMATCH',
        `the server answered with the record of ${displayName(record.purl)}`,
      );
      return done(entry, 'failed', c.reason, [c]);
    }
    // A record naming another ledger than the package's own or its scope's is refused, not followed.
    if (
      record.ledger !== undefined &&
      record.ledger !== null &&
      !ledgerNamespacesOf(namespace).includes(
        String((record.ledger as { namespace?: unknown }).namespace),
      )
    ) {
      const c = fail(
        'record',
        'RECORD_LEDGER_MISMATCH',
        `the record names key ledger ${String((record.ledger as { namespace?: unknown }).namespace).slice(0, 120)}, which is not ${namespace}'s (or its scope's): a server choosing which ledger applies`,
      );
      return done(entry, 'failed', c.reason, [c], { namespace });
    }
  } catch (e) {
    const c = fail(
      'record',
      'RECORD_INVALID',
      `the server's record is malformed: ${(e as Error).message}`,
    );
    return done(entry, 'failed', c.reason, [c]);
  }
  checks.push(
    pass(
      'record',
      'RECORD_FOUND',
      `record on the server (log index ${record.log.publish?.logIndex ?? '?'})`,
    ),
  );
  if (ledgerFailure) checks.push(ledgerFailure);
  checks.push(compareDigests(entry, record));

  // Author signature and key authorisation.
  let author: AuthorOutcome | undefined;
  let bundle: SigilBundle | undefined;
  if (record.authorBundle) {
    try {
      bundle = parseBundle({ parsedJson: record.authorBundle }, 'author bundle');
    } catch (e) {
      checks.push(fail('author', 'AUTHOR_BUNDLE_INVALID', (e as Error).message));
    }
    if (bundle) {
      author = verifyAuthor(entry, record, bundle, ctx, namespace);
      checks.push(...author.checks);
      if (author.key)
        checks.push(
          ...(await authoriseKey(
            entry,
            author.key,
            record.log.author?.logIndex ?? record.log.publish.logIndex,
            namespace,
            record,
            ctx,
          )),
        );
    }
  }

  const counter = checkCountersignature(entry, record, ctx);
  checks.push(counter.check);
  const headClaim = checkLedgerHeadClaim(namespace, counter.ledgerHead, facts);
  if (headClaim) checks.push(headClaim);
  const npmSig = checkRegistrySignature(entry, record, ctx);
  if (npmSig) checks.push(npmSig);

  // Log inclusion, against the (verified) checkpoint of the record.
  const cp = ctx.checkpoints.get(record.log.checkpoint);
  if (record.log.origin !== ctx.logOrigin) {
    checks.push(
      fail(
        'inclusion',
        'LOG_ORIGIN_MISMATCH',
        `the record is logged in ${record.log.origin}, not in the server's log ${ctx.logOrigin}`,
      ),
    );
  } else if (!cp) {
    checks.push(
      fail(
        'inclusion',
        'CHECKPOINT_INVALID',
        `the record's checkpoint does not verify: ${ctx.refusedCheckpoints.get(record.log.checkpoint) ?? 'unknown checkpoint'}`,
      ),
    );
  } else {
    const parts: Check[] = [];
    if (counter.key)
      parts.push(
        checkEntryInclusion(
          'publish statement',
          () => verifiedEnvelopeLeaf(record.publishStatement, counter.key!),
          record.log.publish,
          cp,
        ),
      );
    else
      parts.push(
        skip(
          'inclusion',
          'NOT_CHECKED',
          'publish statement: not checked without a valid countersignature',
        ),
      );
    if (bundle && author?.key)
      parts.push(
        checkEntryInclusion(
          'author signature',
          () => verifiedEnvelopeLeaf(bundle.dsseEnvelope, author.key!),
          record.log.author,
          cp,
        ),
      );
    const bad = parts.find((p) => p.status === 'fail');
    if (bad) checks.push(bad);
    else if (parts.every((p) => p.status === 'pass'))
      checks.push(
        pass(
          'inclusion',
          'INCLUSION_PROOF_VALID',
          `${parts.length === 2 ? 'author signature and countersignature' : 'countersignature'} in the log at checkpoint ${cp.checkpoint.size.toLocaleString('en-US')}`,
        ),
      );
    else checks.push(parts.find((p) => p.status !== 'pass')!);
  }

  const failed = checks.find((c) => c.status === 'fail');
  const signer = author?.key
    ? {
        keyid: author.key.keyId,
        algorithm: author.key.algorithm,
        pem: spkiPem(author.key),
        logIndex: record.log.author?.logIndex ?? record.log.publish.logIndex,
      }
    : undefined;
  const extra: Partial<DependencyResult> = { namespace, ...(signer ? { signer } : {}) };
  if (failed) return done(entry, 'failed', failed.reason, checks, extra);
  if (!record.authorBundle) {
    const required = signatureRequiredBy(namespace, ctx, facts, record.log.publish?.logIndex);
    if (required) {
      const c = fail(
        'author',
        'AUTHOR_SIGNATURE_REQUIRED',
        `countersigned by the registry, but not signed by its author, and ${required}: it requires an author signature (a reset is the only way out, and it is logged)`,
      );
      return done(entry, 'failed', c.reason, [...checks, c], extra);
    }
    return unsignedResult(
      entry,
      ctx,
      'countersigned by the registry, but not signed by its author',
      checks,
      extra,
    );
  }
  return done(
    entry,
    'verified',
    'author signature, key, countersignature, log inclusion',
    checks,
    extra,
  );
}
