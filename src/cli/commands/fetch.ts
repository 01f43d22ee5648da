/**
 * sigil fetch <purl>: download one release from a Sigil registry and keep it
 * only if it verifies — the same checks `sigil verify <lockfile>` runs for
 * each dependency (author signature, key, countersignature, log inclusion,
 * checkpoint consistency with what this machine saw before), with the bytes
 * actually downloaded standing in for the lockfile's digest.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { Command } from 'commander';
import { sigilConfigDir } from '../../client/config-dir.js';
import { fileCheckpointMemory } from '../../client/checkpoint-memory.js';
import { httpRecordSource } from '../../client/records/http-source.js';
import { fileCheckpointClock } from '../../client/records/seen.js';
import { RegistryClient } from '../../client/registry-client.js';
import { digestBytes } from '../../core/digest.js';
import { InputError, SigilError } from '../../core/errors.js';
import { canonicalPurl, parsePurl } from '../../core/purl.js';
import { isReleaseFileSet, type ReleaseFileSet } from '../../core/release-record.js';
import { formatHuman } from '../../verify-project/report.js';
import { verifyProject } from '../../verify-project/verify-project.js';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { writeFileAtomic } from '../files.js';
import { printError, type Io } from '../output.js';
import {
  guardServerIdentity,
  loadPolicy,
  serverFor,
  serverLedgerView,
} from '../verify/lockfile.js';

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
    .summary('download a release from a Sigil registry and keep it only if it verifies')
    .description(
      examplesFirst('download a release from a Sigil registry and keep it only if it verifies', [
        'sigil fetch pkg:npm/left-pad@1.3.0 -s http://127.0.0.1:8080',
        'sigil fetch pkg:npm/left-pad -s URL -o downloads/   (the latest)',
      ]),
    )
    .argument('<purl>', 'the release, e.g. pkg:npm/left-pad@1.3.0')
    .option('-s, --server <url>', 'registry URL (default: $SIGIL_SERVER)')
    .option(
      '-o, --out <path>',
      'folder to write the artifact into (created if missing), or the file to write',
      '.',
    )
    .option(
      '--policy <file>',
      'verification policy (default: sigil.policy.json in the current folder, or the default policy)',
    )
    .option('--json', 'print the verdict as JSON')
    .option(
      '--accept-new-server-keys',
      'accept (and pin) a server whose log origin, log key or registry key changed since first use',
    )
    .action(async (purl: string, flags: FetchFlags) =>
      ctx.setExitCode(await fetchRelease(ctx.io, purl, flags)),
    );
}

export async function fetchRelease(io: Io, purlArg: string, flags: FetchFlags): Promise<number> {
  try {
    return await fetchReleaseInner(io, purlArg, flags);
  } catch (e) {
    // The record source's hints speak of lockfiles and --offline, which fetch does not take.
    if (e instanceof SigilError && e.hint?.includes('--offline'))
      throw new SigilError(e.code, e.message, {
        hint: 'is the server up? check -s/--server (or $SIGIL_SERVER)',
        cause: e,
      });
    throw e;
  }
}

/** latestNpmVersion asks the registry's npm packument for dist-tags.latest. */
async function latestNpmVersion(server: string, purl: string): Promise<string | undefined> {
  const p = parsePurl(purl);
  const name = p.namespace ? `${p.namespace}/${p.name}` : p.name;
  try {
    const res = await fetch(`${server}/${name.replace('/', '%2f')}`, {
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) return undefined;
    const latest = ((await res.json()) as { 'dist-tags'?: { latest?: unknown } })['dist-tags']
      ?.latest;
    return typeof latest === 'string' ? latest : undefined;
  } catch {
    return undefined;
  }
}

/** outputPath: -o names a folder (existing, or ending in "/", or without an extension) or the file to write. Nothing is created here. */
function outputPath(out: string, filename: string): string {
  const st = statSync(out, { throwIfNoEntry: false });
  if (st?.isDirectory() || out.endsWith('/') || (st === undefined && extname(out) === ''))
    return join(out, filename);
  return out;
}

/** Say "downloaded" where the shared report says "lockfile" (fetch has no lockfile). */
function asDownload<T>(value: T): T {
  if (typeof value === 'string')
    return value
      .replace(/^lockfile /, 'downloaded ')
      .replace(
        '(tampered lockfile or wrong mirror)',
        '(the registry served bytes other than the ones signed)',
      ) as T;
  if (Array.isArray(value)) return value.map(asDownload) as T;
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        k === 'reason' ? asDownload(v) : typeof v === 'object' ? asDownload(v) : v,
      ]),
    ) as T;
  return value;
}

async function fetchReleaseInner(io: Io, purlArg: string, flags: FetchFlags): Promise<number> {
  let purl = canonicalPurl(purlArg);
  const { policy, file: policyFile } = loadPolicy('.', flags.policy);
  const server = serverFor(flags, policy, io);
  const source = httpRecordSource(server);
  const identity = await guardServerIdentity(io, server, await source.keys(), flags);
  if (identity.status === 'fail') return 1;
  if (parsePurl(purl).version === undefined) {
    const latest =
      parsePurl(purl).type === 'npm' ? await latestNpmVersion(server, purl) : undefined;
    if (latest === undefined)
      throw new InputError('USAGE', `${purlArg} names no version: say which release to fetch`, {
        hint: `e.g. ${purl}@1.2.3`,
      });
    purl = canonicalPurl(`${purl}@${latest}`);
    if (!flags.json)
      io.err(`sigil: hint: ${purlArg} names no version; fetching the latest, ${latest}\n`);
  }
  const client = new RegistryClient(server);
  const record = await client.release(purl);
  if (isReleaseFileSet(record as unknown)) {
    // A PyPI version is several files (sdist, wheels): one is fetched, by its file name.
    const names = (record as unknown as ReleaseFileSet).files.map((f) => String(f.purl));
    throw new InputError(
      'USAGE',
      `${purlArg} is a version of ${names.length} files: say which one to fetch`,
      { hint: `e.g. ${names.slice(0, 3).join(' or ')}` },
    );
  }
  if (!record.downloadUrl)
    throw new InputError('RECORD_INVALID', `the record of ${purl} has no download URL`);
  const bytes = await client.download(record.downloadUrl, Math.max(record.size, 1) + 1);
  const d = digestBytes(bytes);
  const configDir = sigilConfigDir({ env: io.env });
  const ledger = await serverLedgerView(server, source);
  const report = await verifyProject({
    lockfile: purl,
    format: 'download',
    entries: [
      {
        purl,
        digests: [
          { algorithm: 'sha512', value: d.sha512! },
          { algorithm: 'sha256', value: d.sha256! },
        ],
      },
    ],
    source,
    ...(ledger ? { ledger } : {}),
    projectChecks: [identity],
    policy,
    policyFile,
    memory: fileCheckpointMemory(configDir),
    clock: fileCheckpointClock(configDir),
  });
  const out = outputPath(flags.out, filenameOf(record.downloadUrl));
  const shown = asDownload(report);
  if (flags.json)
    io.out(`${JSON.stringify({ ...shown, file: report.ok ? out : null }, null, 2)}\n`);
  else io.out(formatHuman(shown));
  if (!report.ok) {
    if (!flags.json)
      printError(
        io,
        `${purl} does not verify; nothing was written`,
        'the bytes the registry served are not the ones that were signed and logged, or the log misbehaved: see the checks above',
      );
    return 1;
  }
  mkdirSync(dirname(out), { recursive: true }); // a missing -o folder is made only for a verified download
  writeFileAtomic(out, bytes);
  if (!flags.json) io.out(`saved ${out}\n`);
  return 0;
}

function filenameOf(url: string): string {
  const last = decodeURIComponent(new URL(url).pathname.split('/').pop() ?? 'artifact');
  return /^[0-9a-f]{64}$/.test(last) || last === '' ? 'artifact' : last.replace(/[/\\]/g, '_');
}
