/**
 * The flags with which a log server asks witnesses (`sigil log serve`,
 * `sigil serve`): one place, so both commands say the same thing.
 *
 *   --witness-policy FILE   c2sp.org/tlog-policy file: witness lines with URLs, and the quorum
 *   --witness-timeout MS    per request (default 1000)
 *   --witness-retries N     after a transport failure (default 1)
 *   --witness-fail-open     serve checkpoints that miss the quorum (default: refuse, 503)
 */
import type { Command } from 'commander';
import { InputError } from '../core/errors.js';
import { parseTlogPolicy } from '../log/policy.js';
import type { WitnessingOptions } from '../witness/witnessed-log.js';
import { readTextFile } from './files.js';

export interface WitnessFlags {
  witnessPolicy?: string;
  witnessTimeout?: string;
  witnessRetries?: string;
  witnessFailOpen?: boolean;
}

export function addWitnessFlags(c: Command): Command {
  return c
    .option(
      '--witness-policy <file>',
      'ask the witnesses of this tlog-policy file to cosign each checkpoint',
    )
    .option('--witness-timeout <ms>', 'timeout of one witness request', '1000')
    .option('--witness-retries <n>', 'retries after a witness transport failure', '1')
    .option(
      '--witness-fail-open',
      'serve checkpoints that miss the witness quorum (default: answer 503)',
    );
}

/** witnessingFrom turns the flags into options; undefined without --witness-policy. */
export function witnessingFrom(flags: WitnessFlags): WitnessingOptions | undefined {
  if (flags.witnessPolicy === undefined) return undefined;
  const policy = parseTlogPolicy(
    readTextFile(flags.witnessPolicy, 'witness policy'),
    flags.witnessPolicy,
  );
  const num = (name: string, v: string | undefined, d: number): number => {
    if (v === undefined) return d;
    if (!/^[0-9]+$/.test(v))
      throw new InputError('USAGE', `${name} must be a whole number, not ${JSON.stringify(v)}`);
    return Number(v);
  };
  if (!policy.witnesses.some((w) => w.url !== undefined)) {
    throw new InputError('USAGE', `${flags.witnessPolicy} lists no witness with a URL`, {
      hint: 'witness lines need a submission URL: witness NAME VKEY URL',
    });
  }
  return {
    policy,
    timeoutMs: num('--witness-timeout', flags.witnessTimeout, 1000),
    retries: num('--witness-retries', flags.witnessRetries, 1),
    failOpen: Boolean(flags.witnessFailOpen),
  };
}
