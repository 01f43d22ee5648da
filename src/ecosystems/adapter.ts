/**
 * The ecosystem adapter: one per package manager, each with one job per method
 * (DESIGN.md, "Ecosystems"): identify an artifact from its own bytes, digest it
 * the ecosystem's own way, read its lockfiles.
 */
import type { ArchiveLimits } from '../archive/limits.js';

/**
 * Artifact is a file to identify or digest. `open()` may be called more than
 * once (identify and digest each make a pass); every call streams the same
 * bytes from the start. `bytes()` exists for formats that need random access
 * (zip), and may load the whole file into memory.
 */
export interface Artifact {
  /** File name (basename), for detection and messages. */
  readonly name: string;
  /** Path on disk, when there is one (lets zip readers avoid loading it all). */
  readonly path?: string;
  readonly size: number;
  open(): AsyncIterable<Uint8Array>;
  /**
   * openTransient streams the same bytes, but may hand out ONE buffer again and
   * again: each chunk is valid only until the next is asked for. For consumers
   * that use every chunk at once (hashing), it keeps memory flat on huge files.
   */
  openTransient?(): AsyncIterable<Uint8Array>;
  bytes(): Promise<Buffer>;
}

/** Identity is who an artifact says it is. */
export interface Identity {
  /** purl type, e.g. "npm", "pypi", "generic". */
  readonly type: string;
  readonly namespace?: string;
  readonly name: string;
  readonly version: string;
  /** Canonical purl with version. */
  readonly purl: string;
}

/** NativeDigest is the digest as the ecosystem itself writes it (lockfiles, indexes). */
export interface NativeDigest {
  /** e.g. "sri-sha512", "sha256", "h1", "git-tree-sha1". */
  readonly algorithm: string;
  /** Exactly as the ecosystem spells it: "sha512-…", "h1:…", hex, … */
  readonly value: string;
  /** Where the digest was taken, when not from the lockfile (e.g. "installed vendor/cache/rack-3.0.8.gem"). */
  readonly from?: string;
}

/** LockfileEntry is one resolved dependency in a lockfile. */
export interface LockfileEntry {
  readonly purl: string;
  /** Digests the lockfile pins, as written there. */
  readonly digests: readonly NativeDigest[];
  /** Where it was resolved from (URL or registry), when the lockfile says. */
  readonly resolved?: string;
  /**
   * Where the bytes come from, when the lockfile says it is not a registry
   * download (absent = registry). Only registry packages can have a Sigil
   * release record: `git`, `file`, `remote` (a plain tarball URL) and `patch`
   * are reported as unsigned; `link` (workspace members, symlinked folders)
   * and `bundled` (shipped inside their parent's tarball, covered by its
   * digest) are not checked on their own.
   */
  readonly source?: LockfileSource;
  /** Where in the lockfile the entry is (key path), for reports pointing at it. */
  readonly location?: string;
  /** What the user can do when the entry pins no digest (added to DIGEST_MISSING's reason). */
  readonly missingDigestHint?: string;
}

/** LockfileSource says where a non-registry dependency comes from. */
export type LockfileSource = 'registry' | 'git' | 'file' | 'link' | 'remote' | 'patch' | 'bundled';

export interface IdentifyOptions {
  /** Name and version given by flags (generic files have no metadata of their own). */
  readonly name?: string;
  readonly version?: string;
  /**
   * purl namespace given by a flag, for ecosystems whose artifacts do not
   * carry it (CPAN's PAUSE author id). Optional; adapters that need it say so.
   */
  readonly namespace?: string;
  readonly limits?: Partial<ArchiveLimits>;
}

/** LockfileFormat names one lockfile format and tells its files by name (light: no parser). */
export interface LockfileFormat {
  /** Display name, e.g. "package-lock.json v3". */
  readonly format: string;
  /** True when a file of this name (basename) is this format. */
  matches(fileName: string): boolean;
}

/** LockfileReader reads one lockfile format. */
export interface LockfileReader extends LockfileFormat {
  /** Parse the lockfile; throws InputError naming the field for malformed input. */
  read(fileName: string, bytes: Uint8Array): LockfileEntry[];
}

/** ReleaseKeyParts are a release's purl namespace, name and version, raw or folded. */
export interface ReleaseKeyParts {
  readonly namespace: string | undefined;
  readonly name: string;
  readonly version: string;
}

/**
 * EcosystemDescriptor is what choosing an ecosystem needs, and nothing more:
 * its name, how its files and lockfiles look, and how to load the adapter.
 * Descriptors import no parser, so `sigil verify <artifact>` loads one adapter,
 * not twenty (src/ecosystems/descriptors.ts).
 */
export interface EcosystemDescriptor {
  /** purl type; also the --type value. */
  readonly type: string;
  readonly displayName: string;
  /**
   * detect tells from the file name and its first bytes (up to 512) whether
   * this adapter handles the artifact: 'yes' (sure), 'maybe' (name fits), 'no'.
   */
  detect(fileName: string, head: Uint8Array): 'yes' | 'maybe' | 'no';
  /** The lockfile formats the adapter reads, by name only (the same objects its readers spread). */
  readonly lockfileFormats: readonly LockfileFormat[];
  /** load imports the adapter itself. */
  load(): Promise<EcosystemAdapter>;
}

export interface EcosystemAdapter {
  /** purl type; also the --type value. */
  readonly type: string;
  readonly displayName: string;
  /** See {@link EcosystemDescriptor.detect}; adapters take it from their descriptor. */
  detect(fileName: string, head: Uint8Array): 'yes' | 'maybe' | 'no';
  /** identify reads name and version from the artifact's own bytes. */
  identify(artifact: Artifact, options?: IdentifyOptions): Promise<Identity>;
  /** digest computes the ecosystem's native digest, byte-exact with its own tools. */
  digest(artifact: Artifact): Promise<NativeDigest>;
  /**
   * extraNatives: other digests the ecosystem's lockfiles pin that are not of the bytes
   * (renv.lock's `Hash`, an md5 of DESCRIPTION fields). The registry records and countersigns
   * them beside the native digest, so a lockfile entry can be tied to its release.
   */
  extraNatives?(artifact: Artifact): Promise<NativeDigest[]>;
  readonly lockfiles?: readonly LockfileReader[];
  /**
   * releaseKey folds a release's name and version the ecosystem's own way:
   * two releases with equal keys are one package and one version to the
   * package manager (npm ignores build metadata, NuGet ids are case-insensitive,
   * PEP 503 names and PEP 440 versions, …). The registry uses it for publish
   * and lookup alike (src/ecosystems/release-key.ts). Absent: exact comparison.
   */
  releaseKey?(parts: ReleaseKeyParts): ReleaseKeyParts;
}
