/** The npm registry personality of `sigil serve` (docs/npm.md). */
export { npmRoutes, type NpmRoutesOptions } from './routes.js';
export { parseNpmPublishBody, type NpmPublishBody } from './publish-body.js';
export {
  buildPackuments,
  distTagsFor,
  tarballUrl,
  type Packuments,
  type PackumentVersion,
} from './packument.js';
export { parseNpmPath, parseNpmName, type NpmTarget } from './paths.js';
export { compareSemver, highestVersion } from './semver.js';
