/**
 * Verify a CPAN distribution's `SIGNATURE` (Module::Signature): first the
 * OpenPGP clear-signature (under Sigil's OpenPGP policy), then every digest
 * line against the distribution's files, listing missing, extra and changed
 * files. Pure: the files come in as a map.
 *
 * Unlike Debian's `cpansign -v` (which says "Signature verified OK" when the
 * key is not available at all), a missing key is reported as "no key".
 */
import { createHash } from 'node:crypto';
import {
  fail,
  pass,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import {
  verifyCleartext,
  type KeyringInput,
  type OpenPGPResult,
  type VerifyOptions,
} from '../openpgp/index.js';
import { parseDigestLines, type DigestLine } from './signature-file.js';

/** DistFiles maps paths relative to the distribution's top directory ("lib/Foo.pm") to bytes. */
export type DistFiles = ReadonlyMap<string, Uint8Array>;

/** CpanResult adds the OpenPGP result and the file comparison. */
export interface CpanResult extends VerificationResult {
  readonly signature: OpenPGPResult;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  readonly changed: readonly string[];
}

// Files Module::Signature never lists (it cannot sign itself) or that build tools add.
const NEVER_LISTED = new Set(['SIGNATURE']);

function digest(algorithm: string, bytes: Uint8Array): string {
  return createHash(algorithm.toLowerCase().replace('sha', 'sha')).update(bytes).digest('hex');
}

/** True when the signature was refused only for its hash (what cpansign still uses by default). */
function weakHash(sig: OpenPGPResult): boolean {
  return sig.reason === 'sha1-signature' || sig.reason === 'weak-hash-signature';
}

/**
 * verifyCpanSignature checks `SIGNATURE` bytes against `files` with `keyring`.
 *
 * The file digests are always compared, even when the signature is not good
 * (no key, a hash the policy refuses, bad): changed, missing and extra files
 * are reported either way. Without a good signature the list is unverified,
 * so the verdict stays "no key"/"bad" for the signature, and "bad" for files
 * that differ; matching files are only a warning.
 */
export async function verifyCpanSignature(
  signature: Uint8Array,
  files: DistFiles,
  keyring: KeyringInput,
  options: VerifyOptions = {},
): Promise<CpanResult> {
  const subject = options.subject ?? 'CPAN SIGNATURE';
  const sig = await verifyCleartext(signature, keyring, { ...options, subject });
  const checks: Check[] = [];
  const empty = { missing: [], extra: [], changed: [] };
  const good = sig.openpgpVerdict === 'good';
  if (!good) {
    const hint =
      weakHash(sig) && sig.policy === 'standard'
        ? "; cpansign (Module::Signature) still signs with SHA-1 or RIPEMD-160, which Sequoia's standard policy refuses since 2013 (collision attacks). To accept them as GnuPG's gpgv does, pass --openpgp-policy legacy: a signature over such a hash can be forged for a second, colliding SIGNATURE text"
        : '';
    checks.push(
      fail(
        'signature',
        sig.openpgpVerdict === 'nokey' ? 'CPAN_SIGNATURE_NO_KEY' : 'CPAN_SIGNATURE_BAD',
        `${sig.message}${hint}`,
        { reason: sig.reason, ...(hint ? { hint: '--openpgp-policy legacy' } : {}) },
      ),
    );
  } else {
    checks.push(
      pass('signature', 'CPAN_SIGNATURE_GOOD', sig.message, { signer: sig.signer?.fingerprint }),
    );
  }
  if (sig.text.length === 0) return { ...verdict(subject, checks), signature: sig, ...empty };
  let lines: DigestLine[];
  try {
    lines = parseDigestLines(Buffer.from(sig.text).toString('utf8'));
  } catch (e) {
    checks.push(
      fail('digests', 'CPAN_SIGNATURE_SYNTAX', e instanceof Error ? e.message : String(e)),
    );
    return { ...verdict(subject, checks), signature: sig, ...empty };
  }
  const missing: string[] = [];
  const changed: string[] = [];
  const listed = new Set<string>();
  for (const l of lines) {
    listed.add(l.file);
    if (l.algorithm === 'SHA1')
      checks.push(warn('digests', 'CPAN_SHA1_DIGEST', `${l.file}: SHA1 digest (weak)`));
    const bytes = files.get(l.file);
    if (!bytes) {
      missing.push(l.file);
      continue;
    }
    const got = digest(l.algorithm, bytes);
    // Module::Signature hashes text files with native line ends; accept the LF form of a CRLF file too.
    const lf =
      got === l.digest
        ? got
        : digest(
            l.algorithm,
            new Uint8Array(
              Buffer.from(Buffer.from(bytes).toString('latin1').replace(/\r\n/g, '\n'), 'latin1'),
            ),
          );
    if (lf !== l.digest) changed.push(l.file);
  }
  const extra = [...files.keys()].filter((f) => !listed.has(f) && !NEVER_LISTED.has(f)).sort();
  const against = good ? '' : ' (against the unverified SIGNATURE list)';
  if (missing.length)
    checks.push(
      fail(
        'files',
        'CPAN_FILES_MISSING',
        `listed in SIGNATURE but absent${against}: ${missing.join(', ')}`,
        { missing },
      ),
    );
  if (changed.length)
    checks.push(
      fail('files', 'CPAN_FILES_CHANGED', `digest differs${against}: ${changed.join(', ')}`, {
        changed,
      }),
    );
  if (extra.length)
    checks.push(
      fail(
        'files',
        'CPAN_FILES_EXTRA',
        `present but not in SIGNATURE${against}: ${extra.join(', ')}`,
        { extra },
      ),
    );
  if (!missing.length && !changed.length && !extra.length) {
    checks.push(
      good
        ? pass('files', 'CPAN_FILES_MATCH', `all ${lines.length} files match their digests`)
        : warn(
            'files',
            'CPAN_FILES_MATCH_UNVERIFIED',
            `all ${lines.length} files match the digests in SIGNATURE, but that list is not verified (see the signature check)`,
          ),
    );
  }
  return { ...verdict(subject, checks), signature: sig, missing, extra, changed };
}
