/**
 * `sigil verify <lockfile>`: every dependency of a project against its Sigil
 * release records (src/verify-project), with the project's policy
 * (sigil.policy.json/.yaml beside the lockfile, or --policy), its pins
 * (.sigil/trust.json, written by --pin) and either a server (--server, the
 * policy's `server`, or $SIGIL_SERVER) or the offline cache (--offline,
 * filled by `sigil fetch-records`).
 *
 * Exit codes: 0 the policy is met; 1 it is not; 2 usage or input errors
 * (unreadable lockfile or policy, server down, no offline cache).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sigilConfigDir } from '../../client/config-dir.js';
import { fileCheckpointMemory } from '../../client/checkpoint-memory.js';
import { cachedRecordSource, cachePath, readRecordCache } from '../../client/records/cache.js';
import { httpRecordSource } from '../../client/records/http-source.js';
import { fileCheckpointClock } from '../../client/records/seen.js';
import type { RecordSource } from '../../client/records/source.js';
import { InputError } from '../../core/errors.js';
import { checkServerUrl } from '../server-url.js';
import { withInstalledGems } from './installed-gems.js';
import type { LockfileEntry } from '../../ecosystems/adapter.js';
import { lockfileReaderFor } from '../../ecosystems/index.js';
import { lockfileNameByContent } from '../../ecosystems/lockfile-by-content.js';
import {
  DEFAULT_POLICY,
  parsePolicy,
  type Policy,
  POLICY_FILE_NAMES,
} from '../../verify-project/policy.js';
import { formatHuman, formatSarif } from '../../verify-project/report.js';
import { fetchConflicts, formatConflicts } from '../../verify-project/conflicts.js';
import {
  formatTrustFile,
  parseTrustFile,
  type TrustFile,
} from '../../verify-project/trust-file.js';
import { verifyProject } from '../../verify-project/verify-project.js';
import type { LedgerView } from '../../client/ledger-view-types.js';
import {
  cachedLedgerView,
  type FetchingLedgerView,
  httpLedgerView,
} from '../../client/ledger-view.js';
import { publicKeyFromPem, type ServerKeys } from '../../client/records/source.js';
import type { PublicKey } from '../../core/keys.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { writeJsonStreamed } from '../json-stream.js';
import { printError, printWarning, type Io } from '../output.js';
import { ACCEPT_NEW_SERVER_KEYS_FLAG, checkServerIdentity } from '../../client/server-identity.js';
import type { Check } from '../../core/verdict.js';
import { parseTlogPolicy } from '../../log/policy.js';

export interface LockfileFlags {
  server?: string;
  policy?: string;
  pin?: boolean;
  offline?: boolean;
  sarif?: boolean;
  json?: boolean;
  acceptNewServerKeys?: boolean;
  installed?: string;
}

export { isLockfile } from './detect.js';

/** readLockfile reads and parses a lockfile (InputError for unreadable or malformed files). */
export function readLockfile(target: string): {
  format: string;
  entries: LockfileEntry[];
  text: string;
} {
  const text = readTextFile(target, 'lockfile');
  // By name first; any other name is read by its content (package-lock-v3.json, deps.lock, …).
  const byContent = lockfileNameByContent(text);
  const found =
    lockfileReaderFor(basename(target)) ??
    (byContent !== undefined ? lockfileReaderFor(byContent) : undefined);
  if (!found)
    throw new InputError(
      'LOCKFILE_UNKNOWN',
      `${target} is not a lockfile sigil reads (neither by its name nor by its content)`,
      {
        file: target,
        hint: 'lockfiles: package-lock.json, npm-shrinkwrap.json, yarn.lock, pnpm-lock.yaml, go.sum, Cargo.lock, poetry.lock, requirements.txt, composer.lock, …',
      },
    );
  return {
    format: found.reader.format,
    entries: found.reader.read(target, Buffer.from(text, 'utf8')),
    text,
  };
}

/** withWitnessPolicy reads the policy's tlog-policy file (relative to the policy file) into it. */
function withWitnessPolicy(policy: Policy, policyPath: string): Policy {
  if (policy.witnessPolicyFile === undefined) return policy;
  const file = join(dirname(policyPath), policy.witnessPolicyFile);
  return {
    ...policy,
    witnessPolicy: parseTlogPolicy(readTextFile(file, 'witness policy (tlog-policy)'), file),
  };
}

/** loadPolicy reads --policy, or the first policy file beside the lockfile, or the default. */
export function loadPolicy(
  projectDir: string,
  flag: string | undefined,
): { policy: Policy; file: string } {
  const path = flag ?? POLICY_FILE_NAMES.map((f) => join(projectDir, f)).find((p) => existsSync(p));
  if (path === undefined) return { policy: DEFAULT_POLICY, file: '(default policy)' };
  return {
    policy: withWitnessPolicy(parsePolicy(readTextFile(path, 'policy file'), path), path),
    file: path,
  };
}

export function trustPath(projectDir: string): string {
  return join(projectDir, '.sigil', 'trust.json');
}

function loadTrust(projectDir: string): TrustFile | undefined {
  const p = trustPath(projectDir);
  return existsSync(p) ? parseTrustFile(readFileSync(p, 'utf8'), p) : undefined;
}

/** serverLedgerView replays each namespace's key events from the server locally (undefined when the server has no registry key). */
export async function serverLedgerView(
  server: string,
  source: RecordSource,
): Promise<FetchingLedgerView | undefined> {
  const keys = await source.keys();
  const registryKeys = registryKeysOf(keys);
  return registryKeys.length > 0
    ? httpLedgerView(server, registryKeys, keys.log.origin, { required: keys.ledger !== undefined })
    : undefined;
}

/** registryKeysOf parses the registry keys of keys.json (replay needs them: only they may sign a `reset`). */
export function registryKeysOf(keys: ServerKeys): PublicKey[] {
  return keys.keys
    .filter((k) => k.use === 'registry')
    .map((k) =>
      publicKeyFromPem(
        k.pem,
        { keyid: k.keyid, algorithm: k.algorithm },
        `registry key ${k.keyid.slice(0, 16)}…`,
      ),
    );
}

/**
 * guardServerIdentity checks the server's log origin, log key and registry
 * keys against those pinned for its URL (src/client/server-identity.ts). On
 * a change it prints the error (or, with --json, a failed report) and
 * returns the failed check: the caller stops and exits 1.
 */
export async function guardServerIdentity(
  io: Io,
  server: string,
  keys: ServerKeys,
  flags: { acceptNewServerKeys?: boolean; json?: boolean; sarif?: boolean },
): Promise<Check> {
  const check = await checkServerIdentity(sigilConfigDir({ env: io.env }), server, keys, {
    accept: flags.acceptNewServerKeys ?? false,
  });
  if (check.status === 'fail') {
    if (flags.json) io.out(`${JSON.stringify({ ok: false, server, project: [check] }, null, 2)}\n`);
    printError(
      io,
      check.reason,
      `if the change is expected (the operator moved to a new log or rotated its keys), run again with ${ACCEPT_NEW_SERVER_KEYS_FLAG}`,
    );
  }
  return check;
}

/**
 * verifyThreads: worker threads for the per-dependency checks, from $SIGIL_VERIFY_THREADS
 * (default 0: all on the main thread). Measured on a 2-core machine (docs/performance.md,
 * P6), two threads cost 0.5 ms more CPU per dependency than they save in wall time: V8's
 * compiler and GC helpers need the second core the main thread leaves them. Worth trying
 * with more cores.
 */
export function verifyThreads(env: Readonly<Record<string, string | undefined>>): number {
  const v = env['SIGIL_VERIFY_THREADS'];
  if (v === undefined || v === '') return 0;
  if (!/^\d{1,2}$/.test(v.trim()))
    throw new InputError(
      'USAGE',
      `SIGIL_VERIFY_THREADS is "${v.slice(0, 20)}", not a number of threads`,
      {
        hint: 'set it to a whole number from 0 (all on the main thread, the default) to 99',
      },
    );
  return Number(v.trim());
}

export function serverFor(flags: { server?: string }, policy: Policy, io: Io): string {
  const server = flags.server ?? policy.server ?? io.env['SIGIL_SERVER'];
  if (!server)
    throw new InputError('USAGE', 'no Sigil server to ask for release records', {
      hint: 'give --server URL (or "server" in sigil.policy.json, or $SIGIL_SERVER); or verify from the offline cache with --offline',
    });
  return checkServerUrl(
    server,
    flags.server !== undefined
      ? '--server'
      : policy.server !== undefined
        ? '"server" in the policy'
        : '$SIGIL_SERVER',
  );
}

export async function verifyLockfile(
  io: Io,
  target: string,
  flags: LockfileFlags,
): Promise<number> {
  if (flags.json && flags.sarif)
    throw new InputError('USAGE', "--json and --sarif can't be used together", {
      hint: 'pick one machine format; the human summary is the default',
    });
  if (flags.offline && flags.server)
    throw new InputError('USAGE', "--offline and --server can't be used together", {
      hint: '--offline reads only .sigil/cache/ (filled by `sigil fetch-records --server URL`)',
    });
  const projectDir = dirname(target);
  const lock = readLockfile(target);
  if (flags.installed !== undefined) {
    if (lock.format !== 'Gemfile.lock')
      throw new InputError(
        'USAGE',
        `--installed applies to Gemfile.lock (the gems bundler installed), and ${target} is a ${lock.format}`,
        { hint: 'leave --installed out; this lockfile pins its own digests' },
      );
    lock.entries = withInstalledGems(lock.entries, flags.installed);
  }
  const { policy, file: policyFile } = loadPolicy(projectDir, flags.policy);
  const trust = loadTrust(projectDir);
  let source: RecordSource;
  let ledger: LedgerView | undefined;
  let identityOf: string | undefined;
  if (flags.offline) {
    const path = cachePath(projectDir);
    const cache = await readRecordCache(path);
    source = cachedRecordSource(cache, path);
    if (/^https?:\/\//.test(cache.server)) identityOf = cache.server;
    // The cached key histories are replayed exactly like the server's (no socket).
    if (cache.ledgers)
      ledger = cachedLedgerView(cache.ledgers, registryKeysOf(cache.keys), cache.keys.log.origin);
    else if (cache.keys.ledger)
      throw new InputError(
        'OFFLINE_CACHE_MISS',
        `${path} holds no key ledgers, but ${cache.server} keeps one`,
        { hint: 'run `sigil fetch-records` again while online' },
      );
    else if (!flags.json && !flags.sarif)
      printWarning(
        io,
        `${path} holds no key ledgers (the server keeps none): keys are authorised by pins and policy only`,
      );
  } else {
    const server = serverFor(flags, policy, io);
    source = httpRecordSource(server);
    identityOf = server;
  }
  // The server's log and keys must be those pinned for its URL (before anything it says is used).
  const identity =
    identityOf === undefined
      ? undefined
      : await guardServerIdentity(io, identityOf, await source.keys(), flags);
  if (identity?.status === 'fail') return 1;
  if (!flags.offline) ledger = await serverLedgerView(identityOf!, source);
  const configDir = sigilConfigDir({ env: io.env });
  const machine = flags.json || flags.sarif;
  const showProgress = io.stderrIsTTY && !machine;
  if (showProgress)
    io.err(
      `checking ${lock.entries.length.toLocaleString('en-US')} packages against ${source.name} …\n`,
    );
  const report = await verifyProject({
    threads: verifyThreads(io.env),
    // Threads asked for by name are used for any number of dependencies.
    ...(io.env['SIGIL_VERIFY_THREADS'] ? { threadsFrom: 1 } : {}),
    lockfile: target,
    format: lock.format,
    entries: lock.entries,
    source,
    policy,
    policyFile,
    ...(trust ? { trust } : {}),
    ...(ledger ? { ledger } : {}),
    ...(identity ? { projectChecks: [identity] } : {}),
    memory: fileCheckpointMemory(configDir),
    clock: fileCheckpointClock(configDir),
    ...(showProgress
      ? {
          onProgress: (done: number, total: number) =>
            void (
              (done % 200 === 0 || done === total) &&
              io.err(`\r  ${done}/${total}${done === total ? '\r\x1b[K' : ''}`)
            ),
        }
      : {}),
  });
  // Conflict records (an upstream that changed a version the server logged) for these dependencies.
  const conflicts =
    !flags.offline && (await source.keys()).observes?.length
      ? await fetchConflicts(source.name, report)
      : [];
  if (flags.json)
    writeJsonStreamed(io.out, {
      scheme: 'lockfile',
      ...report,
      ...(conflicts.length > 0 ? { conflicts } : {}),
    });
  else if (flags.sarif) io.out(formatSarif(report, '0.1.0', lock.text));
  else io.out(formatHuman(report) + formatConflicts(conflicts));

  if (flags.pin) {
    const before = Object.keys(trust?.namespaces ?? {}).length;
    const after = Object.keys(report.pins.namespaces).length;
    mkdirSync(dirname(trustPath(projectDir)), { recursive: true });
    writeFileAtomic(trustPath(projectDir), formatTrustFile(report.pins));
    if (!machine)
      io.err(
        `sigil: pinned ${after} namespace(s) (${after - before} new) in ${trustPath(projectDir)}; commit it\n`,
      );
  }
  if (report.ok) return 0;
  if (!machine) {
    const failed = report.counts.failed;
    const projectFailure = report.project.find((c) => c.status === 'fail');
    if (projectFailure)
      printError(
        io,
        `${projectFailure.reason.split('\n')[0]}`,
        report.splitView
          ? 'keep both checkpoints above as evidence and report them to the log operator and its witnesses'
          : undefined,
      );
    if (failed > 0) {
      const changed = report.dependencies.some((d) =>
        d.checks.some((c) => c.code === 'KEY_CHANGED'),
      );
      printError(
        io,
        `${failed} package${failed === 1 ? '' : 's'} fail${failed === 1 ? 's' : ''} policy ${policyFile}`,
        changed
          ? 'a pinned namespace was signed by a new key that no ledger rule allowed: if the change is legitimate, remove the namespace from .sigil/trust.json and pin again'
          : undefined,
      );
    }
    if (report.warnings.length > 0 && failed === 0 && !projectFailure)
      printWarning(io, `${report.warnings.length} warning(s) above`);
  }
  return 1;
}

export { isLockfileByContent, projectLockfiles } from './detect.js';
