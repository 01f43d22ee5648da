/**
 * `sigil verify Gemfile.lock --installed DIR`: the digests of the gems bundler installed, for
 * lockfiles that pin none (bundler before 2.5 writes no CHECKSUMS section).
 *
 * Each GEM spec of the lockfile is looked up as `<name>-<version>[-platform].gem` in the cache
 * folders under DIR (ecosystems/gem/installed.ts); a file found gives the entry the file's
 * sha256, which then must equal Sigil's signed record like any lockfile digest (the installed
 * bytes are what runs, so they replace a digest the lockfile may pin). A spec with no installed
 * file keeps what the lockfile pins, and its DIGEST_MISSING reason names where Sigil looked
 * (a lockfile may list other platforms' gems that were never installed here).
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import type { LockfileEntry } from '../../ecosystems/adapter.js';
import { gemCacheFolders, installedGemFileName } from '../../ecosystems/gem/installed.js';

function list(dir: string): string[] | undefined {
  try {
    return statSync(dir).isDirectory() ? readdirSync(dir) : undefined;
  } catch {
    return undefined;
  }
}

/** withInstalledGems returns the entries with the digests of the installed .gem files under `dir`; throws InputError when `dir` holds no gem cache. */
export function withInstalledGems(entries: readonly LockfileEntry[], dir: string): LockfileEntry[] {
  if (list(dir) === undefined)
    throw new InputError('USAGE', `--installed ${dir}: no such folder`, {
      hint: 'give the folder bundler installed into: the bundle path (vendor/bundle), $GEM_HOME, or vendor/cache',
    });
  const folders = gemCacheFolders(dir, list);
  if (folders.length === 0)
    throw new InputError(
      'USAGE',
      `--installed ${dir}: no installed gems there (no *.gem, cache/ or ruby/*/cache/)`,
      {
        hint: 'give the folder bundler installed into: the bundle path (vendor/bundle), $GEM_HOME, or vendor/cache; `bundle config get path` shows it',
      },
    );
  const files = new Map<string, string>(); // file name → first folder holding it
  for (const f of folders)
    for (const name of list(f) ?? []) if (!files.has(name)) files.set(name, `${f}/${name}`);
  return entries.map((e) => {
    const name = installedGemFileName(e.purl);
    if (name === undefined) return e;
    const path = files.get(name);
    if (path === undefined)
      return {
        ...e,
        missingDigestHint: `${name} is not installed under ${dir} (looked in ${folders.join(', ')})`,
      };
    const sha256 = createHash('sha256').update(readFileSync(path)).digest('hex');
    const { missingDigestHint: _, ...rest } = e;
    return {
      ...rest,
      digests: [{ algorithm: 'sha256', value: sha256, from: `installed ${path}` }],
    };
  });
}
