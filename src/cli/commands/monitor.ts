/**
 * sigil monitor: follow a Sigil server's log and report what happens in
 * watched namespaces, as JSON lines (and, optionally, to a webhook).
 *
 *   sigil monitor --server URL --watch 'pkg:npm/@acme/*' [--watch …] [--interval 60] [--once]
 *                 [--webhook URL] [--vkey VKEY] [--log URL] [--config-dir DIR]
 */
import type { Command } from 'commander';
import { sigilConfigDir } from '../../client/config-dir.js';
import { httpFetcher } from '../../client/fetcher.js';
import { parseServerKeys } from '../../client/records/source.js';
import { InputError } from '../../core/errors.js';
import { parseVerifierKey } from '../../log/note-key.js';
import { type MonitorEvent, pollOnce } from '../../monitor/monitor.js';
import { readState, statePath, writeState } from '../../monitor/state.js';
import type { CommandContext } from '../context.js';
import { printWarning, type Io } from '../output.js';
import { loadVerifierKey } from './log-client.js';
import { formatVerifierKey } from '../../log/note-key.js';

const EXAMPLES = `
Examples:
  $ sigil monitor --server https://sigil.example.org --watch 'pkg:npm/@acme/*'
  $ sigil monitor --server https://sigil.example.org --watch pkg:npm/left-pad --once --webhook https://hooks.example/sigil

Each line on stdout is one JSON event: new_version, key_event, reset, duplicate_record,
conflict_record, inconsistent_checkpoint, unparseable_entry, entry_mismatch. State (the log
key pinned on first use, the last checkpoint, the tree edge) lives in the config dir.
`;

/** ALARMS are the events that mean the log or the server misbehaved. */
export const ALARMS = new Set([
  'inconsistent_checkpoint',
  'duplicate_record',
  'entry_mismatch',
  'conflict_record',
]);

interface MonitorFlags {
  server: string;
  watch: string[];
  interval: string;
  once?: boolean;
  webhook?: string;
  vkey?: string;
  log?: string;
  configDir?: string;
}

export function registerMonitor(program: Command, ctx: CommandContext): void {
  program
    .command('monitor')
    .description(
      "follow a server's log and report new versions, key events, resets, duplicate records and inconsistent checkpoints",
    )
    .requiredOption('--server <url>', 'the Sigil server')
    .requiredOption(
      '-w, --watch <purl-pattern...>',
      "namespaces to watch, e.g. 'pkg:npm/@acme/*' (repeatable)",
    )
    .option('--interval <seconds>', 'seconds between polls', '60')
    .option('--once', 'poll once and exit (exit code 1 if an alarm was raised)')
    .option('--webhook <url>', 'also POST each event (JSON) to this URL')
    .option('--vkey <vkey>', "the log's verifier key (default: the server's, pinned on first use)")
    .option(
      '--log <url>',
      "the log's tlog-tiles URL (default: the server's keys.json, else <server>/log)",
    )
    .option('--config-dir <dir>', 'where the monitor keeps its state')
    .addHelpText('after', EXAMPLES)
    .action(async (f: MonitorFlags) => ctx.setExitCode(await monitor(ctx.io, f)));
}

async function monitor(io: Io, f: MonitorFlags): Promise<number> {
  const interval = Number(f.interval);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(f.interval) || interval <= 0)
    throw new InputError(
      'USAGE',
      `--interval must be a positive number of seconds, not ${JSON.stringify(f.interval)}`,
    );
  const server = f.server.replace(/\/+$/, '');
  const fetcher = httpFetcher({ timeoutMs: 30_000 });
  let vkey = f.vkey !== undefined ? formatVerifierKey(loadVerifierKey(f.vkey)) : undefined;
  let logUrl = f.log;
  if (vkey === undefined || logUrl === undefined) {
    const raw = await fetcher.get(`${server}/.well-known/sigil/keys.json`, {
      maxBytes: 1024 * 1024,
    });
    if (raw === undefined)
      throw new InputError('MONITOR_NO_KEYS', `${server} serves no /.well-known/sigil/keys.json`, {
        hint: 'give the log with --log URL --vkey VKEY',
      });
    const keys = parseServerKeys(
      JSON.parse(Buffer.from(raw).toString('utf8')),
      `${server}/.well-known/sigil/keys.json`,
    );
    vkey ??= keys.log.vkey;
    logUrl ??= keys.log.url ?? `${server}/log`;
  }
  const origin = parseVerifierKey(vkey).name;
  const dir = sigilConfigDir({ ...(f.configDir ? { flag: f.configDir } : {}), env: io.env });
  const path = statePath(dir, origin);
  let state = readState(path);
  if (state !== undefined && state.vkey !== vkey) {
    // The log key is pinned: a server that changes it is not the log we were following.
    throw new InputError(
      'MONITOR_KEY_CHANGED',
      `the log ${origin} now has key ${vkey}, but ${path} pinned ${state.vkey}`,
      { hint: 'if the operator really rotated the log key, delete the state file to start over' },
    );
  }
  let alarms = 0;
  let stop = false;
  const onSignal = (): void => void (stop = true);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (;;) {
      try {
        const r = await pollOnce({ server, logUrl: logUrl!, vkey, watch: f.watch, fetcher }, state);
        for (const e of r.events) {
          if (ALARMS.has(e.type)) alarms++;
          await emit(io, f.webhook, { ...e, server, origin, time: new Date().toISOString() });
        }
        state = r.state;
        await writeState(path, state);
      } catch (e) {
        if (f.once) throw e;
        printWarning(io, `poll failed: ${(e as Error).message}`);
      }
      if (f.once || stop) break;
      await new Promise((r) => setTimeout(r, interval * 1000));
      if (stop) break;
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  return f.once && alarms > 0 ? 1 : 0;
}

async function emit(io: Io, webhook: string | undefined, e: MonitorEvent): Promise<void> {
  const line = JSON.stringify(e);
  io.out(`${line}\n`);
  if (webhook === undefined) return;
  try {
    const r = await fetch(webhook, {
      method: 'POST',
      body: line,
      headers: { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(10_000),
    });
    if (!r.ok) printWarning(io, `webhook ${webhook} answered ${r.status}`);
  } catch (err) {
    printWarning(io, `webhook ${webhook}: ${(err as Error).message}`);
  }
}
