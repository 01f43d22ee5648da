// A throw-away PostgreSQL cluster for tests: Debian's postgresql (15) binaries, initdb into a
// temp folder, pg_ctl on a Unix socket in that folder (no TCP port, nothing shared with other
// tests). PostgreSQL refuses to run as root, so as root the cluster runs as `nobody` (runuser).
//
//   const pg = needsPostgres();                       // RealProgram: skip locally, fail in CI
//   const cluster = await startPostgres();            // { url, stop(), restart(), … }
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsProgram, type RealProgram } from './real-program.js';

const BIN = process.env.SIGIL_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid?.() === 0;

export function needsPostgres(testFile?: string): RealProgram {
  return needsProgram(
    join(BIN, 'pg_ctl'),
    ['--version'],
    'apt-get install postgresql (Debian 15)',
    testFile,
  );
}

/** run executes a PostgreSQL binary (as `nobody` when we are root), asynchronously. */
function run(cmd: string, args: string[]): Promise<void> {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'nobody', '--', join(BIN, cmd), ...args]]
    : [join(BIN, cmd), args];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${out}`)),
    );
  });
}

export interface PostgresCluster {
  /** Folder of the cluster; the socket lives here too. */
  readonly dir: string;
  /** postgres:// URL of the `postgres` database over the Unix socket. */
  readonly url: string;
  /** urlOf returns the URL of another database of this cluster. */
  urlOf(database: string): string;
  /** createDatabase makes an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** stop shuts the cluster down (fast mode: open sessions are cut). */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** bin runs a PostgreSQL client program (pg_dump, psql, …) against the cluster, as the cluster's user. */
  bin(cmd: string, args: string[]): Promise<void>;
  /** destroy stops the cluster and removes its folder. */
  destroy(): Promise<void>;
}

/**
 * startPostgres initdb's a fresh cluster in a temp folder and starts it on a Unix socket.
 * `settings` are extra `-c name=value` server settings (the bench loads pg_stat_statements).
 */
export async function startPostgres(settings: readonly string[] = []): Promise<PostgresCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-pg-'));
  chmodSync(dir, 0o777);
  const data = join(dir, 'data');
  const port = 5432; // only names the socket file (.s.PGSQL.5432) in our own folder; no TCP
  await run('initdb', ['-D', data, '-U', 'sigil', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = () =>
    run('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      join(dir, 'server.log'),
      '-o',
      `-k ${dir} -c listen_addresses='' -p ${port} -c max_connections=200 -c shared_buffers=32MB${settings.map((x) => ` -c ${x}`).join('')}`,
      'start',
    ]);
  await start();
  const urlOf = (db: string) => `postgres://sigil@/${db}?host=${encodeURIComponent(dir)}`;
  const cluster: PostgresCluster = {
    dir,
    url: urlOf('postgres'),
    urlOf,
    async createDatabase(name) {
      await run('createdb', ['-h', dir, '-U', 'sigil', name]);
      return urlOf(name);
    },
    stop: () => run('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']),
    start,
    bin: (cmd, args) => run(cmd, ['-h', dir, '-U', 'sigil', ...args]),
    async destroy() {
      if (existsSync(join(data, 'postmaster.pid'))) await cluster.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

/** Synchronous probe used by suites to decide skipping before any async work. */
export function postgresPresent(): boolean {
  return spawnSync(join(BIN, 'pg_ctl'), ['--version'], { stdio: 'ignore' }).status === 0;
}
