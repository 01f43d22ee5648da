/**
 * Catalogue: the release listings the pages show — the newest releases and a
 * search across ecosystems — read through the storage's ReleaseTables (so on
 * any replica), as summaries. Published rows only.
 */
import type { ReleaseRow, ReleaseTables } from '../store/registry/release-tables.js';

export interface ReleaseSummary {
  readonly purl: string;
  readonly type: string;
  readonly namespace: string;
  readonly name: string;
  readonly version: string;
  readonly publishedAt: string;
  readonly signed: boolean;
  readonly observed: boolean;
}

export const SEARCH_LIMIT = 50;

function summary(r: ReleaseRow): ReleaseSummary {
  return {
    purl: r.purl,
    type: r.type,
    namespace: r.namespace,
    name: r.name,
    version: r.version,
    publishedAt: r.publishedAt,
    signed: r.authorBundle !== null,
    observed: r.account === null && r.authorBundle === null, // no account uploaded it: fetched from an upstream
  };
}

/** recentReleases lists the newest published releases. */
export async function recentReleases(releases: ReleaseTables, limit = 20) {
  return (await releases.recent(limit)).map(summary);
}

/**
 * searchReleases matches a name or a purl (with or without `pkg:`), case-insensitively,
 * as a substring; wildcards in the query are taken literally (ReleaseTables.search).
 */
export async function searchReleases(releases: ReleaseTables, query: string) {
  const q = query.trim().replace(/^pkg:/i, '');
  if (q === '') return [];
  return (await releases.search(q, SEARCH_LIMIT)).map(summary);
}
