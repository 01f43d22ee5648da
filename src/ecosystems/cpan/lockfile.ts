/**
 * Carton's cpanfile.snapshot (format "version 1.0"): under DISTRIBUTIONS,
 * one block per distribution with `pathname: A/AU/AUTHOR/Dist-1.0.tar.gz`.
 * The snapshot pins no digest; the purl (author, dist, version) comes from the
 * pathname.
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { decodeLockText, lockError } from '../support/lockfile.js';
import { cpanfileSnapshotFormat } from './descriptor.js';

/** parseCpanPathname splits "A/AU/AUTHOR/Dist-Name-1.0.tar.gz" (optionally with subfolders). */
export function parseCpanPathname(
  pathname: string,
): { author: string; dist: string; version: string } | undefined {
  const m =
    /^[A-Z]\/[A-Z0-9]{2}\/([A-Z][A-Z0-9-]*)\/(?:.*\/)?([^/]+?)-(v?\d[^-/]*?)\.(?:tar\.gz|tgz|tar\.bz2|zip)$/.exec(
      pathname,
    );
  return m ? { author: m[1]!, dist: m[2]!, version: m[3]! } : undefined;
}

export const cpanfileSnapshotReader: LockfileReader = {
  ...cpanfileSnapshotFormat,
  read(file, bytes) {
    const lines = decodeLockText(bytes, file).replace(/\r\n?/g, '\n').split('\n');
    if (!/^# carton snapshot format: version 1\.0/.test(lines[0] ?? ''))
      throw lockError(file, 'line 1', 'is not "# carton snapshot format: version 1.0"');
    const out: LockfileEntry[] = [];
    let inDists = false;
    let current: string | undefined;
    let currentLine = 0;
    const flush = (pathname: string | undefined) => {
      if (current === undefined) return;
      if (pathname === undefined)
        throw lockError(file, `line ${currentLine}`, `distribution ${current} has no pathname`);
      const p = parseCpanPathname(pathname);
      if (!p)
        throw lockError(
          file,
          `line ${currentLine}`,
          `pathname "${pathname}" is not A/AU/AUTHOR/Dist-version.tar.gz`,
        );
      out.push({
        purl: makePurl('cpan', p.author, p.dist, p.version),
        digests: [],
        resolved: `authors/id/${pathname}`,
      });
    };
    let pathname: string | undefined;
    lines.forEach((line, i) => {
      if (line.startsWith('#') || line.trim() === '') return;
      if (/^\S/.test(line)) {
        flush(pathname);
        current = undefined;
        pathname = undefined;
        inDists = line.trim() === 'DISTRIBUTIONS';
        return;
      }
      if (!inDists) return;
      const m2 = /^ {2}(\S+)\s*$/.exec(line);
      if (m2) {
        flush(pathname);
        current = m2[1]!;
        currentLine = i + 1;
        pathname = undefined;
        return;
      }
      const pm = /^ {4}pathname:\s*(\S+)\s*$/.exec(line);
      if (pm) pathname = pm[1]!;
    });
    flush(pathname);
    return out;
  },
};
