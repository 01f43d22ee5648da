/**
 * Catalogue: the read-only questions the pages ask of the release table that
 * the registry's own store has no method for (search across ecosystems, the
 * newest releases, the packages of one name). Published rows only.
 */
import type Database from 'better-sqlite3';
import type { ReleaseRow } from '../store/registry/releases.js';

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

const SUMMARY = `purl, type, namespace, name, version, published_at AS publishedAt,
  author_bundle IS NOT NULL AS signed, account IS NULL AND author_bundle IS NULL AS observed`;

export const SEARCH_LIMIT = 50;

export class Catalogue {
  constructor(private readonly db: Database.Database) {}

  /** recent lists the newest published releases. */
  recent(limit = 20): ReleaseSummary[] {
    return this.rows(
      `SELECT ${SUMMARY} FROM release WHERE state = 'published' ORDER BY publish_index DESC LIMIT ?`,
      [limit],
    );
  }

  /**
   * search matches a name or a purl (with or without `pkg:`), case-insensitively,
   * as a substring; LIKE wildcards in the query are taken literally.
   */
  search(query: string): ReleaseSummary[] {
    const q = query.trim().replace(/^pkg:/i, '').toLowerCase();
    if (q === '') return [];
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    return this.rows(
      `SELECT ${SUMMARY} FROM release WHERE state = 'published'
         AND (lower(name) LIKE ? ESCAPE '\\' OR lower(substr(purl, 5)) LIKE ? ESCAPE '\\'
              OR lower(namespace || '/' || name) LIKE ? ESCAPE '\\')
         ORDER BY type, namespace, name, publish_index DESC LIMIT ?`,
      [like, like, like, SEARCH_LIMIT],
    );
  }

  private rows(sql: string, params: unknown[]): ReleaseSummary[] {
    return (
      this.db.prepare(sql).all(...params) as (Omit<ReleaseSummary, 'signed' | 'observed'> & {
        signed: number;
        observed: number;
      })[]
    ).map((r) => ({ ...r, signed: Boolean(r.signed), observed: Boolean(r.observed) }));
  }
}

/** isObserved: a row the registry fetched from an upstream (no account uploaded it). */
export function isObserved(row: Pick<ReleaseRow, 'account' | 'authorBundle'>): boolean {
  return row.account === null && row.authorBundle === null;
}
