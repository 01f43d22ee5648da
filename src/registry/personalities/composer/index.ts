/** The Composer personality of `sigil serve` (docs/composer.md). */
export { composerRoutes, COMPOSER_PREFIX, type ComposerRoutesOptions } from './routes.js';
export { p2Document, versionEntry } from './metadata.js';
