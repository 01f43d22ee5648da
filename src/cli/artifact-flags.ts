/** The flags that say which package an artifact is, when its bytes do not (shared by sign, verify, publish). */
import type { DescribeOptions } from '../ecosystems/describe.js';

export interface ArtifactFlags {
  type?: string;
  namespace?: string;
  name?: string;
  version?: string;
}

export function describeOptions(flags: ArtifactFlags): DescribeOptions {
  return {
    ...(flags.type !== undefined ? { type: flags.type } : {}),
    ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(flags.version !== undefined ? { version: flags.version } : {}),
  };
}
