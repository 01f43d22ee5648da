/** Git-hosted packages: signed tags and commits (OpenPGP, SSH) and release archives checked against a tag's tree. */
export { verifyGitTag, verifyGitCommit } from './verify.js';
export type { GitTrust, GitVerifyResult } from './verify.js';
export { compareArchiveWithTree, readArchiveTree } from './archive.js';
export type { TreeDifference, ArchiveTree } from './archive.js';
export { parseTag, parseCommit, signatureFormat } from './objects.js';
export type { GitTag, GitCommit, SignatureFormat } from './objects.js';
export { blobOid, treeOid } from './tree.js';
export type { ObjectFormat, TreeFile } from './tree.js';
export { GitRepo } from './repo.js';
