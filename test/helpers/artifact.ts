import type { Artifact } from '../../src/ecosystems/adapter.js';

/** bufferArtifact serves bytes as an Artifact, in chunks like a file stream would. */
export function bufferArtifact(name: string, data: Buffer, chunk = 64 * 1024): Artifact {
  return {
    name,
    size: data.length,
    async *open() {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    },
    bytes: async () => data,
  };
}
