/**
 * PublishedRows: the release a batch lookup finds for a canonical purl, remembered.
 *
 * A published row never changes and never goes away (only `pending` rows are deleted or
 * completed; releases.ts), so once a canonical purl has led to one, every later lookup of
 * it finds the same row: a lockfile verified again is answered without a database read and
 * without copying each row's JSON columns out of it again (issue 14, batch lookup) — also
 * on replicas, since no replica ever changes a published row. Misses are not remembered (the purl may be published next), nor are versions
 * that are sets of files (PyPI: a version gains files). Bounded by the size of the rows'
 * text; when full it starts over.
 */
import type { ReleaseRow, ReleaseTables } from '../store/registry/release-tables.js';
import { filesOfVersion, findRelease } from './release-keys.js';

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

export class PublishedRows {
  private readonly rows = new Map<string, ReleaseRow>();
  private bytes = 0;

  constructor(
    private readonly releases: ReleaseTables,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  /** find answers a canonical purl: every file of a version that is a set of files, else its one release (or undefined). */
  async find(canonical: string): Promise<ReleaseRow | ReleaseRow[] | undefined> {
    const known = this.rows.get(canonical);
    if (known !== undefined) return known;
    const files = await filesOfVersion(this.releases, canonical);
    if (files && files.length > 0) return files;
    const row = await findRelease(this.releases, canonical);
    if (row !== undefined) this.remember(canonical, row);
    return row;
  }

  private remember(canonical: string, row: ReleaseRow): void {
    const size =
      canonical.length +
      row.purl.length +
      row.native.length +
      (row.authorBundle?.length ?? 0) +
      (row.authorKeyPem?.length ?? 0) +
      row.publishEnvelope.length +
      (row.registrySignature?.length ?? 0) +
      (row.authorEntry?.length ?? 0) +
      (row.publishEntry?.length ?? 0) +
      512;
    if (this.bytes + size > this.maxBytes) {
      this.rows.clear();
      this.bytes = 0;
    }
    this.rows.set(canonical, row);
    this.bytes += size;
  }
}
