/** Release records for lockfile verification: sources (HTTP, offline cache, memory), and the checkpoint clock. */
export * from './source.js';
export * from './http-source.js';
export * from './memory-source.js';
export * from './cache.js';
export * from './seen.js';
