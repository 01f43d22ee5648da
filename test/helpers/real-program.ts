// One way to say "this test needs a real program". Locally a missing program skips the
// suite and says so on stderr; under CI=true it is a failure, never a skip.
//
//   const git = needsProgram('git', ['--version'], 'apt-get install git');
//   describe.skipIf(!git.present)('…', () => { … });
//   it('…', () => { git.require(); … });   // throws under CI when missing
import { spawnSync } from 'node:child_process';

export interface RealProgram {
  name: string;
  present: boolean;
  /** Throws when the program is missing under CI (call at the top of a suite or in beforeAll). */
  require(): void;
}

export const inCI = process.env.CI === 'true';

export function needsProgram(
  name: string,
  versionArgs: string[],
  installHint: string,
  testFile?: string,
): RealProgram {
  const probe = spawnSync(name, versionArgs, { stdio: 'ignore', timeout: 30_000 });
  // Present = it could be started (some tools, e.g. ssh-keygen, have no --version that exits 0).
  const present = probe.error === undefined && probe.status !== 127;
  const where = testFile ? `${testFile}: ` : '';
  if (!present && !inCI) console.warn(`${where}SKIPPED — \`${name}\` is missing (${installHint})`);
  return {
    name,
    present,
    require() {
      if (!present && inCI)
        throw new Error(
          `${where}\`${name}\` is required under CI=true but is missing (${installHint}); add it to .ci/apt-packages`,
        );
    },
  };
}

/**
 * Use in a suite that needs the program: under CI a missing program makes the suite fail
 * (describe runs and the first test throws); locally it is skipped.
 */
export function skipUnlessPresent(p: RealProgram): boolean {
  return !p.present && !inCI;
}
