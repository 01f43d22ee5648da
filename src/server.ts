/**
 * Sigil's server parts as a library: 'sigil/server'. The log's storage and
 * sequencer, the registry, the log's HTTP face and the witness. These load
 * SQLite (a native module) and fastify; verifiers import 'sigil' instead.
 */
export type { Commit, CommittedState, LogStorage, StoredObject } from './store/contract.js';
export { StorageConflictError, StorageError } from './store/contract.js';
export type { FileLog, FileLogOptions } from './store/file-log.js';
export { openFileLog } from './store/file-log.js';
export type { SequencerOptions } from './store/sequencer.js';
export { SequencedLog } from './store/sequencer.js';
export type { AppendResult, TransparencyLog } from './log/service.js';
export { PushbackError } from './log/service.js';
export type { LogServerOptions } from './registry/log-routes.js';
export { createLogServer } from './registry/log-routes.js';
export type { Registry, RegistryOptions } from './registry/server.js';
export { openRegistry } from './registry/server.js';
export type { WitnessServerOptions } from './witness/server.js';
export { createWitnessServer } from './witness/server.js';
