/** The client layer: reading and auditing transparency logs, and remembering what they showed. */
export * from './errors.js';
export * from './fetcher.js';
export * from './config-dir.js';
export * from './checkpoint-memory.js';
export * from './log-client.js';
export * from './registry-client.js';
