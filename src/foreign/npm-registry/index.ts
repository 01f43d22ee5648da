export { parseNpmKeys } from './keys.js';
export type { NpmRegistryKey } from './keys.js';
export { npmIntegrityString } from './integrity.js';
export { verifyNpmManifest, verifyNpmPackument, MISSING_TIME_CUTOFF } from './verify.js';
export type { NpmManifestOptions, NpmPackumentOptions } from './verify.js';
export { verifyNpmSignaturesFile } from './read.js';
