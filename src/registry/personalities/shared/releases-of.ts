/**
 * releasesOf: the published releases of one package, found by its
 * versionless purl (`pkg:pypi/foo-bar`), oldest first; with `files`, every
 * file of every version (PyPI: `pkg:pypi/foo-bar@1.0?file_name=…`).
 *
 * Personalities look packages up by purl, not by the stored `name` column:
 * the purl carries the ecosystem's canonical name (PEP 503 for PyPI), while
 * `name` keeps the spelling of the artifact's own metadata. Two spellings of
 * one name are therefore one package here.
 */
import type { ReleaseRow, ReleaseStore } from '../../../store/registry/releases.js';

export function releasesOf(
  store: ReleaseStore,
  packagePurl: string,
  options: { readonly files?: boolean } = {},
): ReleaseRow[] {
  const prefix = `${packagePurl}@`;
  const purls = store.db
    .prepare(
      `SELECT purl FROM release WHERE state = 'published' AND substr(purl, 1, ?) = ? ORDER BY published_at, rowid`,
    )
    .all(prefix.length, prefix) as { purl: string }[];
  const out: ReleaseRow[] = [];
  for (const { purl } of purls) {
    const row = store.get(purl);
    // `pkg:x/a@1?q=…` shares the prefix (a version never contains "@" or "?" unescaped): the
    // files of a version (PyPI's `?file_name=`) are wanted with `files`, Maven's classifiers never.
    if (row && (options.files || !purl.slice(prefix.length).includes('?'))) out.push(row);
  }
  return out;
}

/** packagesOfType lists the versionless purls of every published package of one ecosystem. */
export function packagesOfType(store: ReleaseStore, type: string): string[] {
  const rows = store.db
    .prepare(`SELECT DISTINCT purl FROM release WHERE state = 'published' AND type = ?`)
    .all(type) as { purl: string }[];
  const out = new Set<string>();
  for (const { purl } of rows) {
    const at = purl.lastIndexOf('@');
    if (at > 0) out.add(purl.slice(0, at));
  }
  return [...out].sort();
}
