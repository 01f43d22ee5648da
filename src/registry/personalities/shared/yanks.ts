/**
 * Yanks: which releases are yanked (PEP 592, `cargo yank`, `gem yank`), kept
 * in the registry's PackageState so that a yank on one replica hides the
 * version on every other at once.
 *
 * A yank hides a version from new resolutions: the release stays published,
 * logged and downloadable (lockfiles that pin it keep working); indexes mark
 * or drop it. Releases are immutable, so yanking never touches the release
 * row; each yank and un-yank is itself a logged event (yank-event.ts), whose
 * log index is kept beside the current state.
 */
import type { PackageState } from '../../../store/registry/package-state.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryContext } from '../../publish.js';
import { logYank } from './yank-event.js';

/**
 * yankReasons maps every yanked key under `prefix` (a package's `pkg:cargo/foo@`) to its reason
 * ("" when yanked without one): one read for a whole index, not one per release.
 */
export async function yankReasons(
  packages: PackageState,
  prefix: string,
): Promise<Map<string, string>> {
  return new Map((await packages.yanksWithPrefix(prefix)).map((y) => [y.purl, y.reason]));
}

/**
 * recordYank logs the registry's yank statement for `files` and then records the state under
 * `key` (a release's purl, or a version key for PyPI's whole-version yanks). Returns the log
 * index. Logged first: a crash in between leaves a logged yank the state lacks (visible,
 * retried), never hidden state nobody can audit.
 */
export async function recordYank(
  ctx: RegistryContext,
  key: string,
  files: readonly ReleaseRow[],
  yanked: boolean,
  reason: string,
  account: string | null,
): Promise<number> {
  const index = await logYank(ctx, files, yanked, reason, account);
  await ctx.storage.packages.setYank(key, yanked, reason, ctx.now().toISOString(), index);
  return index;
}
