/**
 * sigil log trust-root / sigil log verify-inclusion: the client side of a
 * transparency log. Registered under the `log` command group by
 * {@link registerLogClientCommands}(logCommand, ctx), which the `log` command
 * (src/cli/commands/log.ts) calls.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { fileCheckpointMemory } from '../../client/checkpoint-memory.js';
import { sigilConfigDir } from '../../client/config-dir.js';
import { LogClientError } from '../../client/errors.js';
import { httpFetcher } from '../../client/fetcher.js';
import { LogClient } from '../../client/log-client.js';
import { parseBundle } from '../../core/bundle.js';
import { InputError } from '../../core/errors.js';
import { fail, skip, verdict, type VerificationResult } from '../../core/verdict.js';
import { type NoteVerifier, parseVerifierKey } from '../../log/note-key.js';
import { checkTransparencyLogEntry } from '../../log/rekor/verify-entry.js';
import { parseTlogPolicy, verifyCheckpointPolicy } from '../../log/policy.js';
import { makeTrustedRoot } from '../../log/rekor/trusted-root.js';
import type { CommandContext } from '../context.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { formatChecks, printError, type Io } from '../output.js';

const TRUST_ROOT_EXAMPLES = `
Example:
  $ sigil log trust-root --url https://sigil.example.org/log --vkey log.vkey > trusted_root.json
  (then: verify bundles with sigstore-js / cosign / sigstore-python using this trusted root)
`;

const VERIFY_INCLUSION_EXAMPLES = `
Example:
  $ sigil log verify-inclusion app-1.0.0.tgz.sigstore.json --vkey log.vkey --url https://sigil.example.org/log

Without --url the entry is checked offline (checkpoint signature and inclusion
proof); with it, the log's latest checkpoint is fetched and every checkpoint is
proved consistent with the newest one remembered in the config dir
(--config-dir, else $SIGIL_CONFIG_DIR, $XDG_CONFIG_HOME/sigil, ~/.config/sigil).
`;

export interface TrustRootFlags {
  url: string;
  vkey: string;
  validFrom?: string;
  out?: string;
}

export interface VerifyInclusionFlags {
  vkey: string;
  url?: string;
  configDir?: string;
  json?: boolean;
  policy?: string;
}

/** registerLogClientCommands adds `trust-root` and `verify-inclusion` to the `log` command group. */
export function registerLogClientCommands(logCommand: Command, ctx: CommandContext): void {
  logCommand
    .command('trust-root')
    .description('print a Sigstore trusted root (JSON) that names this log, for sigstore verifiers')
    .requiredOption('--url <url>', 'the URL the log is served at (its tlog-tiles prefix)')
    .requiredOption('--vkey <vkey>', "the log's note verifier key, or a file holding it")
    .option('--valid-from <date>', "start of the key's validity, ISO 8601 (default: the epoch)")
    .option('-o, --out <file>', 'write the trusted root to this file instead of stdout')
    .addHelpText('after', TRUST_ROOT_EXAMPLES)
    .action((flags: TrustRootFlags) => ctx.setExitCode(trustRoot(ctx.io, flags)));
  logCommand
    .command('verify-inclusion')
    .description('verify the transparency log entries of a Sigstore bundle against a log key')
    .argument('<bundle>', 'the .sigstore.json bundle')
    .requiredOption('--vkey <vkey>', "the log's note verifier key, or a file holding it")
    .option('--url <url>', "the log's URL: also fetch its latest checkpoint and check consistency")
    .option('--config-dir <dir>', 'where remembered checkpoints live')
    .option(
      '--policy <file>',
      'c2sp.org/tlog-policy file: the checkpoints must meet its witness quorum',
    )
    .option('--json', 'print the verdicts as JSON')
    .addHelpText('after', VERIFY_INCLUSION_EXAMPLES)
    .action(async (bundle: string, flags: VerifyInclusionFlags) =>
      ctx.setExitCode(await verifyInclusion(ctx.io, bundle, flags)),
    );
}

/** loadVerifierKey accepts a vkey string or a file whose first non-comment line is one. */
export function loadVerifierKey(value: string): NoteVerifier {
  const fromText = (text: string, file?: string): NoteVerifier => {
    const line = text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '' && !l.startsWith('#'));
    try {
      return parseVerifierKey(line ?? '');
    } catch (e) {
      throw new InputError(
        'USAGE',
        `${file ? `${file}: ` : ''}--vkey is not a note verifier key: ${(e as Error).message}`,
        {
          ...(file ? { file } : {}),
          hint: 'a verifier key looks like example.org/log+1a2b3c4d+AU…= (`sigil log vkey` prints it)',
        },
      );
    }
  };
  // A vkey's name may contain "/" (origins like example.org/log): a value that is not a file but has the vkey shape is a vkey.
  if (!existsSync(value) && /^[^\s+]+\+[0-9a-f]{8}\+/.test(value)) return fromText(value);
  return fromText(readTextFile(value, 'verifier key file'), value);
}

export function trustRoot(io: Io, flags: TrustRootFlags): number {
  const v = loadVerifierKey(flags.vkey);
  let validFrom: Date | undefined;
  if (flags.validFrom !== undefined) {
    validFrom = new Date(flags.validFrom);
    if (Number.isNaN(validFrom.getTime()))
      throw new InputError(
        'USAGE',
        `--valid-from ${JSON.stringify(flags.validFrom)} is not a date`,
        { hint: 'use ISO 8601, e.g. 2026-01-01T00:00:00Z' },
      );
  }
  const root = makeTrustedRoot({
    baseUrl: flags.url,
    verifierKey: v,
    ...(validFrom ? { validFrom } : {}),
  });
  const text = `${JSON.stringify(root, null, 2)}\n`;
  if (flags.out) writeFileAtomic(flags.out, text);
  else io.out(text);
  return 0;
}

export async function verifyInclusion(
  io: Io,
  bundlePath: string,
  flags: VerifyInclusionFlags,
): Promise<number> {
  const v = loadVerifierKey(flags.vkey);
  const bundle = parseBundle(readTextFile(bundlePath, 'bundle'), bundlePath);
  const entries = bundle.verificationMaterial.tlogEntries;
  const results: VerificationResult[] = [];
  if (entries.length === 0) {
    results.push(
      verdict(bundlePath, [
        fail('tlog-entry', 'TLOG_MISSING', 'the bundle has no transparency log entries'),
      ]),
    );
  } else if (flags.url === undefined) {
    for (const e of entries) {
      const r = checkTransparencyLogEntry(e, { verifiers: [v], envelope: bundle.dsseEnvelope });
      results.push({
        subject: r.subject,
        ok: r.ok,
        checks: [
          ...r.checks,
          skip(
            'consistency',
            'CONSISTENCY_SKIPPED',
            "no --url: not compared with the log's latest checkpoint",
          ),
        ],
      });
    }
  } else {
    const dir = sigilConfigDir({
      ...(flags.configDir ? { flag: flags.configDir } : {}),
      env: io.env,
    });
    const client = new LogClient({
      baseUrl: flags.url,
      verifierKey: v,
      fetcher: httpFetcher(),
      memory: fileCheckpointMemory(dir),
    });
    try {
      await client.update();
    } catch (e) {
      if (
        e instanceof LogClientError &&
        (e.code === 'LOG_SPLIT_VIEW' ||
          e.code === 'LOG_ROLLBACK' ||
          e.code === 'CONSISTENCY_UNPROVEN')
      ) {
        printError(io, e.message, e.hint);
        return 1;
      }
      throw e;
    }
    for (const e of entries) {
      const r = await client.verifyEntry(e, { envelope: bundle.dsseEnvelope });
      results.push({ subject: r.subject, ok: r.ok, checks: r.checks });
    }
  }
  if (flags.policy !== undefined) {
    // The witness quorum, evaluated by the one tlog-policy module, on each entry's checkpoint.
    const policy = parseTlogPolicy(readTextFile(flags.policy, 'tlog-policy'), flags.policy);
    for (const [i, r] of results.entries()) {
      const cp = (
        entries[i] as { inclusionProof?: { checkpoint?: { envelope?: unknown } } } | undefined
      )?.inclusionProof?.checkpoint?.envelope;
      const w = verifyCheckpointPolicy(typeof cp === 'string' ? cp : '', policy, {
        logKeys: [v],
        now: Math.floor(Date.now() / 1000),
      });
      results[i] = verdict(r.subject, [...r.checks, w.checks.at(-1)!]);
    }
  }
  const ok = results.every((r) => r.ok);
  if (flags.json)
    io.out(`${JSON.stringify({ bundle: bundlePath, ok, entries: results }, null, 2)}\n`);
  else for (const r of results) io.out(formatChecks(r));
  if (!ok && !flags.json) {
    const failed = results.flatMap((r) => r.checks).find((c) => c.status === 'fail')!;
    printError(io, failed.reason.split('\n')[0]!);
  }
  return ok ? 0 : 1;
}
