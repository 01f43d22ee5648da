export { verifySigstoreBundle, parseTrustedRoot } from './verify.js';
export type { IdentityPolicy, SigstoreVerifyOptions } from './verify.js';
export { PUBLIC_GOOD_TRUSTED_ROOT } from './public-good-root.js';
export { parseNpmAttestations, SLSA_PROVENANCE_V1 } from './npm-attestations.js';
export type { NpmAttestation } from './npm-attestations.js';
export { verifySigstoreBundleFile, readTrustedRootFile } from './read.js';
export { verifyPep740Provenance, describePublisher, PYPI_PUBLISH_V1 } from './pep740.js';
export type { Pep740Publisher, Pep740Result, Pep740Outcome } from './pep740.js';
