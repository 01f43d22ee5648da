/**
 * How a new API token is written to token_tokens, shared by the SQLite
 * (accounts.ts) and PostgreSQL (store/scale/pg-auth-state.ts) drivers so the
 * two cannot disagree on column order or on how lists are stored. Pure: no
 * driver is loaded from here.
 */
import type { TokenRow } from './accounts.js';

/** The columns a new token row is written with, in the order of {@link tokenInsertValues}. */
export const TOKEN_INSERT_COLUMNS =
  'id, hash, account, label, namespaces, actions, created_at, expires_at';

/** tokenInsertValues is a new token as the values of TOKEN_INSERT_COLUMNS (lists stored as JSON text). */
export function tokenInsertValues(
  t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>,
): [string, Buffer, string, string, string, string, string, string | null] {
  return [
    t.id,
    t.hash,
    t.account,
    t.label,
    JSON.stringify(t.namespaces),
    JSON.stringify(t.actions),
    t.createdAt,
    t.expiresAt,
  ];
}
