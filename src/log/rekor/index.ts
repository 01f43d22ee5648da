/**
 * Rekor v2 compatibility, pure: dsse v0.0.2 entries, TransparencyLogEntry
 * JSON, log ids and the Sigstore TrustedRoot that names a Sigil log.
 */
export * from './canonical-json.js';
export * from './errors.js';
export * from './dsse-entry.js';
export * from './log-id.js';
export * from './tlog-entry.js';
export * from './verify-entry.js';
export * from './trusted-root.js';
