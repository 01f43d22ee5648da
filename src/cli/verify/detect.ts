/**
 * What kind of target `sigil verify` was given, told from its name and the
 * files beside it. Cheap on purpose: `sigil verify` chooses the scheme with
 * these and only then loads that scheme's verifier (OpenPGP, Sigstore, the
 * lockfile machinery), so verifying one artifact does not pay for the others.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { lockfileFormatFor } from '../../ecosystems/descriptors.js';
import { lockfileNameByContent } from '../../ecosystems/lockfile-by-content.js';

/** isLockfile tells whether the target's file name is a lockfile some adapter reads. */
export function isLockfile(target: string): boolean {
  return lockfileFormatFor(basename(target)) !== undefined;
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

/** MAX_SNIFF_BYTES: a file larger than this is not read just to see whether it is a lockfile. */
const MAX_SNIFF_BYTES = 256 * 1024 * 1024;

/** isLockfileByContent: a file, whatever its name, written in a lockfile format sigil reads. */
export function isLockfileByContent(target: string): boolean {
  try {
    const st = statSync(target);
    if (!st.isFile() || st.size > MAX_SNIFF_BYTES) return false;
    const fd = openSync(target, 'r');
    try {
      const head = Buffer.alloc(Math.min(st.size, 64 * 1024));
      readSync(fd, head, 0, head.length, 0);
      if (head.includes(0)) return false; // binary: an artifact, not a lockfile
    } finally {
      closeSync(fd);
    }
    return lockfileNameByContent(readFileSync(target, 'utf8')) !== undefined;
  } catch {
    return false;
  }
}

/** projectLockfiles lists the lockfiles (by name) directly inside a project folder, sorted. */
export function projectLockfiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && lockfileFormatFor(e.name) !== undefined && e.name !== 'versions')
    .map((e) => join(dir, e.name))
    .sort();
}
