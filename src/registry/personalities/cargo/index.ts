/** The Cargo personality of `sigil serve` (docs/cargo.md). */
export { cargoRoutes, CARGO_PREFIX, type CargoRoutesOptions } from './routes.js';
export { indexPath, parseIndexPath, canonicalCrateName } from './index-path.js';
export { crateFacts, CRATES_IO_INDEX, type IndexEntry, type IndexDep } from './index-entry.js';
export { parseCargoPublishBody } from './publish-body.js';
