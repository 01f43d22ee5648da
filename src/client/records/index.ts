/** Release records for lockfile verification: sources (HTTP, offline cache; a test double in test/helpers/memory-record-source.ts), and the checkpoint clock. */
export * from './source.js';
export * from './http-source.js';
export * from './cache.js';
export * from './seen.js';
