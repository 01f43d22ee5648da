/** Verifying a whole project: lockfile dependencies against Sigil release records, under a policy, with pins. */
export * from './policy.js';
export * from './trust-file.js';
export * from '../client/ledger-view-types.js';
export * from './checkpoints.js';
export * from './check-dependency.js';
export * from './verify-project.js';
export * from './report.js';
