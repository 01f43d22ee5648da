/**
 * sigil fetch-records <lockfile> --server URL: fill the offline cache
 * (`.sigil/cache/records.json` beside the lockfile) with everything
 * `sigil verify <lockfile> --offline` needs: keys.json, the release records
 * with their inclusion proofs and checkpoint, and the consistency proofs
 * linking that checkpoint to the one this machine remembers (checked now,
 * so a split view is refused before anything is cached), and the key-ledger
 * history of every signed dependency's namespace (replayed offline).
 */
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { sigilConfigDir } from '../../client/config-dir.js';
import { fileCheckpointMemory } from '../../client/checkpoint-memory.js';
import { cachePath, recordingSource, writeRecordCache } from '../../client/records/cache.js';
import { httpRecordSource } from '../../client/records/http-source.js';
import { recordsOf } from '../../client/records/source.js';
import { fileCheckpointClock } from '../../client/records/seen.js';
import { DEFAULT_POLICY } from '../../verify-project/policy.js';
import { checkCheckpoints } from '../../verify-project/checkpoints.js';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { StepProgress } from '../step-progress.js';
import { printError } from '../output.js';
import {
  guardServerIdentity,
  loadPolicy,
  readLockfile,
  serverFor,
  serverLedgerView,
} from '../verify/lockfile.js';
import type { LedgerHistories } from '../../client/ledger-view.js';
import { ledgerNamespaces } from '../../verify-project/verify-project.js';

export interface FetchRecordsFlags {
  server?: string;
  policy?: string;
  acceptNewServerKeys?: boolean;
}

export function registerFetchRecords(program: Command, ctx: CommandContext): void {
  program
    .command('fetch-records')
    .summary("cache the release records of a lockfile's dependencies for `sigil verify --offline`")
    .description(
      examplesFirst(
        "cache the release records of a lockfile's dependencies for `sigil verify --offline`",
        [
          'sigil fetch-records package-lock.json --server https://sigil.example.org',
          'sigil verify package-lock.json --offline',
        ],
      ),
    )
    .argument('<lockfile>', 'package-lock.json, yarn.lock, pnpm-lock.yaml, go.sum, …')
    .option(
      '--server <url>',
      'the Sigil server (default: the policy\'s "server", or $SIGIL_SERVER)',
    )
    .option('--policy <file>', 'the policy file (only its "server" is used here)')
    .option(
      '--accept-new-server-keys',
      'accept (and pin) a server whose log origin, log key or registry key changed since first use',
    )
    .action(async (lockfile: string, flags: FetchRecordsFlags) =>
      ctx.setExitCode(await fetchRecords(ctx, lockfile, flags)),
    );
}

export async function fetchRecords(
  ctx: CommandContext,
  lockfile: string,
  flags: FetchRecordsFlags,
): Promise<number> {
  const { io } = ctx;
  const projectDir = dirname(lockfile);
  const lock = readLockfile(lockfile);
  const { policy } = loadPolicy(projectDir, flags.policy);
  const server = serverFor(flags, policy, io);
  const source = recordingSource(httpRecordSource(server));
  const progress = new StepProgress(io, io.stderrIsTTY);
  progress.step(`asking ${server} for its keys`, 1, 4);
  const keys = await source.keys();
  if ((await guardServerIdentity(io, server, keys, flags)).status === 'fail') return 1;
  const purls = [
    ...new Set(
      lock.entries
        .filter((e) => e.source === undefined || e.source === 'registry')
        .map((e) => e.purl),
    ),
  ];
  progress.step(`looking up ${purls.length.toLocaleString('en-US')} release records`, 2, 4);
  const lookup = await source.lookup(purls);
  const texts = new Set<string>([lookup.checkpoint]);
  for (const r of Object.values(lookup.records).flatMap(recordsOf))
    if (typeof r.log?.checkpoint === 'string') texts.add(r.log.checkpoint);
  const configDir = sigilConfigDir({ env: io.env });
  // The log is checked now (age and witnesses are the policy's business at verify time).
  progress.step("checking the log's checkpoints and proofs", 3, 4);
  const cps = await checkCheckpoints({
    texts: [...texts],
    keys,
    source,
    memory: fileCheckpointMemory(configDir),
    clock: fileCheckpointClock(configDir),
    policy: DEFAULT_POLICY,
    now: new Date(),
  });
  const failure = cps.checks.find((c) => c.status === 'fail');
  if (failure) {
    progress.done();
    printError(io, `not caching records from ${server}: ${failure.reason}`);
    return 1;
  }
  // The proven key ledger of every dependency's package and scope, so --offline checks key authorisation like online.
  const namespaces = ledgerNamespaces(Object.fromEntries(purls.map((p) => [p, lookup.records[p]])));
  const ledger = await serverLedgerView(server, source);
  let ledgers: LedgerHistories | undefined;
  if (ledger && cps.newest) {
    progress.step(`fetching ${namespaces.length.toLocaleString('en-US')} key ledgers`, 4, 4);
    await ledger.prepare(namespaces, {
      origin: keys.log.origin,
      size: cps.newest.checkpoint.size,
      hash: cps.newest.checkpoint.hash,
    });
    ledgers = ledger.hasLedger() ? await ledger.histories() : undefined;
  }
  progress.done();
  const path = cachePath(projectDir);
  await writeRecordCache(path, {
    version: 1,
    server,
    fetchedAt: new Date().toISOString(),
    keys,
    checkpoint: lookup.checkpoint,
    records: { ...lookup.records },
    proofs: source.proofs,
    ...(ledgers ? { ledgers } : {}),
  });
  const found = Object.values(lookup.records).filter((r) => r !== null).length;
  const histories = Object.values(ledgers ?? {}).filter((h) => h !== null).length;
  const count = (n: number, one: string, many = `${one}s`) =>
    `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  const without = purls.length - found;
  io.out(
    `cached ${count(found, 'release record')} for ${count(purls.length, 'package')}${without > 0 ? ` (${count(without, 'has', 'have')} none: unsigned or not on this server)` : ''} and ${count(histories, 'key ledger')} from ${server} at checkpoint ${(cps.newest?.checkpoint.size ?? 0).toLocaleString('en-US')} → ${path}\n`,
  );
  return 0;
}
