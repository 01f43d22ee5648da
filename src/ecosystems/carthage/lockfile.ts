/**
 * Carthage's Cartfile.resolved (Carthage ResolvedCartfile / Cartfile grammar):
 * one dependency per line, `<origin> "<location>" "<version or commit>"`:
 * - github "owner/repo" "v1.2.0"  → pkg:github/owner/repo@v1.2.0 (GitHub
 *   Enterprise: a full URL, same purl type, with repository_url)
 * - git "https://host/x/y.git" "1.0" → pkg:carthage/y@1.0?vcs_url=…
 * - binary "https://…/Framework.json" "1.0" → pkg:carthage/Framework@1.0?download_url=…
 * Carthage pins no digests.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { decodeLockText } from '../support/lockfile.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { cartfileResolvedFormat } from './descriptor.js';

const LINE = /^(github|git|binary)\s+"([^"]+)"\s+"([^"]+)"\s*$/;

function lastSegment(url: string): string {
  const seg =
    url
      .replace(/[?#].*$/, '')
      .replace(/\/+$/, '')
      .split(/[/:]/)
      .pop() ?? '';
  return seg.replace(/\.(git|json)$/, '');
}

export function readCartfileResolved(file: string, bytes: Uint8Array): LockfileEntry[] {
  const text = decodeLockText(bytes, file);
  const out: LockfileEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const bad = (why: string) =>
      new InputError(
        'LOCKFILE_INVALID',
        `${file}:${i + 1}: ${why}: ${JSON.stringify(line.slice(0, 100))}`,
        { file, field: `line ${i + 1}` },
      );
    const m = LINE.exec(line);
    if (!m) throw bad('not `github|git|binary "location" "version"`');
    const [, origin, location, version] = m as unknown as [string, string, string, string];
    if (origin === 'github') {
      const short = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/.exec(location);
      if (short) {
        out.push({
          purl: makePurl('github', short[1]!.toLowerCase(), short[2]!.toLowerCase(), version),
          digests: [],
          resolved: `https://github.com/${location}`,
        });
        return;
      }
      const full = /^https?:\/\/[^/]+\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(location);
      if (!full) throw bad('github location is not "owner/repo" or a URL');
      out.push({
        purl: makePurl('github', full[1]!.toLowerCase(), full[2]!.toLowerCase(), version),
        digests: [],
        resolved: location,
      });
      return;
    }
    const name = lastSegment(location);
    if (!/^[A-Za-z0-9_.+-]+$/.test(name))
      throw bad('cannot tell the dependency name from its location');
    const qualifiers: Record<string, string> =
      origin === 'git' ? { vcs_url: location } : { download_url: location };
    out.push({
      purl: makePurl('carthage', undefined, name, version, qualifiers),
      digests: [],
      resolved: location,
    });
  });
  return out;
}

export const cartfileResolvedReader: LockfileReader = {
  ...cartfileResolvedFormat,
  read: readCartfileResolved,
};
