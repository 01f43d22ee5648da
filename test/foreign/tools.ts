/**
 * toolStatus for the foreign-signature tests (gem, php, …), on top of the one mechanism in
 * test/helpers/real-program.ts: locally a missing program skips (and says so), under CI=true
 * it fails. Callers assert `available || !inCI`.
 */
import { inCI, needsProgram } from '../helpers/real-program.js';

export { inCI };

/** toolStatus returns whether tests needing `program` (which must run and exit 0) should run. */
export function toolStatus(
  program: string,
  args: readonly string[] = ['--version'],
): { available: boolean; why: string } {
  const p = needsProgram(
    program,
    [...args],
    'Debian package listed in .ci/apt-packages',
    undefined,
    {
      mustExitZero: true,
    },
  );
  return {
    available: p.present,
    why: p.present
      ? `${program} found`
      : `${program} is not installed (Debian package listed in .ci/apt-packages)`,
  };
}
