/** memoryArtifact serves bytes already in memory as an Artifact (uploads, tests), in 1 MiB chunks like a file stream. */
import type { Artifact } from './adapter.js';

export function memoryArtifact(name: string, data: Buffer, chunk = 1 << 20): Artifact {
  return {
    name,
    size: data.length,
    async *open() {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    },
    bytes: async () => data,
  };
}
