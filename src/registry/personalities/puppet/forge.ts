/**
 * The Puppet Forge v3 API, as `puppet module install --module_repository <url>` uses it,
 * for the module tarballs published to Sigil (docs/puppet.md):
 *
 *   GET /v3/releases?module=<author>-<name>      the releases (paginated; next is null)
 *   GET /v3/releases/<author>-<name>-<version>
 *   GET /v3/modules/<author>-<name>
 *   GET /v3/files/<author>-<name>-<version>.tar.gz
 *
 * file_md5 and file_sha256 are of the logged bytes; puppet checks the download against them.
 */
import { createHash } from 'node:crypto';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { openTar } from '../../../ecosystems/support/archive.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { storedBytes } from '../shared/stored-bytes.js';

export const MODULE_SLUG = /^([A-Za-z0-9]+)[-/]([a-z][a-z0-9_]*)$/;

/** SemVer-ish order of Puppet module versions. */
export function comparePuppetVersions(a: string, b: string): number {
  const [ca, pa] = a.split('-', 2) as [string, string | undefined];
  const [cb, pb] = b.split('-', 2) as [string, string | undefined];
  const xa = ca.split('.').map(Number);
  const xb = cb.split('.').map(Number);
  for (let i = 0; i < 3; i++)
    if ((xa[i] ?? 0) !== (xb[i] ?? 0)) return Math.sign((xa[i] ?? 0) - (xb[i] ?? 0));
  if (pa === pb) return 0;
  if (pa === undefined) return 1;
  if (pb === undefined) return -1;
  return pa < pb ? -1 : 1;
}

export class PuppetForge {
  private readonly meta = new Map<string, { metadata: Record<string, unknown>; md5: string }>();

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly prefix: string,
  ) {}

  async releasesOf(author: string, name: string): Promise<ReleaseRow[]> {
    return (await this.storage.releases.versions('puppet', author, name)).sort((a, b) =>
      comparePuppetVersions(b.version, a.version),
    );
  }

  /** fileRelease finds the release a /v3/files name stands for. */
  async fileRelease(file: string): Promise<ReleaseRow | undefined> {
    const m = /^([A-Za-z0-9]+)-([a-z][a-z0-9_]*)-([0-9A-Za-z.+-]+)\.tar\.gz$/.exec(file);
    if (!m) return undefined;
    return (await this.storage.releases.versions('puppet', m[1]!, m[2]!)).find(
      (r) => r.version === m[3],
    );
  }

  private async facts(
    row: ReleaseRow,
  ): Promise<{ metadata: Record<string, unknown>; md5: string } | undefined> {
    const cached = this.meta.get(row.sha256);
    if (cached) return cached;
    const bytes = await storedBytes(this.storage.blobs, row.sha256);
    if (!bytes) return undefined;
    const tar = await openTar(memoryArtifact(row.filename, bytes), {}, (e) =>
      /^[^/]+\/metadata\.json$/.test(e.path),
    );
    const raw = [...tar.files.values()][0];
    let metadata: Record<string, unknown> = {};
    try {
      metadata = raw
        ? (JSON.parse(Buffer.from(raw).toString('utf8')) as Record<string, unknown>)
        : {};
    } catch {
      /* identified at publish; never malformed here */
    }
    const f = { metadata, md5: createHash('md5').update(bytes).digest('hex') };
    this.meta.set(row.sha256, f);
    return f;
  }

  private moduleStub(row: ReleaseRow) {
    const slug = `${row.namespace}-${row.name}`;
    return {
      uri: `${this.prefix}/v3/modules/${slug}`,
      slug,
      name: row.name,
      deprecated_at: null,
      owner: {
        uri: `${this.prefix}/v3/users/${row.namespace}`,
        slug: row.namespace,
        username: row.namespace,
      },
    };
  }

  async release(row: ReleaseRow): Promise<Record<string, unknown> | undefined> {
    const f = await this.facts(row);
    if (!f) return undefined;
    const slug = `${row.namespace}-${row.name}-${row.version}`;
    return {
      uri: `${this.prefix}/v3/releases/${slug}`,
      slug,
      module: this.moduleStub(row),
      version: row.version,
      metadata: f.metadata,
      tags: [],
      supported: false,
      pdk: false,
      validation_score: null,
      file_uri: `${this.prefix}/v3/files/${slug}.tar.gz`,
      file_size: row.size,
      file_md5: f.md5,
      file_sha256: row.sha256,
      downloads: 0,
      readme: null,
      changelog: null,
      license: null,
      reference: null,
      tasks: [],
      plans: [],
      created_at: row.publishedAt,
      updated_at: row.publishedAt,
      deleted_at: null,
      deleted_for: null,
      purl: row.purl,
    };
  }

  async module(author: string, name: string): Promise<Record<string, unknown> | undefined> {
    const rows = await this.releasesOf(author, name);
    if (rows.length === 0) return undefined;
    const current = await this.release(rows[0]!);
    return {
      ...this.moduleStub(rows[0]!),
      downloads: 0,
      created_at: rows.at(-1)!.publishedAt,
      updated_at: rows[0]!.publishedAt,
      deprecated_for: null,
      superseded_by: null,
      endorsement: null,
      module_group: 'base',
      premium: false,
      current_release: current,
      releases: rows.map((r) => ({
        uri: `${this.prefix}/v3/releases/${r.namespace}-${r.name}-${r.version}`,
        slug: `${r.namespace}-${r.name}-${r.version}`,
        version: r.version,
        file_uri: `${this.prefix}/v3/files/${r.namespace}-${r.name}-${r.version}.tar.gz`,
        file_size: r.size,
        supported: false,
      })),
    };
  }
}
