/**
 * sigil log proof / sigil log verify-proof: c2sp.org/tlog-proof files for
 * offline verification of single artifacts.
 *
 *   sigil log proof <bundle> [-o FILE]
 *       the bundle's log entry, inclusion proof and (cosigned) checkpoint as a
 *       .tlog-proof file; the entry itself goes in the "extra" line
 *   sigil log verify-proof <proof> --policy FILE [--vkey VKEY] [--bundle BUNDLE] [--json]
 *       checkpoint signed by a log of the policy (or --vkey), witness quorum,
 *       inclusion of the entry; with --bundle, the entry must be the bundle's
 *       DSSE envelope (so the proof is about that artifact's signature)
 */
import type { Command } from 'commander';
import { parseBundle } from '../../core/bundle.js';
import { InputError } from '../../core/errors.js';
import { parseTlogPolicy } from '../../log/policy.js';
import { parseTransparencyLogEntry } from '../../log/rekor/tlog-entry.js';
import { checkEntryWithPolicy, tlogEntryFromProof } from '../../log/tlog-proof-entry.js';
import { formatTlogProof, parseTlogProof, verifyTlogProof } from '../../log/tlog-proof.js';
import type { CommandContext } from '../context.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { formatChecks, printError, type Io } from '../output.js';
import { loadVerifierKey } from './log-client.js';

const EXAMPLES = `
Examples:
  $ sigil log proof app-1.0.0.tgz.sigstore.json -o app-1.0.0.tgz.tlog-proof
  $ sigil log verify-proof app-1.0.0.tgz.tlog-proof --policy witnesses.policy --bundle app-1.0.0.tgz.sigstore.json
`;

export function registerLogProofCommands(logCommand: Command, ctx: CommandContext): void {
  logCommand
    .command('proof')
    .description(
      'write a tlog-proof file (entry, inclusion proof, cosigned checkpoint) from a bundle',
    )
    .argument('<bundle>', 'the .sigstore.json bundle')
    .option('-o, --out <file>', 'write to this file instead of stdout')
    .addHelpText('after', EXAMPLES)
    .action((bundle: string, f: { out?: string }) => ctx.setExitCode(proof(ctx.io, bundle, f)));
  logCommand
    .command('verify-proof')
    .description(
      'verify a tlog-proof file offline against a tlog-policy (log key and witness quorum)',
    )
    .argument('<proof>', 'the .tlog-proof file')
    .requiredOption('--policy <file>', 'c2sp.org/tlog-policy file: log and witness keys, quorum')
    .option('--vkey <vkey>', "the log's key, when the policy lists no log")
    .option(
      '--bundle <file>',
      'the bundle the proof is about (its DSSE envelope must be the logged entry)',
    )
    .option('--json', 'print the verdict as JSON')
    .addHelpText('after', EXAMPLES)
    .action((p: string, f: VerifyProofFlags) => ctx.setExitCode(verifyProof(ctx.io, p, f)));
}

function proof(io: Io, bundlePath: string, f: { out?: string }): number {
  const bundle = parseBundle(readTextFile(bundlePath, 'bundle'), bundlePath);
  const raw = bundle.verificationMaterial.tlogEntries[0];
  if (raw === undefined)
    throw new InputError('TLOG_MISSING', `${bundlePath} has no transparency log entry`, {
      file: bundlePath,
      hint: 'publish it to a Sigil server first (sigil publish)',
    });
  const e = parseTransparencyLogEntry(raw);
  const text = formatTlogProof({
    extra: e.body,
    index: e.logIndex,
    proof: e.proof.hashes,
    checkpoint: e.proof.checkpoint,
  });
  if (f.out) writeFileAtomic(f.out, text);
  else io.out(text);
  return 0;
}

interface VerifyProofFlags {
  policy: string;
  vkey?: string;
  bundle?: string;
  json?: boolean;
}

function verifyProof(io: Io, proofPath: string, f: VerifyProofFlags): number {
  const p = parseTlogProof(readTextFile(proofPath, 'tlog-proof'), proofPath);
  const policy = parseTlogPolicy(readTextFile(f.policy, 'tlog-policy'), f.policy);
  const logKeys =
    policy.logs.length > 0
      ? policy.logs.map((l) => l.verifier)
      : f.vkey
        ? [loadVerifierKey(f.vkey)]
        : [];
  if (logKeys.length === 0)
    throw new InputError('USAGE', `${f.policy} lists no log: give --vkey`, {
      hint: 'add a "log <vkey>" line to the policy, or pass --vkey',
    });
  const r = verifyTlogProof(p, policy, { logKeys, now: Math.floor(Date.now() / 1000) });
  const checks = [...r.checks];
  if (f.bundle !== undefined) {
    // The logged entry must be the bundle's envelope: the proof as a log entry, through the one entry check.
    const bundle = parseBundle(readTextFile(f.bundle, 'bundle'), f.bundle);
    const origin = p.checkpoint.split('\n', 1)[0];
    const logKey = logKeys.find((k) => k.name === origin) ?? logKeys[0]!;
    const tle = tlogEntryFromProof(p, logKey);
    if (tle === undefined)
      checks.push({
        name: 'tlog-entry',
        code: 'TLOG_PROOF_NO_ENTRY',
        status: 'fail',
        reason: 'the proof carries no entry (no extra line): it cannot be tied to the bundle',
      });
    else
      for (const c of checkEntryWithPolicy(tle, bundle.dsseEnvelope, policy, { logKeys }))
        if (!checks.some((x) => x.name === c.name && x.code === c.code)) checks.push(c);
  }
  const ok = checks.every((c) => c.status !== 'fail');
  const result = { subject: proofPath, ok, checks };
  if (f.json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else {
    io.out(formatChecks(result));
    if (!ok) printError(io, checks.find((c) => c.status === 'fail')!.reason.split('\n')[0]!);
  }
  return ok ? 0 : 1;
}
