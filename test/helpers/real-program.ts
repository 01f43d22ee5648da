// The one way to say "this test needs a real program" (or another thing CI provides: root, a
// Debian package's files). Locally a missing one skips the tests and says so on stderr; under
// CI=true it is a failure, never a silent skip.
//
// Usage: `const git = needsProgram('git', ['--version'], 'apt-get install git', FILE)`, then
// skip the suite with `describe.skipIf(skipUnlessPresent(git))` and call `git.require()` in its
// beforeAll (it throws under CI when git is missing).
//
// Programs are looked up on PATH and in ~/.cargo/bin (rustup's cargo, which the CI image has
// but does not put on PATH).
import { spawnSync } from 'node:child_process';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RealProgram {
  name: string;
  present: boolean;
  /** Throws when the program is missing under CI (call at the top of a suite or in beforeAll). */
  require(): void;
}

export const inCI = process.env.CI === 'true';

/** PATH with rustup's folder appended: the environment real programs are probed and run with. */
export const PROGRAM_PATH = [process.env['PATH'] ?? '', join(homedir(), '.cargo', 'bin')]
  .filter(Boolean)
  .join(delimiter);

/** programEnv is process.env with {@link PROGRAM_PATH}, plus `extra`. */
export function programEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, PATH: PROGRAM_PATH, ...extra };
}

/**
 * needsCondition is {@link needsProgram} for anything else a test needs from the machine
 * (running as root, a Debian package's source files): `present` is decided by the caller.
 */
export function needsCondition(
  name: string,
  present: boolean,
  installHint: string,
  testFile?: string,
): RealProgram {
  const where = testFile ? `${testFile}: ` : '';
  if (!present && !inCI) console.warn(`${where}SKIPPED — ${name} is missing (${installHint})`);
  return {
    name,
    present,
    require() {
      if (!present && inCI)
        throw new Error(
          `${where}${name} is required under CI=true but is missing (${installHint}); add it to .ci/apt-packages`,
        );
    },
  };
}

/**
 * needsProgram probes `name versionArgs…`. Present = it could be started (some tools, e.g.
 * ssh-keygen, have no --version that exits 0); with `mustExitZero`, it must also exit 0.
 */
export function needsProgram(
  name: string,
  versionArgs: string[],
  installHint: string,
  testFile?: string,
  options: { mustExitZero?: boolean } = {},
): RealProgram {
  const probe = spawnSync(name, versionArgs, {
    stdio: 'ignore',
    timeout: 30_000,
    env: programEnv(),
  });
  const present =
    probe.error === undefined &&
    probe.status !== 127 &&
    (!options.mustExitZero || probe.status === 0);
  return needsCondition(`\`${name}\``, present, installHint, testFile);
}

/**
 * skipUnlessPresent: true (skip) only when the thing is missing outside CI. Under CI a missing
 * program makes the suite run and fail at its require().
 */
export function skipUnlessPresent(p: RealProgram): boolean {
  return !p.present && !inCI;
}
