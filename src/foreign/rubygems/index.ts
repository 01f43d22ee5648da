export { readGemTar, DEFAULT_GEM_TAR_LIMITS } from './tar.js';
export type { TarMember, TarLimits } from './tar.js';
export { parseGem, parseGemSpec } from './gem.js';
export type { GemPackage, GemSpecSummary } from './gem.js';
export { verifyGem, verifyGemPackage } from './verify.js';
export type { GemPolicyName, GemVerifyOptions } from './verify.js';
export { readTrustDir, verifyGemFile } from './read.js';
