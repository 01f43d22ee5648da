// The real gem and bundler in a throw-away home: one set of helpers for the interop and proxy tests.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { environWithout, runProgram } from './run-program.js';

let homes = 0;

/** freshGemHome: environment for gem/bundle with a new HOME, GEM_HOME and bundler folders under `root`. */
export function freshGemHome(root: string): Record<string, string> {
  const home = join(root, `home-${homes++}`);
  mkdirSync(home, { recursive: true });
  return {
    HOME: home,
    GEM_HOME: join(home, 'gems'),
    GEM_PATH: join(home, 'gems'),
    BUNDLE_USER_HOME: join(home, 'bundle'),
    BUNDLE_APP_CONFIG: join(home, 'bundle-config'),
    BUNDLE_PATH: join(home, 'gems'),
  };
}

/** runRuby runs gem or bundle (async: the server may be in this process) without the caller's GEM_/BUNDLE/RUBY variables. */
export function runRuby(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return runProgram(cmd, args, cwd, { ...environWithout(['GEM_', 'BUNDLE', 'RUBY']), ...env });
}

/** buildGem writes a one-file gem project in `dir` and runs the real `gem build`; returns the .gem path. */
export async function buildGem(
  dir: string,
  name: string,
  version: string,
  deps: string,
  body: string,
  signing = '',
): Promise<string> {
  mkdirSync(join(dir, 'lib'), { recursive: true });
  writeFileSync(join(dir, 'lib', `${name.replace(/-/g, '_')}.rb`), body);
  writeFileSync(
    join(dir, `${name}.gemspec`),
    `Gem::Specification.new do |s|\n  s.name = ${JSON.stringify(name)}\n  s.version = ${JSON.stringify(version)}\n  s.summary = "sigil test gem"\n  s.authors = ["Sigil"]\n  s.license = "MIT"\n  s.files = ["lib/${name.replace(/-/g, '_')}.rb"]\n  s.required_ruby_version = ">= 2.5"\n${deps}${signing}end\n`,
  );
  const r = await runRuby('gem', ['build', `${name}.gemspec`], dir, freshGemHome(dir));
  if (r.code !== 0) throw new Error(`gem build ${name}: ${r.out}`);
  return join(
    dir,
    readdirSync(dir).find((f) => f.endsWith('.gem'))!,
  );
}
