/**
 * The log's pure layer: RFC 6962/9162 Merkle math, C2SP tlog-tiles,
 * signed notes, checkpoints and cosignatures. No I/O; storage and HTTP
 * live in src/store and src/registry.
 */
export * from './hash.js';
export * from './merkle.js';
export * from './proof.js';
export * from './tile-path.js';
export * from './tile.js';
export * from './entry-bundle.js';
export * from './integrate.js';
export * from './note-key.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './cosignature.js';
export * from './add-checkpoint.js';
export * from './policy.js';
export * from './tlog-proof.js';
export * from './service.js';
export * as rekor from './rekor/index.js';
