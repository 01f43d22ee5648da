/**
 * The release record: everything a registry says about one published
 * release, and everything a consumer needs to verify it offline — the
 * author's bundle, the registry's publish statement and npm-style
 * signature, and inclusion proofs of both in the transparency log against
 * one checkpoint. `sigil serve` answers it (GET by purl, batch lookup);
 * `sigil verify <lockfile>` consumes it.
 */
import type { SigilBundle } from './bundle.js';
import type { DsseEnvelope } from './dsse.js';

/** npm's publish attestation predicate type (github.com/npm/attestation, specs/publish/v0.1). */
export const PUBLISH_PREDICATE_TYPE =
  'https://github.com/npm/attestation/tree/main/specs/publish/v0.1';

/** PublishPredicate: the registry's statement "I accepted these bytes for name@version". */
export interface PublishPredicate {
  readonly name: string;
  readonly version: string;
  /** Base URL of the registry that accepted the release. */
  readonly registry: string;
  /** Sigil extension: when, and which key event state it was accepted under. */
  readonly publishedAt?: string;
  readonly authorKeyId?: string | null;
  /**
   * Sigil extension: digests lockfiles pin that are not of the bytes (renv.lock's `Hash`, an md5
   * of DESCRIPTION fields), by algorithm. Signed here because a verifier cannot recompute them
   * from the record's sha256; the record's `native` must agree.
   */
  readonly native?: Readonly<Record<string, string>>;
  /**
   * Sigil extension: the key ledger governing the package when the release
   * was accepted, and its last event (docs/ledger.md, "Ledger heads"); null
   * when the package had no ledger. Logged with the statement, so the log
   * shows which key events existed at each publish.
   */
  readonly ledgerHead?: {
    readonly namespace: string;
    readonly logIndex: number;
    readonly digest: string;
  } | null;
}

/** LogInclusion: one entry's place in the log, with its proof against the record's checkpoint. */
export interface LogInclusion {
  readonly logIndex: number;
  /** Base64 RFC 9162 inclusion path against `checkpoint` of the record. */
  readonly hashes: readonly string[];
}

/** ReleaseRecord is the registry's answer for one release (JSON). */
export interface ReleaseRecord {
  readonly purl: string;
  /** Hex digests of the artifact bytes. */
  readonly digests: { readonly sha256: string; readonly sha512: string };
  /** Native digests as the ecosystem spells them (npm integrity, Go h1:, …), by algorithm. */
  readonly native: Readonly<Record<string, string>>;
  readonly size: number;
  readonly publishedAt: string;
  /** The author's Sigstore bundle; null when the release was accepted unsigned by its author (policy allowed it). */
  readonly authorBundle: SigilBundle | null;
  /**
   * The public key the author signature verified with (a bundle names its key only by id).
   * Providing it says nothing about trust: whether the key may sign for the package is for
   * the ledger, the policy and the pins to decide.
   */
  readonly authorKey?: { readonly keyid: string; readonly algorithm: string; readonly pem: string };
  /** The registry's countersignature: a DSSE envelope over an in-toto statement with the publish predicate. */
  readonly publishStatement: DsseEnvelope;
  /** npm-compatible registry signature over `${name}@${version}:${integrity}` (ECDSA P-256, DER, base64). */
  readonly registrySignature?: { readonly keyid: string; readonly sig: string };
  /** Where both are logged, proven against one checkpoint. */
  readonly log: {
    readonly origin: string;
    /** Signed checkpoint (C2SP signed note) the proofs are against. */
    readonly checkpoint: string;
    readonly author?: LogInclusion;
    readonly publish: LogInclusion;
  };
  /** The key-ledger namespace that authorised the author key, and whether a registry reset is in its history. */
  readonly ledger?: { readonly namespace: string; readonly resetInHistory: boolean };
  /** Where to download the artifact. */
  readonly downloadUrl?: string;
}

/**
 * ReleaseFileSet is the answer for a version purl of an ecosystem whose versions are sets of
 * files (PyPI: sdist and wheels, each its own record under `?file_name=`): the record of every
 * published file of that version. A client that does not know this shape finds no `digests`
 * in it and fails the dependency — never a silent downgrade to "unsigned".
 */
export interface ReleaseFileSet {
  /** The version purl asked for. */
  readonly purl: string;
  readonly files: readonly ReleaseRecord[];
}

/** isReleaseFileSet tells a file set from a record (untrusted JSON: only the shape is checked here). */
export function isReleaseFileSet(v: unknown): v is ReleaseFileSet {
  return (
    typeof v === 'object' &&
    v !== null &&
    Array.isArray((v as { files?: unknown }).files) &&
    (v as { digests?: unknown }).digests === undefined
  );
}

/**
 * BatchLookupResponse: many purls, one checkpoint for all (lockfile verification). A version
 * purl of a file-set ecosystem (PyPI) is answered with a {@link ReleaseFileSet} in place of a
 * record: readers that handle PyPI read the answer as `ReleaseRecord | ReleaseFileSet`.
 */
export interface BatchLookupResponse {
  readonly checkpoint: string;
  readonly records: Readonly<Record<string, ReleaseRecord | null>>;
}
