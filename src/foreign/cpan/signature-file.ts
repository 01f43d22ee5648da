/**
 * CPAN `SIGNATURE` files (Module::Signature): a clear-signed list of
 * `<ALGO> <hex digest> <file>` lines, one per file of the distribution,
 * preceded by an unsigned explanatory preamble.
 */
import { InputError } from '../../core/errors.js';

/** DigestLine is one line of the signed list. */
export interface DigestLine {
  readonly algorithm: string;
  readonly digest: string;
  readonly file: string;
}

/** parseDigestLines reads the signed text of a SIGNATURE. Throws InputError `CPAN_SIGNATURE_SYNTAX` on a line that is not "ALGO hex file". */
export function parseDigestLines(text: string): DigestLine[] {
  const out: DigestLine[] = [];
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const m = /^(SHA1|SHA224|SHA256|SHA384|SHA512)\s+([0-9a-fA-F]+)\s+(.+)$/.exec(line);
    if (!m)
      throw new InputError(
        'CPAN_SIGNATURE_SYNTAX',
        `SIGNATURE line ${i + 1} is not "ALGO digest file": ${JSON.stringify(line.slice(0, 120))}`,
        { file: 'SIGNATURE' },
      );
    out.push({ algorithm: m[1]!, digest: m[2]!.toLowerCase(), file: m[3]! });
  }
  return out;
}
