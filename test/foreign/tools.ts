/**
 * Helpers for tests that run real third-party programs (gem, php, …).
 *
 * Under CI=true a missing program is a failure: CI installs everything listed
 * in .ci/apt-packages, so absence means the environment is broken. Locally the
 * tests that need it are skipped, and the skip says which program is missing.
 */
import { spawnSync } from 'node:child_process';

/** hasProgram reports whether `program --version` (or the given args) runs and exits 0. */
export function hasProgram(program: string, args: readonly string[] = ['--version']): boolean {
  const r = spawnSync(program, args, { stdio: 'ignore', timeout: 30_000 });
  return r.status === 0;
}

/** inCI is true when the CI environment variable says so. */
export const inCI = process.env['CI'] === 'true';

/**
 * toolStatus returns whether tests needing `program` should run. It logs a
 * notice when skipping locally. Callers add a test asserting `available || !inCI`.
 */
export function toolStatus(
  program: string,
  args?: readonly string[],
): { available: boolean; why: string } {
  const available = hasProgram(program, args);
  const why = available
    ? `${program} found`
    : `${program} is not installed (Debian package listed in .ci/apt-packages)`;
  if (!available && !inCI) console.warn(`skipping tests that need ${program}: ${why}`);
  return { available, why };
}
