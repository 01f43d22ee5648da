/**
 * releaseStamp: what a repository index (apt, CPAN, Hex, Hackage, the Debian proxy) checks on
 * every request to know whether the releases it was built from changed: how many releases of
 * the ecosystem are published. A published row is never removed nor changed
 * (store/registry/release-tables.ts), so the set changed exactly when the count did. Counting
 * reads no row's columns; listing them all on each request (ofType) read every stored bundle
 * and envelope, in SQLite, or across the network from PostgreSQL on every replica.
 */
import type { ReleaseTables } from '../../store/registry/release-tables.js';

export function releaseStamp(
  releases: Pick<ReleaseTables, 'count'>,
  type: string,
): Promise<number> {
  return releases.count(type);
}
