/**
 * Owners of a package, as `cargo owner` and `gem owner` manage them: the
 * accounts granted publish on the package's namespace (docs/auth.md). Only an
 * account that may publish the package may change its owners; owners are
 * existing accounts; the last owner cannot be removed (a package nobody may
 * publish is recovered only by a registry admin). Ownership is registry
 * state, like tokens: who may publish. What was published stays in the log.
 */
import type { GrantState } from '../../../store/registry/grant-state.js';
import type { AuthService } from '../../auth/service.js';
import { coveringPatterns, normalizeNamespace } from '../../auth/scope.js';
import { RegistryError } from '../../errors.js';

/** OWNER_NAME is what `cargo owner` and `gem owner` may name as an owner (an account name; unknown ones are refused later). */
export const OWNER_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** ownersOf lists the accounts that may publish `namespace`: its own grants and any pattern covering it. */
export async function ownersOf(grants: GrantState, namespace: string): Promise<string[]> {
  const held = await grants.grantsFor(coveringPatterns(normalizeNamespace(namespace)));
  return [
    ...new Set(held.filter((g) => g.actions.includes('publish')).map((g) => g.account)),
  ].sort();
}

/** addOwners grants each account publish and keys on the package; throws 404 naming an unknown account. */
export async function addOwners(
  auth: AuthService,
  namespace: string,
  accounts: readonly string[],
): Promise<void> {
  for (const a of accounts) {
    try {
      await auth.account(a);
    } catch {
      throw new RegistryError(
        404,
        'ACCOUNT_NOT_FOUND',
        `there is no account "${a}" on this registry`,
        'the new owner needs an account first (`sigil account create` by a registry admin)',
      );
    }
  }
  for (const a of accounts) await auth.grant(a, namespace, ['publish', 'keys']);
}

/** removeOwners drops the package's own grants of each account; refuses to leave it without an owner. */
export async function removeOwners(
  grants: GrantState,
  namespace: string,
  accounts: readonly string[],
): Promise<void> {
  const ns = normalizeNamespace(namespace);
  const current = await ownersOf(grants, ns);
  const left = current.filter((o) => !accounts.includes(o));
  if (left.length === 0)
    throw new RegistryError(
      409,
      'LAST_OWNER',
      `${accounts.join(', ')} ${accounts.length === 1 ? 'is' : 'are'} the last owner of ${ns}: a package always has one`,
      'add the new owner first, then remove the old one',
    );
  // Every name is checked before anything changes: all or nothing.
  const own = new Set((await grants.grantsFor([ns])).map((g) => g.account));
  for (const a of accounts) {
    if (!current.includes(a))
      throw new RegistryError(404, 'NOT_AN_OWNER', `${a} is not an owner of ${ns}`);
    if (!own.has(a))
      throw new RegistryError(
        409,
        'OWNER_BY_PATTERN',
        `${a} owns ${ns} through a broader grant, which this command does not change`,
        'a registry admin changes pattern grants (`sigil account grant`)',
      );
  }
  for (const a of accounts) await grants.deleteGrant(a, ns);
}
