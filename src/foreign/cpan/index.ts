/** CPAN `SIGNATURE` (Module::Signature) verification. */
export { verifyCpanSignature } from './verify.js';
export type { CpanResult, DistFiles } from './verify.js';
export { readDistDirectory, readDistTarball, DIST_LIMITS } from './dist.js';
export { parseDigestLines } from './signature-file.js';
export type { DigestLine } from './signature-file.js';
