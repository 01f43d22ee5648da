// Tests serve in-memory bytes as an Artifact the same way uploads do.
export { memoryArtifact as bufferArtifact } from '../../src/ecosystems/memory-artifact.js';
