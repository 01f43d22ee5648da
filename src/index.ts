/**
 * Sigil as a library: `import { verifyRelease, signRelease } from 'sigil'`.
 * The CLI is a thin shell over these exports.
 */
export * from './core/verdict.js';
export * from './core/errors.js';
export * from './core/digest.js';
export * from './core/keys.js';
export * from './core/dsse.js';
export * from './core/purl.js';
export * from './core/statement.js';
export * from './core/bundle.js';
export * from './core/sign.js';
export * from './core/verify.js';
export * from './archive/limits.js';
export * from './archive/tar.js';
export * from './archive/zip.js';
export * from './ecosystems/index.js';
export * from './ecosystems/describe.js';
export * from './log/index.js';
export * from './core/release-record.js';
export * from './ledger/index.js';
export * from './store/index.js';
