/**
 * Upstream: one public registry Sigil resolves names from (npm, a GOPROXY, later PyPI,
 * crates.io, …). Ecosystem-neutral on purpose: the observe service (../observed/observe.ts)
 * only needs to find a version's artifact in the upstream's index, fetch its bytes, and
 * check the upstream's own evidence. An ecosystem adds an Upstream and, for its native
 * client, routes that call `observe(purl)`.
 */
import type { UpstreamEvidence } from '../../core/observed.js';

/** ArtifactRef: where a version's artifact is, and what the upstream's index says about it. */
export interface ArtifactRef {
  readonly purl: string;
  readonly url: string;
  readonly filename: string;
  /** The digest the upstream's own index gives (npm `dist.integrity`), checked against the bytes; null when the index has none (GOPROXY). */
  readonly indexDigest: {
    readonly algorithm: 'sha512' | 'sha256' | 'sha1';
    readonly hex: string;
  } | null;
  /** When the upstream says the version was published (npm `time[v]`, Go `.info` Time), if it says. */
  readonly publishedAt: string | null;
  /** Ecosystem-specific facts the evidence check needs (e.g. the npm version manifest). */
  readonly meta?: unknown;
}

export interface Upstream {
  /** purl type this upstream serves ("npm", "golang"). */
  readonly ecosystem: string;
  /** Base URL, as configured. */
  readonly url: string;
  /** fetchIndex returns the upstream's index document of a package (parsed), or undefined when it has no such package. */
  fetchIndex(packagePurl: string): Promise<unknown>;
  /** locate finds a version in the upstream's index; undefined when the upstream has no such version. */
  locate(purl: string): Promise<ArtifactRef | undefined>;
  /** fetchArtifact returns the artifact's bytes (within the size limit). */
  fetchArtifact(ref: ArtifactRef): Promise<Buffer>;
  /**
   * evidence checks the upstream's own signatures and provenance for the version. A bad
   * signature is a verdict, not a throw; only evidence that contradicts the bytes may refuse
   * the version with an UpstreamError (PyPI: PEP 740 provenance that fails, pypi-provenance.ts).
   */
  evidence(ref: ArtifactRef, integrity: string, bytes?: Buffer): Promise<UpstreamEvidence>;
}

/** UpstreamSizeLimits: bytes (defaults in config.ts). */
export interface UpstreamSizeLimits {
  readonly maxArtifactBytes: number;
  readonly maxIndexBytes: number;
}
