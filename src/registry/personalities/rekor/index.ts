/** The Rekor v2 personality: POST /api/v2/log/entries over a TransparencyLog. */
export * from './create-entry.js';
export * from './routes.js';
