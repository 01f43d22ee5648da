/**
 * `sigil verify <artifact> --tlog-policy P [--tlog-proof F]`: the bundle's log
 * entry (or the tlog-proof file) must be in a log of the policy, proved into
 * a checkpoint that meets the policy's witness quorum — offline.
 */
import { parseBundle } from '../../core/bundle.js';
import { fail, verdict, type VerificationResult } from '../../core/verdict.js';
import { parseTlogPolicy } from '../../log/policy.js';
import { parseTlogProof } from '../../log/tlog-proof.js';
import { checkEntryWithPolicy, tlogEntryFromProof } from '../../log/tlog-proof-entry.js';
import { readTextFile } from '../files.js';

export function withTlogPolicy(
  result: VerificationResult,
  bundleText: string,
  bundlePath: string,
  policyPath: string,
  proofPath: string | undefined,
): VerificationResult {
  const policy = parseTlogPolicy(readTextFile(policyPath, 'tlog-policy'), policyPath);
  const bundle = parseBundle(bundleText, bundlePath);
  let entry: unknown = bundle.verificationMaterial.tlogEntries[0];
  if (proofPath !== undefined) {
    const p = parseTlogProof(readTextFile(proofPath, 'tlog-proof'), proofPath);
    const origin = p.checkpoint.split('\n', 1)[0];
    const key = policy.logs.find((l) => l.verifier.name === origin)?.verifier;
    entry = key ? tlogEntryFromProof(p, key) : undefined;
    if (entry === undefined) {
      return verdict(result.subject, [
        ...result.checks,
        fail(
          'tlog-entry',
          'TLOG_PROOF_UNUSABLE',
          `${proofPath} is for log ${JSON.stringify(origin)}, which ${policyPath} does not list, or carries no entry`,
        ),
      ]);
    }
  }
  if (entry === undefined)
    return verdict(result.subject, [
      ...result.checks,
      fail(
        'tlog-entry',
        'TLOG_MISSING',
        `${bundlePath} has no transparency log entry (give --tlog-proof FILE)`,
      ),
    ]);
  const checks = checkEntryWithPolicy(entry, bundle.dsseEnvelope, policy, {
    now: Math.floor(Date.now() / 1000),
  });
  return verdict(result.subject, [...result.checks, ...checks]);
}
