/**
 * Puppetfile (r10k / Bolt / librarian-puppet): a Ruby DSL, read here only for
 * its literal Forge module lines, `mod 'author-module', '1.2.3'` (or
 * "author/module"). Unpinned modules (:latest, no version) and git/local
 * modules (`mod 'x', git: …`) are skipped: they name no release. A Puppetfile
 * pins no digests, so entries carry none.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { decodeLockText } from '../support/lockfile.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { parseForgeName } from './identify.js';
import { puppetfileFormat } from './descriptor.js';

const MOD = /^\s*mod\s*\(?\s*(['"])([^'"]+)\1\s*(?:,\s*(['"])([^'"]*)\3\s*)?(.*)$/;

export function readPuppetfile(file: string, bytes: Uint8Array): LockfileEntry[] {
  const text = decodeLockText(bytes, file);
  const out: LockfileEntry[] = [];
  let forge: string | undefined;
  text.split(/\r?\n/).forEach((line, i) => {
    const f = /^\s*forge\s+(['"])([^'"]+)\1/.exec(line);
    if (f) forge = f[2];
    if (!/^\s*mod[\s(]/.test(line)) return;
    const m = MOD.exec(line);
    if (!m)
      throw new InputError(
        'LOCKFILE_INVALID',
        `${file}:${i + 1}: cannot read module line ${JSON.stringify(line.trim().slice(0, 80))}`,
        { file, field: `line ${i + 1}` },
      );
    const [, , name, , version, rest] = m;
    if (
      version === undefined ||
      /:(git|svn|local|path|install_path)\b|\b(git|svn|local):/.test(rest ?? '')
    )
      return;
    const parsed = parseForgeName(name!);
    if (!parsed)
      throw new InputError(
        'LOCKFILE_INVALID',
        `${file}:${i + 1}: module ${JSON.stringify(name)} is not "author-module"`,
        { file, field: `line ${i + 1}` },
      );
    if (!/^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$/.test(version)) return; // ranges and :latest are not pins
    out.push({
      purl: makePurl('puppet', parsed.author, parsed.module, version),
      digests: [],
      ...(forge ? { resolved: forge } : {}),
    });
  });
  return out;
}

export const puppetfileReader: LockfileReader = {
  ...puppetfileFormat,
  read: readPuppetfile,
};
