/**
 * sigil fetch <purl>: download one release from a Sigil registry and keep it
 * only if it verifies — the same checks `sigil verify <lockfile>` runs for
 * each dependency (author signature, key, countersignature, log inclusion,
 * checkpoint consistency with what this machine saw before), with the bytes
 * actually downloaded standing in for the lockfile's digest.
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { sigilConfigDir } from '../../client/config-dir.js';
import { fileCheckpointMemory } from '../../client/checkpoint-memory.js';
import { httpRecordSource } from '../../client/records/http-source.js';
import { fileCheckpointClock } from '../../client/records/seen.js';
import { RegistryClient } from '../../client/registry-client.js';
import { digestBytes } from '../../core/digest.js';
import { InputError } from '../../core/errors.js';
import { canonicalPurl } from '../../core/purl.js';
import { formatHuman } from '../../verify-project/report.js';
import { verifyProject } from '../../verify-project/verify-project.js';
import type { CommandContext } from '../context.js';
import { writeFileAtomic } from '../files.js';
import { printError, type Io } from '../output.js';
import { guardServerIdentity, loadPolicy, serverFor, serverLedgerView } from '../verify/lockfile.js';

export interface FetchFlags {
  server?: string;
  out: string;
  policy?: string;
  json?: boolean;
  acceptNewServerKeys?: boolean;
}

export function registerFetch(program: Command, ctx: CommandContext): void {
  program
    .command('fetch')
    .description('download a release from a Sigil registry and keep it only if it verifies')
    .argument('<purl>', 'the release, e.g. pkg:npm/left-pad@1.3.0')
    .option('-s, --server <url>', 'registry URL (default: $SIGIL_SERVER)')
    .option('-o, --out <dir>', 'folder to write the artifact to', '.')
    .option('--policy <file>', 'verification policy (default: sigil.policy.json in the current folder, or the default policy)')
    .option('--json', 'print the verdict as JSON')
    .option('--accept-new-server-keys', 'accept (and pin) a server whose log origin, log key or registry key changed since first use')
    .action(async (purl: string, flags: FetchFlags) => ctx.setExitCode(await fetchRelease(ctx.io, purl, flags)));
}

export async function fetchRelease(io: Io, purlArg: string, flags: FetchFlags): Promise<number> {
  const purl = canonicalPurl(purlArg);
  const { policy, file: policyFile } = loadPolicy('.', flags.policy);
  const server = serverFor(flags, policy, io);
  const source = httpRecordSource(server);
  const identity = await guardServerIdentity(io, server, await source.keys(), flags);
  if (identity.status === 'fail') return 1;
  const client = new RegistryClient(server);
  const record = await client.release(purl);
  if (!record.downloadUrl) throw new InputError('RECORD_INVALID', `the record of ${purl} has no download URL`);
  const bytes = await client.download(record.downloadUrl, Math.max(record.size, 1) + 1);
  const d = digestBytes(bytes);
  const configDir = sigilConfigDir({ env: io.env });
  const ledger = await serverLedgerView(server, source);
  const report = await verifyProject({
    lockfile: purl,
    format: 'download',
    entries: [{ purl, digests: [{ algorithm: 'sha512', value: d.sha512! }, { algorithm: 'sha256', value: d.sha256! }] }],
    source,
    ...(ledger ? { ledger } : {}),
    projectChecks: [identity],
    policy,
    policyFile,
    memory: fileCheckpointMemory(configDir),
    clock: fileCheckpointClock(configDir),
  });
  if (flags.json) io.out(`${JSON.stringify({ ...report, file: report.ok ? join(flags.out, filenameOf(record.downloadUrl)) : null }, null, 2)}\n`);
  else io.out(formatHuman(report));
  if (!report.ok) {
    if (!flags.json) printError(io, `${purl} does not verify; nothing was written`, 'the bytes the registry served are not the ones that were signed and logged, or the log misbehaved: see the checks above');
    return 1;
  }
  const out = join(flags.out, filenameOf(record.downloadUrl));
  writeFileAtomic(out, bytes);
  if (!flags.json) io.out(`saved ${out}\n`);
  return 0;
}

function filenameOf(url: string): string {
  const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'artifact');
  return /^[0-9a-f]{64}$/.test(last) || last === '' ? 'artifact' : last.replace(/[/\\]/g, '_');
}
