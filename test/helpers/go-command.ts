// The real go command in tests, isolated from this machine's Go settings: a fresh GOPATH, module
// cache and build cache, GOENV=off, and none of GOPRIVATE/GONOSUMDB/GONOPROXY/GOINSECURE (any of
// them could switch verification off). Run asynchronously: the servers under test answer from the
// same process, so spawnSync would deadlock.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** goEnvFor: the environment for `go` with GOPROXY and GOSUMDB ("<vkey> <url>") as given. */
export function goEnvFor(gopath: string, goproxy: string, gosumdb: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'GOPRIVATE',
    'GONOSUMDB',
    'GONOPROXY',
    'GOINSECURE',
    'GOFLAGS',
    'GO111MODULE',
    'GOPROXY',
    'GOSUMDB',
  ])
    delete env[k];
  return {
    ...env,
    GOENV: 'off',
    GO111MODULE: 'on',
    GOFLAGS: '-mod=mod',
    GOPATH: gopath,
    GOMODCACHE: join(gopath, 'pkg', 'mod'),
    GOCACHE: join(gopath, 'cache'),
    GOPROXY: goproxy,
    GOSUMDB: gosumdb,
  };
}

/** runGo runs `go args` in `cwd` (120 s at most). */
export function runGo(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', args, { env, cwd, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
