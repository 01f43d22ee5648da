/**
 * What the upstreams that sign nothing (PyPI, Cargo, RubyGems, Composer, CRAN, Maven) share:
 * fetching the file their index lists, and the evidence record that says only which index
 * digest was checked.
 */
import { createHash } from 'node:crypto';
import type { UpstreamEvidence } from '../../core/observed.js';
import { UpstreamClient, UpstreamError } from './http.js';
import type { ArtifactRef, UpstreamSizeLimits } from './upstream.js';

/** fetchListedArtifact GETs the file an index lists; a 404 is the upstream contradicting its own index (502). */
export async function fetchListedArtifact(
  client: UpstreamClient,
  label: string,
  limits: UpstreamSizeLimits,
  ref: ArtifactRef,
): Promise<Buffer> {
  const r = await client.get(ref.url, {
    upstream: label,
    what: `file ${ref.filename} of ${ref.purl}`,
    maxBytes: limits.maxArtifactBytes,
  });
  if (!r)
    throw new UpstreamError(
      502,
      'UPSTREAM_ARTIFACT_MISSING',
      `${label} lists ${ref.purl} but ${ref.url} answers 404`,
    );
  return r.body;
}

/** unsignedIndexEvidence: "not-applicable" signature and provenance, with why; the index digest that was checked. */
export function unsignedIndexEvidence(
  ref: ArtifactRef,
  signatureReason: string,
  provenance: UpstreamEvidence['provenance'] = {
    verdict: 'not-applicable',
    reason: 'this kind of index carries no provenance',
  },
): UpstreamEvidence {
  return {
    registrySignature: { verdict: 'not-applicable', reason: signatureReason },
    provenance,
    indexDigest: ref.indexDigest
      ? { algorithm: ref.indexDigest.algorithm, value: ref.indexDigest.hex }
      : null,
  };
}

/**
 * checkListedMd5 refuses bytes whose md5 is not the one the upstream's index lists (CRAN's
 * MD5sum, a Forge release with only file_md5): a weak digest, but the upstream's own, checked
 * here because the ArtifactRef digest union has no md5. `listed` names the field for the message.
 */
export function checkListedMd5(
  label: string,
  ref: ArtifactRef,
  bytes: Buffer,
  md5: string | null,
  listed: string,
): void {
  if (md5 && createHash('md5').update(bytes).digest('hex') !== md5)
    throw new UpstreamError(
      502,
      'UPSTREAM_DIGEST_MISMATCH',
      `${label} served bytes for ${ref.purl} whose md5 is not the ${listed} (${md5.slice(0, 16)}…); refused, nothing logged`,
      'the upstream or something between it and Sigil is serving other bytes than it lists',
    );
}
