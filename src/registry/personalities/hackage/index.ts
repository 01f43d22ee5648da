/** The Hackage personality: a hackage-security repository signed with the registry's Ed25519 keys. */
export { hackageRoutes } from './routes.js';
export type { HackageRoutesOptions } from './routes.js';
export { DEFAULT_HACKAGE_OPTIONS, HackageRepository } from './repository.js';
export type { HackageOptions, HackageSnapshot } from './repository.js';
export {
  checkHackageRootOptions,
  hackageKeyOf,
  loadOrCreateHackageKeys,
  RETIRED_ROOT_KEYS,
  signRole,
} from './keys.js';
export type { HackageKey, HackageKeySet, HackageRootOptions } from './keys.js';
export { canonicalJson } from './canonical-json.js';
export { currentRoot, memoryRootFile, rootFileAt, type RootFile } from './root-role.js';
