// The real apt-get in a throw-away root: its own sources, lists, cache, dpkg database and install
// root, with Debian's default date checks back on (this machine's /etc/apt/apt.conf.d turns
// Check-Valid-Until and Check-Date off for its own mirror). Run asynchronously: the repository is
// served by the test's own process, so a blocking spawn would deadlock.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface AptSource {
  readonly url: string;
  readonly suite: string;
  readonly keyFile: string;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runAsync(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive', ...env },
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** aptRoot makes a throw-away apt under `dir/name` reading `sources`; `run(...args)` runs apt-get there. */
export function aptRoot(dir: string, name: string, sources: readonly AptSource[]) {
  const r = join(dir, name);
  for (const d of [
    'etc/sources.list.d',
    'lists/partial',
    'cache/archives/partial',
    'root/var/lib/dpkg/info',
    'root/var/lib/dpkg/updates',
    'log',
  ])
    mkdirSync(join(r, d), { recursive: true });
  writeFileSync(join(r, 'root/var/lib/dpkg/status'), '');
  writeFileSync(
    join(r, 'etc/sources.list.d/sigil.sources'),
    sources
      .map(
        (s) =>
          `Types: deb\nURIs: ${s.url}\nSuites: ${s.suite}\nComponents: main\nSigned-By: ${s.keyFile}\n`,
      )
      .join('\n'),
  );
  const opts = [
    '-o',
    `Dir::Etc::SourceList=/dev/null`,
    '-o',
    `Dir::Etc::SourceParts=${join(r, 'etc/sources.list.d')}`,
    '-o',
    `Dir::State::Lists=${join(r, 'lists')}`,
    '-o',
    `Dir::Cache=${join(r, 'cache')}`,
    '-o',
    `Dir::State::status=${join(r, 'root/var/lib/dpkg/status')}`,
    '-o',
    `Dir::Log=${join(r, 'log')}`,
    '-o',
    'APT::Sandbox::User=root',
    '-o',
    'Acquire::Languages=none',
    '-o',
    'Acquire::Check-Valid-Until=true',
    '-o',
    'Acquire::Check-Date=true',
    '-o',
    `DPkg::Options::=--root=${join(r, 'root')}`,
    '-o',
    'DPkg::Options::=--force-script-chrootless',
    '-o',
    'DPkg::Options::=--force-not-root',
    '-o',
    'Debug::NoLocking=1',
  ];
  const run = (...args: string[]) => runAsync('apt-get', [...opts, ...args]);
  return { root: join(r, 'root'), run };
}
