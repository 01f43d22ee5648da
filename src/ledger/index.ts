/** The key ledger: key events and their replay into "who may sign what, when" (docs/ledger.md). */
export * from './namespace.js';
export * from './event.js';
export * from './replay.js';
export * from './head.js';
