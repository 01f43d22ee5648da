/**
 * npmTarballFacts: what a packument needs from a tarball beyond the release
 * row — its sha1 (`dist.shasum`) and its package.json — read once from the
 * stored bytes and cached by content (sha256) in PackageState (every replica
 * shares it: the facts of given bytes never change).
 *
 * The packument's version manifest is the package.json INSIDE the tarball,
 * i.e. inside the bytes the author signed and the registry countersigned —
 * never the manifest the publish body claimed. A registry that serves the
 * body's manifest lets a publisher show install-time dependencies that differ
 * from the tarball's ("manifest confusion"); here the two cannot differ.
 */
import { createHash } from 'node:crypto';
import { readNpmManifest } from '../../../ecosystems/npm/identify.js';
import type { Artifact } from '../../../ecosystems/adapter.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';

export interface NpmTarballFacts {
  readonly sha1: string;
  /** package.json as the tarball holds it, registry-controlled `_…` fields removed. */
  readonly manifest: Record<string, unknown>;
}

function bufferArtifact(name: string, data: Buffer): Artifact {
  return {
    name,
    size: data.length,
    async *open() {
      yield data;
    },
    bytes: async () => data,
  };
}

/** computeNpmTarballFacts reads the facts from the bytes (throws InputError for a tarball without a readable package.json). */
export async function computeNpmTarballFacts(
  filename: string,
  tarball: Buffer,
): Promise<NpmTarballFacts> {
  const raw = await readNpmManifest(bufferArtifact(filename, tarball));
  const manifest = Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith('_')));
  return { sha1: createHash('sha1').update(tarball).digest('hex'), manifest };
}

const memo = new WeakMap<object, Map<string, NpmTarballFacts>>();

/**
 * npmTarballFacts returns the cached facts of a published npm release,
 * computing and storing them on first use (releases published through
 * /api/v1/publish never went through the npm PUT). In-process memo on top of
 * the stored cache: packuments are read far more often than written.
 */
export async function npmTarballFacts(
  storage: Pick<RegistryStorage, 'packages' | 'blobs'>,
  row: ReleaseRow,
): Promise<NpmTarballFacts | undefined> {
  let m = memo.get(storage.packages);
  if (!m) memo.set(storage.packages, (m = new Map()));
  const hit = m.get(row.sha256);
  if (hit) return hit;
  const cached = await storage.packages.npmTarball(row.sha256);
  let facts: NpmTarballFacts;
  if (cached)
    facts = { sha1: cached.sha1, manifest: JSON.parse(cached.manifest) as Record<string, unknown> };
  else {
    const blob = await storage.blobs.read(row.sha256);
    if (!blob) return undefined;
    facts = await computeNpmTarballFacts(
      row.filename,
      Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength),
    );
    await storage.packages.putNpmTarball(row.sha256, {
      sha1: facts.sha1,
      manifest: JSON.stringify(facts.manifest),
    });
  }
  if (m.size > 50_000) m.clear(); // bound memory; the stored cache stays
  m.set(row.sha256, facts);
  return facts;
}
