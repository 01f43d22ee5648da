/**
 * Bundler's Gemfile.lock (bundler/lockfile_parser.rb): the GEM section lists
 * resolved gems under "  specs:" as "    name (version[-platform])", and
 * Bundler ≥ 2.5 may add a CHECKSUMS section of
 * "  name (version[-platform]) sha256=<hex>" lines. GIT and PATH sources
 * are listed with their remote; they carry no digest.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { decodeLockText } from '../support/lockfile.js';
import type { LockfileEntry, LockfileReader, NativeDigest } from '../adapter.js';
import { gemfileLockFormat } from './descriptor.js';

const SPEC = /^ {4}([A-Za-z0-9._-]+) \(([^)\s]+)\)$/;
const CHECKSUM = /^ {2}([A-Za-z0-9._-]+) \(([^)\s]+)\)(?: (.*))?$/;

function bad(file: string, line: number, message: string): InputError {
  return new InputError('LOCKFILE_INVALID', `${file}:${line}: ${message}`, {
    file,
    field: `line ${line}`,
  });
}

function gemPurl(file: string, line: number, name: string, full: string): string {
  // "1.15.0-x86_64-linux": Bundler splits the version from the platform at the first "-".
  const dash = full.indexOf('-');
  const version = dash < 0 ? full : full.slice(0, dash);
  const platform = dash < 0 ? undefined : full.slice(dash + 1);
  if (!/^[0-9]+(\.[0-9a-zA-Z]+)*$/.test(version))
    throw bad(file, line, `"${full}" is not a gem version`);
  return makePurl(
    'gem',
    undefined,
    name,
    version,
    platform && platform !== 'ruby' ? { platform } : undefined,
  );
}

export function readGemfileLock(file: string, bytes: Uint8Array): LockfileEntry[] {
  const text = decodeLockText(bytes, file);
  const lines = text.split(/\r?\n/);
  let section = '';
  let remote: string | undefined;
  let inSpecs = false;
  const specs: { key: string; purl: string; resolved?: string; line: number }[] = [];
  const checksums = new Map<string, NativeDigest[]>();
  let sawSection = false;
  let sawChecksums = false;
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === '') return;
    if (/^[A-Z][A-Z ]*$/.test(raw)) {
      section = raw;
      sawSection = true;
      if (raw === 'CHECKSUMS') sawChecksums = true;
      remote = undefined;
      inSpecs = false;
      return;
    }
    if (section === 'GEM') {
      const r = /^ {2}remote: (.+)$/.exec(raw);
      if (r) remote = r[1]!;
      else if (raw === '  specs:') inSpecs = true;
      else if (inSpecs && raw.startsWith('    ') && !raw.startsWith('      ')) {
        const m = SPEC.exec(raw);
        if (!m)
          throw bad(file, n, `spec line ${JSON.stringify(raw.trim())} is not "name (version)"`);
        specs.push({
          key: `${m[1]} (${m[2]})`,
          purl: gemPurl(file, n, m[1]!, m[2]!),
          ...(remote ? { resolved: remote } : {}),
          line: n,
        });
      }
    } else if (section === 'CHECKSUMS') {
      const m = CHECKSUM.exec(raw);
      if (!m)
        throw bad(
          file,
          n,
          `checksum line ${JSON.stringify(raw.trim())} is not "name (version) sha256=…"`,
        );
      const digests: NativeDigest[] = [];
      for (const part of (m[3] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const d = /^(sha256)=([0-9a-f]{64})$/.exec(part);
        if (!d)
          throw bad(file, n, `checksum ${JSON.stringify(part)} is not sha256=<64 hex digits>`);
        digests.push({ algorithm: d[1]!, value: d[2]! });
      }
      checksums.set(`${m[1]} (${m[2]})`, digests);
    }
  });
  if (!sawSection && text.trim() !== '')
    throw new InputError(
      'LOCKFILE_INVALID',
      `${file}: is not a Gemfile.lock (no GEM/DEPENDENCIES sections)`,
      { file },
    );
  const hint = sawChecksums ? 'the CHECKSUMS section has no line for it' : NO_CHECKSUMS_HINT;
  return specs.map((s) => ({
    purl: s.purl,
    digests: checksums.get(s.key) ?? [],
    ...(s.resolved ? { resolved: s.resolved } : {}),
    ...(checksums.get(s.key)?.length ? {} : { missingDigestHint: hint }),
  }));
}

/** What to do about a Gemfile.lock without CHECKSUMS (bundler before 2.5, e.g. Debian's 2.3). */
export const NO_CHECKSUMS_HINT =
  'bundler before 2.5 writes no CHECKSUMS section: check the gems it installed with `sigil verify Gemfile.lock --installed DIR` (DIR: the bundle path, e.g. vendor/bundle, or $GEM_HOME, or vendor/cache)';

export const gemfileLockReader: LockfileReader = {
  ...gemfileLockFormat,
  read: readGemfileLock,
};
