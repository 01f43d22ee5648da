/**
 * cabal.project.freeze (`cabal freeze`): a cabal.project fragment whose
 * `constraints:` field pins every package as `any.<pkg> ==<version>` (flag
 * constraints `<pkg> +flag -flag` are skipped). It pins no digest; the
 * `index-state:` line fixes which Hackage index was used (kept as `resolved`).
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { decodeLockText, lockError } from '../support/lockfile.js';
import { CABAL_NAME, CABAL_VERSION } from './identify.js';
import { cabalFreezeFormat } from './descriptor.js';

export const cabalFreezeReader: LockfileReader = {
  ...cabalFreezeFormat,
  read(file, bytes) {
    const lines = decodeLockText(bytes, file).replace(/\r\n?/g, '\n').split('\n');
    const fields = new Map<string, { text: string; line: number }>();
    let last: string | undefined;
    lines.forEach((line, i) => {
      if (/^\s*--/.test(line) || line.trim() === '') return;
      if (/^\s/.test(line)) {
        if (last !== undefined) fields.get(last)!.text += ` ${line.trim()}`;
        return;
      }
      const m = /^([A-Za-z][A-Za-z0-9-]*)\s*:(.*)$/.exec(line);
      if (!m)
        throw lockError(
          file,
          `line ${i + 1}`,
          `"${line.slice(0, 60)}" is not a "field: value" line`,
        );
      last = m[1]!.toLowerCase();
      const prev = fields.get(last);
      if (prev) prev.text += `, ${m[2]!.trim()}`;
      else fields.set(last, { text: m[2]!.trim(), line: i + 1 });
    });
    const indexState = fields.get('index-state')?.text;
    const out: LockfileEntry[] = [];
    const constraints = fields.get('constraints');
    if (!constraints) return out;
    for (const c of constraints.text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      if (/^\S+\s+[+-]/.test(c) || /\s(installed|source)$/.test(c)) continue;
      const m = /^(?:any\.|[A-Za-z0-9-]+:)?([A-Za-z0-9-]+)\s*==\s*(\S+)$/.exec(c);
      if (!m)
        throw lockError(
          file,
          `constraints (line ${constraints.line})`,
          `"${c}" is not "any.<pkg> ==<version>"`,
        );
      if (!CABAL_NAME.test(m[1]!) || !CABAL_VERSION.test(m[2]!))
        throw lockError(
          file,
          `constraints (line ${constraints.line})`,
          `"${c}" has a bad name or version`,
        );
      out.push({
        purl: makePurl('hackage', undefined, m[1]!, m[2]!),
        digests: [],
        ...(indexState ? { resolved: `index-state ${indexState}` } : {}),
      });
    }
    return out;
  },
};
