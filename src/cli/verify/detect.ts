/**
 * What kind of target `sigil verify` was given, told from its name and the
 * files beside it. Cheap on purpose: `sigil verify` chooses the scheme with
 * these and only then loads that scheme's verifier (OpenPGP, Sigstore, the
 * lockfile machinery), so verifying one artifact does not pay for the others.
 */
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lockfileReaderFor } from '../../ecosystems/index.js';

/** isLockfile tells whether the target's file name is a lockfile some adapter reads. */
export function isLockfile(target: string): boolean {
  return lockfileReaderFor(basename(target)) !== undefined;
}

/** isDebianRepository: a folder with dists/, or a mirror URL. */
export function isDebianRepository(target: string): boolean {
  if (/^https?:\/\//.test(target)) return true;
  try {
    return statSync(target).isDirectory() && statSync(join(target, 'dists')).isDirectory();
  } catch {
    return false;
  }
}

/** isCpanDistribution: a folder holding a SIGNATURE file. */
export function isCpanDirectory(target: string): boolean {
  try {
    return statSync(target).isDirectory() && statSync(join(target, 'SIGNATURE')).isFile();
  } catch {
    return false;
  }
}
