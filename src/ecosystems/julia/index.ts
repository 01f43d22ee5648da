/**
 * The Julia Pkg adapter: package source tarballs. Native digest: the
 * `git-tree-sha1` of the unpacked tree (a git tree object id).
 */
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { juliaDescriptor } from './descriptor.js';
import { identifyJulia, inspectJulia } from './identify.js';
import { manifestTomlReader } from './lockfile.js';

export { inspectJulia } from './identify.js';
export { gitTreeSha1 } from './tree-hash.js';

export const juliaAdapter: EcosystemAdapter = {
  ...fromDescriptor(juliaDescriptor),
  identify: identifyJulia,
  async digest(artifact) {
    return (await inspectJulia(artifact)).treeHash;
  },
  lockfiles: [manifestTomlReader],
};
