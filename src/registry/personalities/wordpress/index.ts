/** The WordPress personality: a plugin update API whose packages carry Ed25519 signatures WordPress core verifies. */
export { wordpressRoutes } from './routes.js';
export type { WordpressRoutesOptions } from './routes.js';
export { WordpressPlugins, compareWpVersions } from './update-api.js';
export { loadOrCreateWordpressKey, rawEd25519Public } from './key.js';
export type { WordpressKey } from './key.js';
