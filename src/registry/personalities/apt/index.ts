/** The Debian / apt personality: a signed repository of the `.deb` releases published to Sigil. */
export { aptRoutes } from './routes.js';
export type { AptRoutesOptions } from './routes.js';
export { AptRepository, DEFAULT_APT_OPTIONS, poolPathOf } from './repository.js';
export type { AptOptions, AptSnapshot } from './repository.js';
export { loadOrCreateOpenPgpKey, clearsign, detachSign } from './openpgp-key.js';
export type { RegistryOpenPgpKey } from './openpgp-key.js';
