/** The R / CRAN personality: a CRAN-like repository of the R source packages published to Sigil. */
export { cranRoutes } from './routes.js';
export type { CranRoutesOptions } from './routes.js';
export { CranRepository, compareRVersions, tarballName } from './repository.js';
export type { CranSnapshot } from './repository.js';
