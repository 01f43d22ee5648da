/**
 * npm's attestations document (`GET /-/npm/v1/attestations/<name>@<version>`,
 * linked from `dist.attestations.url`): `{"attestations":[{"predicateType", "bundle"}]}`.
 * The SLSA provenance bundle is keyless (Fulcio); the npm publish attestation
 * is signed with the registry's key (keyid in the DSSE signature).
 */
import { ValidationError } from '../../core/errors.js';

/** NpmAttestation is one entry of the attestations document. */
export interface NpmAttestation {
  readonly predicateType: string;
  readonly bundle: unknown;
}

/** SLSA_PROVENANCE_V1: the predicate of npm provenance (keyless). */
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';

/** parseNpmAttestations splits the document into its bundles; throws {@link ValidationError} on a wrong shape. */
export function parseNpmAttestations(doc: unknown): NpmAttestation[] {
  const list = (doc as { attestations?: unknown } | null)?.attestations;
  if (!Array.isArray(list))
    throw new ValidationError('npm attestations document', [
      'expected an object with an "attestations" array',
    ]);
  const problems: string[] = [];
  const out: NpmAttestation[] = [];
  for (const [i, a] of list.entries()) {
    const predicateType = (a as { predicateType?: unknown } | null)?.predicateType;
    const bundle = (a as { bundle?: unknown } | null)?.bundle;
    if (typeof predicateType !== 'string' || typeof bundle !== 'object' || bundle === null)
      problems.push(`attestations[${i}] needs a string predicateType and a bundle object`);
    else out.push({ predicateType, bundle });
  }
  if (problems.length > 0) throw new ValidationError('npm attestations document', problems);
  return out;
}
