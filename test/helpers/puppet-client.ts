// The real `puppet module install` into a throw-away modulepath and puppet dirs, for the
// Puppet tests (the Forge they install from is served by the test's own process).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

// async: the Forge is served by this same process, so a blocking spawn would deadlock
export function puppetInstall(
  dir: string,
  repo: string,
  target: string,
  module = 'sigil-demo',
  withDependencies = false,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      'puppet',
      [
        'module',
        'install',
        module,
        '--module_repository',
        repo,
        '--target-dir',
        target,
        '--confdir',
        join(dir, 'conf'),
        '--vardir',
        join(dir, 'var'),
        '--codedir',
        join(dir, 'code'),
        '--logdir',
        join(dir, 'log'),
        '--rundir',
        join(dir, 'run'),
        ...(withDependencies ? [] : ['--ignore-dependencies']),
      ],
      {
        env: { ...process.env, HOME: dir },
      },
    );
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}
