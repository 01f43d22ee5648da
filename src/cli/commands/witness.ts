/**
 * sigil witness: run a transparency-log witness (c2sp.org/tlog-witness).
 *
 *   sigil witness init --name NAME [--data DIR]
 *   sigil witness add-log --vkey VKEY [--data DIR]
 *   sigil witness remove-log ORIGIN [--data DIR]
 *   sigil witness logs [--data DIR] [--json]
 *   sigil witness vkey [--data DIR]
 *   sigil witness serve [--data DIR] [--listen HOST:PORT] [--logs FILE]
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { parseTlogPolicy } from '../../log/policy.js';
import { createWitnessKey, loadWitnessKey, readWitnessKeyInfo } from '../../witness/key.js';
import { createWitnessServer } from '../../witness/server.js';
import { WitnessStore } from '../../witness/store.js';
import type { CommandContext } from '../context.js';
import { printError, printWarning, type Io } from '../output.js';
import { httpFetcher } from '../../client/fetcher.js';
import { LogClient } from '../../client/log-client.js';
import { parseVerifierKey } from '../../log/note-key.js';
import { gossip } from '../../witness/gossip.js';
import { loadVerifierKey } from './log-client.js';
import { readNewPassphrase, readPassphrase } from '../passphrase.js';
import { parseListen } from './log.js';

export const DEFAULT_WITNESS_DIR = './.sigil-data/witness';

const EXAMPLES = `
Examples:
  $ sigil witness init --name witness.example.org
  $ sigil witness add-log --vkey "$(sigil log vkey)"
  $ sigil witness serve --listen 0.0.0.0:7380
  $ sigil witness serve --logs logs.policy     # "log <vkey> [url]" lines (c2sp.org/tlog-policy)
`;

export function registerWitness(program: Command, ctx: CommandContext): void {
  const w = program
    .command('witness')
    .description('run a transparency-log witness that cosigns checkpoints (C2SP tlog-witness)')
    .addHelpText('after', EXAMPLES);
  const data = (c: Command): Command =>
    c.option('-d, --data <dir>', 'data directory', DEFAULT_WITNESS_DIR);
  data(w.command('init').description('create the witness key (encrypted with a passphrase)'))
    .requiredOption('--name <name>', 'witness name, e.g. its host name')
    .option('--unencrypted', 'write the key without a passphrase (not recommended)')
    .action(async (f: { data: string; name: string; unencrypted?: boolean }) =>
      ctx.setExitCode(await init(ctx.io, f)),
    );
  data(w.command('add-log').description('trust a log: cosign checkpoints signed by this key'))
    .requiredOption('--vkey <vkey>', "the log's note verifier key (its name is the log's origin)")
    .action((f: { data: string; vkey: string }) => ctx.setExitCode(addLog(ctx.io, f)));
  data(
    w
      .command('remove-log')
      .description('stop cosigning a log (its state is kept)')
      .argument('<origin>'),
  ).action((origin: string, f: { data: string }) => ctx.setExitCode(removeLog(ctx.io, origin, f)));
  data(w.command('logs').description('list the logs and the latest size cosigned for each'))
    .option('--json', 'print JSON')
    .action((f: { data: string; json?: boolean }) => ctx.setExitCode(listLogs(ctx.io, f)));
  data(w.command('vkey').description("print the witness's cosignature verifier key")).action(
    (f: { data: string }) => ctx.setExitCode(vkey(ctx.io, f)),
  );
  w.command('gossip')
    .description(
      "compare the log's checkpoint with what witnesses cosigned (and push ours): catches split views",
    )
    .requiredOption('--log <url>', 'the log (its tlog-tiles prefix)')
    .requiredOption('--vkey <vkey>', "the log's note verifier key, or a file holding it")
    .requiredOption('--witness <url...>', 'witness URL(s); repeatable')
    .option(
      '--witness-vkey <vkey...>',
      'witness cosignature keys (needed for --push), in the order of --witness',
    )
    .option('--push', 'submit our checkpoint to witnesses whose checkpoint is older')
    .option('--json', 'print one JSON line per witness')
    .action(async (f: GossipFlags) => ctx.setExitCode(await gossipCommand(ctx.io, f)));
  data(
    w.command('serve').description('serve add-checkpoint and the monitoring checkpoint endpoint'),
  )
    .option('-l, --listen <host:port>', 'address to listen on', '127.0.0.1:7380')
    .option(
      '--logs <file>',
      'also trust the logs listed in this file ("log <vkey> [url]" lines, c2sp.org/tlog-policy)',
    )
    .action(async (f: { data: string; listen: string; logs?: string }) =>
      ctx.setExitCode(await serve(ctx.io, f)),
    );
}

async function init(
  io: Io,
  f: { data: string; name: string; unencrypted?: boolean },
): Promise<number> {
  const passphrase = f.unencrypted ? undefined : readNewPassphrase(io);
  if (passphrase === undefined && !f.unencrypted) {
    throw new InputError(
      'KEY_PASSPHRASE_REQUIRED',
      'refusing to write an unencrypted witness key',
      { hint: 'set SIGIL_PASSPHRASE, or pass --unencrypted if you really mean it' },
    );
  }
  const k = await createWitnessKey(f.data, f.name, passphrase, {
    unencrypted: Boolean(f.unencrypted),
  });
  if (f.unencrypted)
    printWarning(
      io,
      `${k.path} is not encrypted: anyone who can read it can cosign as this witness`,
    );
  io.out(
    `created witness ${k.name}\n  key   ${k.path}   (${f.unencrypted ? 'NOT encrypted' : 'encrypted'})\n  vkey  ${k.vkey}\nnext: sigil witness add-log --vkey LOG_VKEY --data ${f.data}\n`,
  );
  return 0;
}

function withStore<T>(dir: string, fn: (s: WitnessStore) => T): T {
  const s = new WitnessStore(dir);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}

function addLog(io: Io, f: { data: string; vkey: string }): number {
  const origin = withStore(f.data, (s) => s.addLog(f.vkey));
  io.out(`trusting log ${origin}\n`);
  return 0;
}

function removeLog(io: Io, origin: string, f: { data: string }): number {
  const removed = withStore(f.data, (s) => s.removeLog(origin));
  if (!removed)
    throw new InputError('WITNESS_LOG_UNKNOWN', `no log ${JSON.stringify(origin)} is configured`, {
      hint: '`sigil witness logs` lists them',
    });
  io.out(`no longer cosigning ${origin}\n`);
  return 0;
}

function listLogs(io: Io, f: { data: string; json?: boolean }): number {
  const logs = withStore(f.data, (s) => s.logs());
  if (f.json) io.out(`${JSON.stringify(logs)}\n`);
  else
    for (const l of logs)
      io.out(
        `${l.origin}  size ${l.size ?? '-'}  ${l.vkeys.length === 0 ? '(removed)' : l.vkeys.join(' ')}\n`,
      );
  return 0;
}

function vkey(io: Io, f: { data: string }): number {
  const info = readWitnessKeyInfo(f.data);
  if (info === undefined)
    throw new InputError('WITNESS_KEY_MISSING', `no witness key in ${f.data}`, {
      hint: 'sigil witness init --name NAME',
    });
  io.out(`${info.vkey}\n`);
  return 0;
}

/** readLogsFile returns the log vkeys of a tlog-policy file (only its `log` lines matter here). */
export function readLogsFile(path: string): string[] {
  if (!existsSync(path))
    throw new InputError('FILE_NOT_FOUND', `${path} does not exist`, { file: path });
  const text = readFileSync(path, 'utf8');
  // A logs file need not have a quorum line: add one so the policy parser accepts it.
  const p = parseTlogPolicy(/^\s*quorum\s/m.test(text) ? text : `${text}\nquorum none\n`, path);
  return p.logs.map((l) => l.vkey);
}

async function serve(io: Io, f: { data: string; listen: string; logs?: string }): Promise<number> {
  const { host, port } = parseListen(f.listen);
  const info = readWitnessKeyInfo(f.data);
  if (info === undefined)
    throw new InputError('WITNESS_KEY_MISSING', `no witness key in ${f.data}`, {
      hint: 'sigil witness init --name NAME',
    });
  const key = loadWitnessKey(
    f.data,
    existsEncrypted(info.path) ? readPassphrase(io, info.path) : undefined,
  );
  if (key.worldReadable) printWarning(io, `${key.path} is readable by other users (chmod 600 it)`);
  const store = new WitnessStore(f.data);
  if (f.logs !== undefined) for (const v of readLogsFile(f.logs)) store.addLog(v);
  const app = createWitnessServer({ store, key });
  let address: string;
  try {
    address = await app.listen({ host, port });
  } catch (e) {
    store.close();
    throw new InputError('LISTEN_FAILED', `cannot listen on ${f.listen}: ${(e as Error).message}`, {
      hint: 'pick another -l/--listen address',
    });
  }
  io.out(
    `url: ${address}\nname: ${key.name}\nvkey: ${key.vkey}\nlogs: ${store.logs().filter((l) => l.vkeys.length > 0).length}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await app.close();
  store.close();
  return 0;
}

interface GossipFlags {
  log: string;
  vkey: string;
  witness: string[];
  witnessVkey?: string[];
  push?: boolean;
  json?: boolean;
}

async function gossipCommand(io: Io, f: GossipFlags): Promise<number> {
  const logKey = loadVerifierKey(f.vkey);
  const client = new LogClient({ baseUrl: f.log, verifierKey: logKey, fetcher: httpFetcher() });
  const seen = await client.fetchCheckpoint();
  const keys = (f.witnessVkey ?? []).map((k) => parseVerifierKey(k));
  let split = false;
  for (const [i, url] of f.witness.entries()) {
    const r = await gossip({
      logKey,
      seen: seen.text,
      witnessUrl: url,
      proveConsistency: (a, b) => client.proveConsistency(a, b),
      push: Boolean(f.push),
      ...(keys[i] ? { witnessKey: keys[i] } : {}),
    });
    if (r.check.status === 'fail') split = true;
    if (f.json) io.out(`${JSON.stringify({ witness: url, ...r.check })}\n`);
    else {
      io.out(
        `${r.check.status === 'pass' ? '✔' : r.check.status === 'fail' ? '✘' : '–'} ${url}  ${r.check.reason}\n`,
      );
      if (r.check.code === 'GOSSIP_SPLIT_VIEW') {
        const indent = (t: unknown): string =>
          String(t ?? '(none)')
            .trimEnd()
            .split('\n')
            .map((l) => `    ${l}`)
            .join('\n');
        io.out(
          `  checkpoint served by the log:\n${indent(r.check.detail?.['seen'])}\n  checkpoint cosigned by the witness:\n${indent(r.check.detail?.['witness'])}\n`,
        );
      }
    }
  }
  if (split)
    printError(
      io,
      `split view: ${seen.checkpoint.origin} showed different histories`,
      'keep both checkpoints as evidence and report them to the log operator and the witnesses',
    );
  return split ? 1 : 0;
}

function existsEncrypted(path: string): boolean {
  return readFileSync(path, 'utf8').includes('ENCRYPTED PRIVATE KEY');
}
