/**
 * Log storage and the sequencer: the I/O side of the transparency log.
 * contract.ts is the storage contract; sqlite-file-storage.ts the embedded
 * default; memory-storage.ts / memory-log.ts the test doubles.
 */
export * from './contract.js';
export * from './memory-storage.js';
export * from './sqlite-file-storage.js';
export * from './sequencer.js';
export * from './memory-log.js';
export * from './file-log.js';
export * from './log-key.js';
export * from './audit.js';
export * from './tile-source.js';
