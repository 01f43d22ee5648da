/** The CPAN personality: a mirror of the distributions published to Sigil, CHECKSUMS signed with the registry's OpenPGP key. */
export { cpanRoutes } from './routes.js';
export type { CpanRoutesOptions } from './routes.js';
export {
  CpanRepository,
  authorDir,
  checksumsText,
  distPathOf,
  providedPackages,
} from './repository.js';
export type { CpanOptions, CpanSnapshot } from './repository.js';
