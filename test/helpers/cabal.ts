// What the cabal tests share: an sdist as `cabal sdist` lays it out, and a real cabal with its own
// config and repository cache pointed at one hackage-security repository.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** buildSdist writes `<name>-<version>.tar.gz` under `dir`. */
export function buildSdist(dir: string, name: string, version: string): string {
  const top = `${name}-${version}`;
  const root = join(dir, 'src', top);
  mkdirSync(join(root, 'src'), { recursive: true });
  writeFileSync(
    join(root, `${name}.cabal`),
    `cabal-version: 2.4\nname: ${name}\nversion: ${version}\nsynopsis: published to Sigil\nlicense: MIT\nbuild-type: Simple\n\nlibrary\n  exposed-modules: Sigil.Hello\n  hs-source-dirs: src\n  build-depends: base\n  default-language: Haskell2010\n`,
  );
  mkdirSync(join(root, 'src', 'Sigil'), { recursive: true });
  writeFileSync(
    join(root, 'src', 'Sigil', 'Hello.hs'),
    'module Sigil.Hello (hello) where\nhello :: String\nhello = "hello from sigil"\n',
  );
  const out = join(dir, `${top}.tar.gz`);
  const r = spawnSync('tar', ['--format=ustar', '-czf', out, '-C', join(dir, 'src'), top], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

function runAsync(
  dir: string,
  cmd: string,
  args: string[],
  cwd: string,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, HOME: join(dir, 'home') } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

/** A cabal with its own config and repository cache; `repo` is the client's state across calls. */
export function cabalClient(dir: string, name: string, rootKeyId: string, threshold = 1) {
  const home = join(dir, name);
  mkdirSync(join(home, 'work'), { recursive: true });
  const config = join(home, 'config');
  const run = (repoUrl: string, ...args: string[]) => {
    writeFileSync(
      config,
      `repository sigil\n  url: ${repoUrl}/\n  secure: True\n  root-keys: ${rootKeyId}\n  key-threshold: ${threshold}\n\nremote-repo-cache: ${join(home, 'packages')}\n`,
    );
    // async: the repository is served by this same process, so a blocking spawn would deadlock
    return runAsync(dir, 'cabal', [`--config-file=${config}`, ...args], join(home, 'work'));
  };
  return { run, work: join(home, 'work') };
}
