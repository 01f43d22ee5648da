// storeRelease leaves in a RegistryStorage what a publish leaves (the artifact in the blob store,
// a published release row), written through the contracts: for tests of what replicas read,
// without the publish pipeline (the replica fault tests publish through real `sigil serve`).
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { RegistryStorage } from '../../src/store/registry/registry-storage.js';

export async function storeRelease(
  storage: RegistryStorage,
  r: {
    readonly purl: string;
    readonly type: string;
    readonly namespace: string;
    readonly name: string;
    readonly version: string;
    readonly filename: string;
    readonly bytes: Buffer;
    /** The native digests, as the publish pipeline stores them ({"h1": …}, {"sri-sha512": …}). */
    readonly native: Record<string, string>;
    readonly publishIndex: number;
    readonly publishedAt?: string;
  },
): Promise<void> {
  const sha256 = createHash('sha256').update(r.bytes).digest('hex');
  await storage.blobs.put(sha256, r.bytes);
  expect(
    await storage.releases.reserve({
      purl: r.purl,
      type: r.type,
      namespace: r.namespace,
      name: r.name,
      version: r.version,
      sha256,
      sha512: createHash('sha512').update(r.bytes).digest('hex'),
      size: r.bytes.length,
      native: JSON.stringify(r.native),
      publishedAt: r.publishedAt ?? '2026-12-03T12:00:00.000Z',
      filename: r.filename,
      account: 'alice',
      authorBundle: null,
      authorKeyId: null,
      authorKeyPem: null,
      authorEntry: null,
      publishEnvelope: '{}',
      publishEntry: new Uint8Array([r.publishIndex & 0xff]),
      registrySignature: null,
    }),
  ).toEqual({ kind: 'reserved' });
  await storage.releases.complete(r.purl, null, r.publishIndex);
}
