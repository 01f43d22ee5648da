/** Debian repositories: the InRelease/Release → Packages/Sources → .deb/.dsc/tarball chain. */
export { verifyRepository, indexEntries, indexesFor, LIMITS } from './chain.js';
export type { RepositoryOptions, RepositoryResult } from './chain.js';
export { directoryReader, mirrorReader, memoryReader } from './reader.js';
export type { RepoReader } from './reader.js';
export { parseDeb822, field, checksumLines } from './deb822.js';
export type { Paragraph, ChecksumLine } from './deb822.js';
