// One `sigil serve --database … --objects …` replica as a real child process, for the replica
// fault tests and the bench (which also starts the embedded default through it). It runs the built command (dist/cli/commands/serve.js, so `npm run
// build` first) without loading the whole CLI: importing every command costs ~0.4 s a start.
//
//   const r = startReplica({ data, database, objects, origin, migrate: true });
//   const { url, adminToken } = await r.ready;   // the --json start-up line
//   await killReplica(r);                        // SIGKILL, then wait for the exit
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DIST = join(import.meta.dirname, '../../dist');
const SERVE_JS = join(DIST, 'cli/commands/serve.js');
const SERVE = `
import { serve } from ${JSON.stringify(pathToFileURL(SERVE_JS).href)};
import { processIo } from ${JSON.stringify(pathToFileURL(join(DIST, 'cli/output.js')).href)};
const o = JSON.parse(process.argv[process.argv.length - 1]);
process.exitCode = await serve(processIo, o);
`;

export interface ReplicaOptions {
  /** The replica's --data folder: its copy of the key files (embedded: everything). */
  readonly data: string;
  /** PostgreSQL + S3 (both, or neither for the embedded default: the bench's baseline). */
  readonly database?: string;
  readonly objects?: string;
  readonly origin: string;
  readonly migrate?: boolean;
  /** Write requests per minute per IP and account (default: high enough never to matter). */
  readonly rateLimit?: number;
}

export interface ReplicaStarted {
  readonly url: string;
  readonly vkey: string;
  readonly adminToken: string | null;
}

export interface Replica {
  readonly child: ChildProcess;
  /** Resolves with the start-up line; rejects (with stderr) when the process exits first. */
  readonly ready: Promise<ReplicaStarted>;
  readonly exited: Promise<void>;
  /** The URL once ready and while the process lives. */
  readonly url: string | undefined;
  readonly stderr: () => string;
}

export function builtServe(): boolean {
  return existsSync(SERVE_JS);
}

export function startReplica(o: ReplicaOptions): Replica {
  const flags = {
    data: o.data,
    listen: '127.0.0.1:0',
    origin: o.origin,
    ...(o.database !== undefined ? { database: o.database, objects: o.objects } : {}),
    migrate: o.migrate ?? false,
    rateLimit: String(o.rateLimit ?? 1_000_000),
    json: true,
  };
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', SERVE, '--', JSON.stringify(flags)],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' },
    },
  );
  let out = '';
  let err = '';
  let url: string | undefined;
  let alive = true;
  const exited = new Promise<void>((r) =>
    child.once('exit', () => {
      alive = false;
      r();
    }),
  );
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  const ready = new Promise<ReplicaStarted>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0 || url !== undefined) return;
      const j = JSON.parse(out.slice(0, nl)) as {
        url: string;
        adminToken: string | null;
        log: { vkey: string };
      };
      url = j.url;
      resolve({ url: j.url, vkey: j.log.vkey, adminToken: j.adminToken });
    });
    void exited.then(() => reject(new Error(`replica exited before it was ready: ${err}`)));
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    exited,
    get url() {
      return alive ? url : undefined;
    },
    stderr: () => err,
  };
}

/** killReplica sends `signal` (default SIGKILL) and waits for the exit. */
export async function killReplica(r: Replica, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill(signal);
  await r.exited;
}
