/**
 * sigil log: run and inspect a transparency log.
 *
 *   sigil log serve [--data DIR] [--listen HOST:PORT] [--origin ORIGIN]
 *                   [--write-token-file FILE] [--allow-key PUB]… [--open-writes] [--write-rate N] [--max-body-bytes N] [--verify-workers N] [--trust-proxy IPs]
 *   sigil log vkey [--data DIR]
 *   sigil log checkpoint [--url URL | --data DIR] [--vkey VKEY]
 *   sigil log audit [--url URL | --data DIR] [--vkey VKEY]
 */
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { verifyCheckpoint } from '../../log/checkpoint.js';
import { type NoteVerifier, parseVerifierKey } from '../../log/note-key.js';
import { createLogServer } from '../../registry/log-routes.js';
import { DEFAULT_WRITE_RATE, LogAdmission } from '../../registry/log-admission.js';
import { intFlag, trustedProxiesFlag } from '../server-flags.js';
import { parsePublicKeyFile } from '../../core/keys.js';
import { rekorRoutes } from '../../registry/personalities/rekor/routes.js';
import { PreparePool } from '../../registry/personalities/rekor/prepare-pool.js';
import { AuditError, auditLog, type TileSource } from '../../store/audit.js';
import { DEFAULT_LOG_DIR, openFileLog } from '../../store/file-log.js';
import { loadLogKey, loadOrCreateLogKey } from '../../store/log-key.js';
import type { SharedLogHandle } from '../../store/scale/open-shared-log.js';
import { publicDir } from '../../store/sqlite-file-storage.js';
import { dirTileSource, httpTileSource } from '../../store/tile-source.js';
import { describeQuorum } from '../../log/policy.js';
import { WitnessedLog } from '../../witness/witnessed-log.js';
import type { CommandContext } from '../context.js';
import { printError, printWarning, type Io } from '../output.js';
import { addWitnessFlags, type WitnessFlags, witnessingFrom } from '../witness-flags.js';

const EXAMPLES = `
Examples:
  $ sigil log serve --origin log.example.org --listen 0.0.0.0:7440 --allow-key ci.pub --write-token-file tokens.txt
  $ sigil log vkey
  $ sigil log checkpoint --url http://127.0.0.1:7440
  $ sigil log audit --url https://log.example.org --vkey "$(sigil log vkey)"
`;

export interface ServeFlags extends WitnessFlags {
  data: string;
  listen?: string;
  port?: string;
  origin?: string;
  batchSize?: string;
  batchInterval?: string;
  writeTokenFile?: string;
  allowKey?: string[];
  openWrites?: boolean;
  writeRate?: string;
  maxBodyBytes?: string;
  database?: string;
  objects?: string;
  migrate?: boolean;
  verifyWorkers?: string;
  trustProxy?: string;
}

export interface SourceFlags {
  data?: string;
  url?: string;
  vkey?: string;
}

/**
 * registerLog adds the `log` command group and returns it, so that other
 * log subcommands (trust-root, verify-inclusion: registerLogClientCommands)
 * join the same group.
 */
export function registerLog(program: Command, ctx: CommandContext): Command {
  const log = program
    .command('log')
    .description('run and inspect a transparency log (C2SP tlog-tiles)')
    .addHelpText('after', EXAMPLES);
  addWitnessFlags(log.command('serve'))
    .description('serve a transparency log (creates its key on first start)')
    .option('-d, --data <dir>', 'data directory', DEFAULT_LOG_DIR)
    .option('-l, --listen <host:port>', 'address to listen on (default 127.0.0.1:7440)')
    .option(
      '-p, --port <n>',
      'port on 127.0.0.1 (shorthand for --listen 127.0.0.1:N), as for `sigil serve`',
    )
    .option('--origin <origin>', 'log origin for a new log (default: the listen address)')
    .option('--batch-size <n>', 'integrate when this many entries wait', '256')
    .option(
      '--batch-interval <ms>',
      'or this long after the first one arrived (0: as soon as the writer is free)',
      '0',
    )
    .option(
      '--write-token-file <file>',
      'admit writes with one of these bearer tokens (one a line; also SIGIL_LOG_WRITE_TOKEN)',
    )
    .option(
      '--allow-key <pub>',
      'admit Rekor v2 DSSE entries signed by this public key file (repeatable)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--open-writes',
      'admit writes from anyone (rate-limited); without a policy, writes are refused',
    )
    .option(
      '--write-rate <n>',
      'writes per minute per client address',
      String(DEFAULT_WRITE_RATE.perMinute),
    )
    .option('--max-body-bytes <n>', 'largest write request body', String(LOG_SERVE_MAX_BODY))
    .option(
      '--database <url>',
      'scale-out: PostgreSQL for sequencing (postgres://…); needs --objects',
    )
    .option('--objects <url>', 'scale-out: S3-compatible store for tiles (s3://bucket?endpoint=…)')
    .option(
      '--migrate',
      'apply database migrations before serving (under a lock: safe on every replica)',
    )
    .option(
      '--trust-proxy <addresses>',
      'reverse proxies (comma-separated IPs or CIDR blocks) whose X-Forwarded-For names the client for write rate limits; no other sender is believed',
    )
    .option(
      '--verify-workers <n>',
      'threads that parse and verify add-entry requests (0: on the main thread; default: one per core when there are several)',
    )
    .action(async (flags: ServeFlags) => ctx.setExitCode(await serve(ctx.io, flags)));
  log
    .command('vkey')
    .description("print the log's note verifier key")
    .option('-d, --data <dir>', 'data directory', DEFAULT_LOG_DIR)
    .action(async (flags: { data: string }) => ctx.setExitCode(vkey(ctx.io, flags.data)));
  withSourceFlags(
    log
      .command('checkpoint')
      .description("print the log's latest checkpoint (verified when its key is known)"),
  ).action(async (flags: SourceFlags) => ctx.setExitCode(await checkpoint(ctx.io, flags)));
  withSourceFlags(
    log
      .command('audit')
      .description(
        'replay the whole log from its tiles and entry bundles and check its checkpoint',
      ),
  ).action(async (flags: SourceFlags) => ctx.setExitCode(await audit(ctx.io, flags)));
  return log;
}

/** withSourceFlags adds the flags that name a log to read: a local data folder, or a URL and its key. */
function withSourceFlags(c: Command): Command {
  return c
    .option('-d, --data <dir>', `data directory (default ${DEFAULT_LOG_DIR})`)
    .option('-u, --url <url>', 'URL of the log (its prefix)')
    .option('--vkey <vkey>', 'verifier key of the log');
}

/** parseListen splits HOST:PORT ("[::1]:80", ":7440" = all interfaces). */
/** listenAddress reads -l/--listen or -p/--port (not both), the same way for every server command. */
export function listenAddress(
  flags: { listen?: string | undefined; port?: string | undefined },
  defaultPort: number,
): { host: string; port: number } {
  if (flags.listen !== undefined && flags.port !== undefined)
    throw new InputError('USAGE', "-l/--listen and -p/--port can't be used together", {
      hint: '-p N is short for --listen 127.0.0.1:N',
    });
  if (flags.port !== undefined) {
    if (!/^[0-9]{1,5}$/.test(flags.port) || Number(flags.port) > 65535)
      throw new InputError(
        'USAGE',
        `-p/--port must be a port number from 0 to 65535, not ${JSON.stringify(flags.port)}`,
        { hint: 'e.g. -p 8080; 0 picks a free port' },
      );
    return { host: '127.0.0.1', port: Number(flags.port) };
  }
  return parseListen(flags.listen ?? `127.0.0.1:${defaultPort}`);
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):([0-9]{1,5})$/.exec(s);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535)
    throw new InputError('USAGE', `-l/--listen must be HOST:PORT, not ${JSON.stringify(s)}`, {
      hint: 'e.g. --listen 127.0.0.1:7440',
    });
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export async function serve(io: Io, flags: ServeFlags): Promise<number> {
  const { host, port } = listenAddress(flags, 7440);
  const batchSize = intFlag('--batch-size', flags.batchSize, 1);
  const batchIntervalMs = intFlag('--batch-interval', flags.batchInterval, 0);
  const admission = writePolicy(flags, io.env);
  const maxBodyBytes = intFlag('--max-body-bytes', flags.maxBodyBytes, 1) ?? LOG_SERVE_MAX_BODY;
  const trustedProxies = trustedProxiesFlag(flags.trustProxy);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const defaultOrigin = port === 0 ? urlHost : `${urlHost}:${port}`;
  const origin = flags.origin ?? (loadLogKey(flags.data) ? undefined : defaultOrigin);
  const witnessing = witnessingFrom(flags);
  const scaleOut = flags.database !== undefined || flags.objects !== undefined || flags.migrate;
  const fileLog = scaleOut
    ? await openScaleOutLog(flags, origin, { batchSize, batchIntervalMs })
    : await openFileLog(flags.data, {
        ...(origin !== undefined ? { origin } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        ...(batchIntervalMs !== undefined ? { batchIntervalMs } : {}),
      });
  // With witnesses, everything served carries their cosignatures (src/witness/witnessed-log.ts).
  const log = witnessing
    ? Object.assign(
        new WitnessedLog(fileLog, { ...witnessing, onRound: (r) => reportRound(io, r) }),
        { dir: fileLog.dir, keyCreated: fileLog.keyCreated },
      )
    : fileLog;
  const app = createLogServer({
    log,
    admission,
    ...(trustedProxies ? { trustedProxies } : {}),
  });
  // The Rekor v2 write API beside the tlog-tiles read side (sigstore clients submit here).
  // Parse + verify on worker threads (issue 14, P4): the event loop keeps HTTP and sequencing.
  const workers =
    intFlag('--verify-workers', flags.verifyWorkers, 0) ??
    (availableParallelism() > 1 ? availableParallelism() : 0);
  const preparePool = workers > 0 ? new PreparePool(workers) : undefined;
  await app.register(rekorRoutes, {
    log,
    admission,
    maxBodyBytes,
    ...(preparePool ? { preparePool } : {}),
  });
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (e) {
    await log.close();
    throw new InputError(
      'LISTEN_FAILED',
      `cannot listen on ${host}:${port}: ${(e as Error).message}`,
      { hint: 'pick another -l/--listen address' },
    );
  }
  io.out(
    `url: ${address}\norigin: ${log.origin}\nvkey: ${log.verifierKey}\ndata: ${log.dir}\nwrites: ${admission.describe()}\n`,
  );
  if (log.keyCreated) io.out(`key: created ${join(log.dir, 'log.key')}\n`);
  if (witnessing)
    io.out(
      `witnesses: ${witnessing.policy.witnesses.map((w) => w.name).join(', ')} (quorum ${describeQuorum(witnessing.policy)}, fail-${witnessing.failOpen ? 'open' : 'closed'})\n`,
    );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
  await preparePool?.close();
  await log.close();
  return 0;
}

/** openScaleOutLog: the log on PostgreSQL + S3; only the key lives in --data (the same log.key on every replica). */
async function openScaleOutLog(
  flags: ServeFlags,
  origin: string | undefined,
  o: { batchSize: number | undefined; batchIntervalMs: number | undefined },
): Promise<{ dir: string; keyCreated: boolean } & SharedLogHandle> {
  // Loaded only here: pg and the AWS SDK stay out of every other command's start-up.
  const { openSharedLog, scaleOutRequested } = await import('../../store/scale/open-shared-log.js');
  scaleOutRequested(flags);
  const key = await loadOrCreateLogKey(flags.data, origin);
  const log = await openSharedLog(
    { ...flags, database: flags.database!, objects: flags.objects! },
    key,
    {
      origin: key.origin,
      ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
      ...(o.batchIntervalMs !== undefined ? { batchIntervalMs: o.batchIntervalMs } : {}),
    },
  );
  return Object.assign(log, { dir: log.location, keyCreated: key.created });
}

/** LOG_SERVE_MAX_BODY: a Rekor v2 request carries one entry (≤ 64 KiB in a tlog-tiles bundle) plus its verifiers. */
export const LOG_SERVE_MAX_BODY = 256 * 1024;

/** writePolicy reads `sigil log serve`'s admission flags (issue 11 item 7: no anonymous writes by default). */
export function writePolicy(
  flags: ServeFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): LogAdmission {
  const tokens: string[] = [];
  const fromEnv = env['SIGIL_LOG_WRITE_TOKEN'];
  if (fromEnv) tokens.push(fromEnv.trim());
  if (flags.writeTokenFile !== undefined) {
    let text: string;
    try {
      text = readFileSync(flags.writeTokenFile, 'utf8');
    } catch (e) {
      throw new InputError(
        'USAGE',
        `cannot read --write-token-file ${flags.writeTokenFile}: ${(e as Error).message}`,
      );
    }
    const lines = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    if (lines.length === 0)
      throw new InputError(
        'USAGE',
        `--write-token-file ${flags.writeTokenFile} has no token (one a line)`,
      );
    if (lines.some((l) => l.length < 16))
      throw new InputError(
        'USAGE',
        `--write-token-file ${flags.writeTokenFile}: every token must be at least 16 characters`,
      );
    tokens.push(...lines);
  }
  const keyIds = (flags.allowKey ?? []).map((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new InputError('USAGE', `cannot read --allow-key ${file}: ${(e as Error).message}`);
    }
    return parsePublicKeyFile(text, file).keyId;
  });
  const perMinute = intFlag('--write-rate', flags.writeRate, 1) ?? DEFAULT_WRITE_RATE.perMinute;
  return LogAdmission.policy({
    tokens,
    keyIds,
    open: flags.openWrites === true,
    rateLimit: { perMinute, burst: Math.max(1, Math.min(perMinute, DEFAULT_WRITE_RATE.burst)) },
  });
}

function reportRound(
  io: Io,
  r: { size: number; failures: readonly { message: string }[]; quorumMet: boolean },
): void {
  for (const f of r.failures) printWarning(io, `checkpoint ${r.size}: ${f.message}`);
  if (!r.quorumMet) printWarning(io, `checkpoint ${r.size}: witness quorum not met`);
}

function requireKey(dir: string): string {
  const key = loadLogKey(dir);
  if (!key) {
    throw new InputError('LOG_KEY_MISSING', `no log key in ${dir}`, {
      hint: 'start the log once with `sigil log serve --data DIR --origin ORIGIN`, or pass -d/--data',
    });
  }
  return key.verifierKey;
}

export function vkey(io: Io, dir: string): number {
  io.out(`${requireKey(dir)}\n`);
  return 0;
}

interface Source {
  readonly source: TileSource;
  readonly where: string;
  readonly verifiers: NoteVerifier[] | undefined;
}

function openSource(io: Io, flags: SourceFlags): Source {
  if (flags.url !== undefined && flags.data !== undefined) {
    throw new InputError('USAGE', "-u/--url can't be used with -d/--data", {
      hint: 'audit a log either over HTTP or from its data directory',
    });
  }
  let vk = flags.vkey;
  let source: TileSource;
  let where: string;
  if (flags.url !== undefined) {
    let url: URL;
    try {
      url = new URL(flags.url);
    } catch {
      throw new InputError('USAGE', `-u/--url ${JSON.stringify(flags.url)} is not a URL`, {
        hint: 'e.g. --url http://127.0.0.1:7440',
      });
    }
    source = httpTileSource(url.href);
    where = url.href;
  } else {
    const dir = flags.data ?? DEFAULT_LOG_DIR;
    if (!existsSync(join(dir, 'log.key')) && !existsSync(publicDir(dir))) {
      throw new InputError('LOG_NOT_FOUND', `no log in ${dir}`, {
        hint: 'pass -d/--data DIR or -u/--url URL',
      });
    }
    vk ??= loadLogKey(dir)?.verifierKey;
    source = dirTileSource(publicDir(dir));
    where = dir;
  }
  if (vk === undefined)
    printWarning(io, 'the checkpoint signature is not checked: pass --vkey VKEY');
  return { source, where, verifiers: vk === undefined ? undefined : [parseVerifierKey(vk)] };
}

export async function checkpoint(io: Io, flags: SourceFlags): Promise<number> {
  const { source, where, verifiers } = openSource(io, flags);
  const data = await source('checkpoint');
  if (data === undefined) throw new InputError('LOG_NOT_FOUND', `${where} has no checkpoint`);
  const text = Buffer.from(data).toString('utf8');
  if (verifiers) {
    const v = verifyCheckpoint(text, verifiers);
    if (!v.ok) {
      printError(io, `the checkpoint of ${where} does not verify: ${v.check.reason}`);
      return 1;
    }
  }
  io.out(text);
  return 0;
}

export async function audit(io: Io, flags: SourceFlags): Promise<number> {
  const { source, where, verifiers } = openSource(io, flags);
  let last = 0;
  let shown = false;
  try {
    const r = await auditLog(source, {
      ...(verifiers ? { verifiers } : {}),
      onProgress: (done, total) => {
        if (!io.stderrIsTTY) return;
        const now = Date.now();
        if (now - last < 200 && done < total) return;
        last = now;
        shown = true;
        io.err(
          `\raudit ${done}/${total} entries (${total > 0 ? Math.floor((done / total) * 100) : 100}%)`,
        );
      },
    });
    if (shown) io.err('\r\x1b[K');
    const root = Buffer.from(r.root).toString('base64');
    io.out(
      `audited ${r.entries} entries of ${r.checkpoint.origin}: ${r.treeHeads} tree heads recomputed, ${r.tilesChecked} tiles match, root ${root} matches the checkpoint${r.signatureVerified ? ' (signature verified)' : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (shown) io.err('\r\x1b[K');
    if (e instanceof AuditError) {
      printError(io, `the log at ${where} does not audit: ${e.message}`);
      return 1;
    }
    throw e;
  }
}

/** readCheckpointFile reads the published checkpoint of a data directory (for tools and tests). */
export function readCheckpointFile(dir: string): string {
  return readFileSync(join(publicDir(dir), 'checkpoint'), 'utf8');
}
