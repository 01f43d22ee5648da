/** The RubyGems personality of `sigil serve` (docs/rubygems.md). */
export { gemRoutes, GEM_PREFIX, type GemRoutesOptions } from './routes.js';
export { gemFacts, infoLine, marshalSpec, gemFullName, type GemFacts } from './spec.js';
export { marshalDump, type RubyValue } from './marshal.js';
