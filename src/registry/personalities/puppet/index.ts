/** The Puppet personality: the Forge v3 API over the module tarballs published to Sigil. */
export { puppetRoutes } from './routes.js';
export type { PuppetRoutesOptions } from './routes.js';
export { PuppetForge, comparePuppetVersions } from './forge.js';
