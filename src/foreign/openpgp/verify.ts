/**
 * OpenPGP signature verification: detached (`.asc`, `.sig`) and clear-signed
 * messages, against a keyring, under a policy (see {@link ./policy.ts}).
 *
 * Pure: bytes in, verdict out. Never throws on bad input: a signature that
 * cannot be read is `bad` (reason `malformed-signature`), a keyring that
 * cannot be read or holds no matching key is `nokey` — "no key" is never
 * reported as good or as bad.
 *
 * One good signature by a key in the keyring suffices when a file holds
 * several; the result names its key. Otherwise the verdict is `bad` if any
 * signature was by a known key, else `nokey`.
 */
import {
  fail,
  pass,
  skip,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { SigilError } from '../../core/errors.js';
import { looksArmored, parseArmor, parseCleartext, type Cleartext } from './armor.js';
import { checkMath, validateKey, type KeyProblem } from './cert-validity.js';
import { findIssuerKeys, parseKeyring, type Cert, type Keyring } from './keyring.js';
import { readPackets, Tag } from './packets.js';
import { hashAcceptable, policyByName, type Policy, type PolicyName } from './policy.js';
import { hashName, parseSignaturePacket, type ParsedSignature } from './signature.js';

/** OpenPGPVerdict is the three-valued answer of an OpenPGP verification. */
export type OpenPGPVerdict = 'good' | 'bad' | 'nokey';

/** OpenPGPReason names the exact cause of a verdict. Stable: public API. */
export type OpenPGPReason =
  | 'good'
  | 'good-key-expired-since'
  | 'good-key-revoked-since'
  | 'nokey'
  | 'keyring-unreadable'
  | 'malformed-signature'
  | 'armor-crc-mismatch'
  | 'invalid-armor-header'
  | 'v3-signature'
  | 'unsupported-signature-version'
  | 'wrong-signature-type'
  | 'sha1-signature'
  | 'weak-hash-signature'
  | 'signature-from-future'
  | 'signature-expired'
  | 'bad-signature'
  | KeyProblem;

/** Signer identifies the key that made a signature. */
export interface Signer {
  /** Fingerprint of the key that made the signature (primary or subkey), uppercase hex. */
  readonly fingerprint: string;
  /** Fingerprint of its certificate's primary key. */
  readonly primaryFingerprint: string;
  readonly userIDs: readonly string[];
}

/** SignatureReport is the verdict on one signature packet. */
export interface SignatureReport {
  readonly index: number;
  readonly verdict: OpenPGPVerdict;
  readonly reason: OpenPGPReason;
  readonly message: string;
  readonly issuer: string | undefined;
  readonly signedAt: Date | undefined;
  readonly hashAlgorithm: string;
  readonly version: number;
  readonly signer: Signer | undefined;
  readonly checks: readonly Check[];
}

/** OpenPGPResult is a VerificationResult plus the OpenPGP verdict, its reason and every signature's report. */
export interface OpenPGPResult extends VerificationResult {
  readonly openpgpVerdict: OpenPGPVerdict;
  readonly reason: OpenPGPReason;
  /** One sentence saying what happened, naming the policy. */
  readonly message: string;
  readonly policy: PolicyName;
  readonly signer: Signer | undefined;
  readonly signatures: readonly SignatureReport[];
}

/** VerifyOptions tune a verification. */
export interface VerifyOptions {
  /** `standard` (Sequoia's standard policy, default) or `legacy` (as gpgv), or a custom policy. */
  readonly policy?: PolicyName | Policy;
  /** Reference time for algorithm cutoffs, expiry "since" and signature freshness. Default: now. */
  readonly now?: Date;
  /** Name of what is verified, for the result's subject. */
  readonly subject?: string;
}

/** KeyringInput is keyring bytes (armored or binary) or an already parsed keyring. */
export type KeyringInput = Uint8Array | Keyring;

const FUTURE_TOLERANCE_MS = 30 * 60 * 1000;

/**
 * verifyDetached checks a detached signature (armored or binary, one or more
 * signature packets) over `data`.
 */
export async function verifyDetached(
  data: Uint8Array,
  signature: Uint8Array,
  keyring: KeyringInput,
  options: VerifyOptions = {},
): Promise<OpenPGPResult> {
  const policy = resolvePolicy(options.policy);
  const subject = options.subject ?? 'detached signature';
  const pre: Check[] = [];
  let sigs: ParsedSignature[];
  try {
    sigs = readSignatures(signature, policy, pre);
  } catch (e) {
    return malformed(subject, policy, pre, e);
  }
  return judgeAll(
    subject,
    sigs,
    { text: null, getBytes: () => data },
    keyring,
    policy,
    options.now ?? new Date(),
    pre,
  );
}

/** CleartextResult adds the signed text (LF line ends, dash-escaping removed) to the result. */
export interface CleartextResult extends OpenPGPResult {
  /** The signed text as bytes, LF line ends (the line break before the signature block is not part of it); empty when the message could not be read. Use only if the verdict is good. */
  readonly text: Uint8Array;
}

/** verifyCleartext checks a clear-signed message (RFC 9580 §7), e.g. Debian `InRelease` or CPAN `SIGNATURE`. */
export async function verifyCleartext(
  message: Uint8Array,
  keyring: KeyringInput,
  options: VerifyOptions = {},
): Promise<CleartextResult> {
  const policy = resolvePolicy(options.policy);
  const subject = options.subject ?? 'clear-signed message';
  const pre: Check[] = [];
  let clear: Cleartext;
  let sigs: ParsedSignature[];
  try {
    clear = parseCleartext(message);
    sigs = signaturesOf(clear.signature.data, clear.signature.crc, policy, pre);
  } catch (e) {
    return { ...malformed(subject, policy, pre, e), text: new Uint8Array(0) };
  }
  const canonical = clear.text;
  const result = await judgeAll(
    subject,
    sigs,
    { text: null, getBytes: () => canonical },
    keyring,
    policy,
    options.now ?? new Date(),
    pre,
  );
  const lf = Buffer.from(
    Buffer.from(canonical).toString('latin1').replace(/\r\n/g, '\n'),
    'latin1',
  );
  return { ...result, text: new Uint8Array(lf) };
}

function resolvePolicy(p: PolicyName | Policy | undefined): Policy {
  if (p === undefined) return policyByName('standard');
  return typeof p === 'string' ? policyByName(p) : p;
}

function readSignatures(bytes: Uint8Array, policy: Policy, pre: Check[]): ParsedSignature[] {
  if (looksArmored(bytes)) {
    const blocks = parseArmor(bytes);
    const sigBlocks = blocks.filter(
      (b) => b.label === 'SIGNATURE' || b.label === 'MESSAGE' || b.label === 'ARMORED FILE',
    );
    if (sigBlocks.length === 0) {
      throw new SigilError(
        'OPENPGP_NO_SIGNATURE',
        `armored input holds ${blocks.map((b) => `a "${b.label}" block`).join(', ')}, not a signature`,
        { hint: 'did you swap the signature and the keyring?' },
      );
    }
    const out: ParsedSignature[] = [];
    for (const b of sigBlocks) {
      if (!b.blankLine) {
        if (policy.rejectArmorWithoutBlankLine)
          throw new SigilError(
            'OPENPGP_ARMOR_HEADER',
            'armor has no blank line after its header lines (gpgv: "invalid armor header")',
          );
        pre.push(
          warn(
            'armor',
            'OPENPGP_ARMOR_BLANK_LINE_MISSING',
            'armor has no blank line after its header lines; tolerated',
          ),
        );
      }
      out.push(...signaturesOf(b.data, b.crc, policy, pre));
    }
    return out;
  }
  return signaturesOf(bytes, 'absent', policy, pre);
}

function signaturesOf(
  bytes: Uint8Array,
  crc: 'ok' | 'mismatch' | 'absent',
  policy: Policy,
  pre: Check[],
): ParsedSignature[] {
  if (crc === 'mismatch') {
    if (policy.rejectArmorCrcMismatch)
      throw new SigilError('OPENPGP_ARMOR_CRC', 'armor CRC24 checksum does not match the body');
    pre.push(
      warn(
        'armor',
        'OPENPGP_ARMOR_CRC_IGNORED',
        'armor CRC24 checksum does not match; ignored as RFC 9580 §6.1 requires (gpgv would refuse it)',
      ),
    );
  }
  const packets = readPackets(bytes);
  const sigs = packets
    .filter((p) => p.tag === Tag.signature)
    .map((p) => parseSignaturePacket(p.body));
  if (sigs.length === 0)
    throw new SigilError(
      'OPENPGP_NO_SIGNATURE',
      `no signature packet found (packet tags: ${packets.map((p) => p.tag).join(', ') || 'none'})`,
    );
  pre.push(
    pass(
      'armor',
      'OPENPGP_PARSED',
      `read ${sigs.length} signature packet${sigs.length === 1 ? '' : 's'}`,
    ),
  );
  return sigs;
}

function malformed(subject: string, policy: Policy, pre: Check[], e: unknown): OpenPGPResult {
  const code = e instanceof SigilError ? e.code : 'OPENPGP_MALFORMED';
  const why = e instanceof Error ? e.message : String(e);
  const crc = code === 'OPENPGP_ARMOR_CRC';
  const reason: OpenPGPReason = crc
    ? 'armor-crc-mismatch'
    : code === 'OPENPGP_ARMOR_HEADER'
      ? 'invalid-armor-header'
      : 'malformed-signature';
  const checks = [...pre, fail('armor', code, `signature cannot be read: ${why}`)];
  return {
    ...verdict(subject, checks),
    openpgpVerdict: 'bad',
    reason,
    policy: policy.name,
    signer: undefined,
    signatures: [],
    message: `bad: ${crc ? 'armor checksum mismatch' : 'malformed signature'} (${why}) [policy: ${policy.description}]`,
  };
}

async function loadKeyring(k: KeyringInput): Promise<Keyring | Error> {
  if (!(k instanceof Uint8Array)) return k;
  try {
    return await parseKeyring(k);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

async function judgeAll(
  subject: string,
  sigs: ParsedSignature[],
  data: object,
  keyringIn: KeyringInput,
  policy: Policy,
  now: Date,
  pre: Check[],
): Promise<OpenPGPResult> {
  const ring = await loadKeyring(keyringIn);
  if (ring instanceof Error) {
    const checks = [
      ...pre,
      fail('keyring', 'OPENPGP_KEYRING_UNREADABLE', `keyring cannot be read: ${ring.message}`),
    ];
    return {
      ...verdict(subject, checks),
      openpgpVerdict: 'nokey',
      reason: 'keyring-unreadable',
      policy: policy.name,
      signer: undefined,
      signatures: [],
      message: `no key: the keyring cannot be read (${ring.message})`,
    };
  }
  const reports: SignatureReport[] = [];
  for (const [i, sig] of sigs.entries())
    reports.push(await judgeOne(i, sig, data, ring, policy, now));
  const decisive =
    reports.find((r) => r.verdict === 'good') ??
    reports.find((r) => r.verdict === 'bad') ??
    reports[0]!;
  const checks = [...pre, ...decisive.checks];
  if (reports.length > 1) {
    const others = reports
      .filter((r) => r !== decisive)
      .map((r) => `#${r.index + 1}: ${r.verdict} (${r.reason})`)
      .join('; ');
    checks.push(
      decisive.verdict === 'good'
        ? pass(
            'signatures',
            'OPENPGP_ONE_GOOD_SUFFICES',
            `${reports.length} signatures; #${decisive.index + 1} is good, which suffices. Others: ${others}`,
          )
        : skip(
            'signatures',
            'OPENPGP_NO_GOOD_SIGNATURE',
            `${reports.length} signatures, none good. Others: ${others}`,
          ),
    );
  }
  const base = verdict(subject, checks);
  return {
    ...base,
    ok: decisive.verdict === 'good' && base.ok,
    openpgpVerdict: decisive.verdict,
    reason: decisive.reason,
    message: `${decisive.verdict === 'nokey' ? 'no key' : decisive.verdict}: ${decisive.message} [policy: ${policy.description}]`,
    policy: policy.name,
    signer: decisive.signer,
    signatures: reports,
  };
}

function signerOf(cert: Cert, fingerprint: string): Signer {
  return {
    fingerprint: fingerprint.toUpperCase(),
    primaryFingerprint: cert.fingerprint.toUpperCase(),
    userIDs: cert.userIDs.filter((u) => !u.isAttribute && u.packet).map((u) => u.packet!.userID),
  };
}

async function judgeOne(
  index: number,
  sig: ParsedSignature,
  data: object,
  ring: Keyring,
  policy: Policy,
  now: Date,
): Promise<SignatureReport> {
  const issuer = sig.issuerFingerprint?.toUpperCase() ?? sig.issuerKeyID?.toUpperCase();
  const base = {
    index,
    issuer,
    signedAt: sig.created,
    hashAlgorithm: hashName(sig.hashAlgorithm),
    version: sig.version,
  };
  const checks: Check[] = [];
  const done = (
    v: OpenPGPVerdict,
    reason: OpenPGPReason,
    message: string,
    signer?: Signer,
  ): SignatureReport => ({ ...base, verdict: v, reason, message, signer, checks });

  if (!sig.packet) {
    if (sig.version === 5 || (sig.version !== 3 && sig.version !== 4 && sig.version !== 6)) {
      checks.push(
        fail(
          'signature-packet',
          'OPENPGP_UNSUPPORTED_SIGNATURE_VERSION',
          `version ${sig.version} signature packet is not supported (${sig.parseError})`,
        ),
      );
      return done(
        'bad',
        'unsupported-signature-version',
        `signature #${index + 1} is a version ${sig.version} packet, which the policy does not accept`,
      );
    }
    checks.push(
      fail(
        'signature-packet',
        'OPENPGP_MALFORMED_SIGNATURE',
        `signature packet cannot be parsed: ${sig.parseError}`,
      ),
    );
    return done(
      'bad',
      'malformed-signature',
      `signature #${index + 1} cannot be parsed (${sig.parseError})`,
    );
  }
  const candidates = findIssuerKeys(ring, sig.issuerKeyID, sig.issuerFingerprint);
  if (candidates.length === 0) {
    checks.push(
      fail(
        'key',
        'OPENPGP_NO_KEY',
        `no key ${issuer ?? '(issuer not named)'} in the keyring (${ring.certs.length} certificate${ring.certs.length === 1 ? '' : 's'})`,
      ),
    );
    checks.push(skip('signature-math', 'OPENPGP_NOT_CHECKED', 'not checked: no key'));
    return done(
      'nokey',
      'nokey',
      `no key ${issuer ?? ''} in the keyring to check signature #${index + 1}`.replace('  ', ' '),
    );
  }
  let firstBad: SignatureReport | undefined;
  for (const { cert, key, subkey } of candidates) {
    const signer = signerOf(cert, key.getFingerprint());
    const r = await judgeWithKey(index, sig, data, cert, subkey, policy, now, signer, base);
    if (r.verdict === 'good') return r;
    firstBad ??= r;
  }
  return firstBad!;
}

async function judgeWithKey(
  index: number,
  sig: ParsedSignature,
  data: object,
  cert: Cert,
  subkey: Parameters<typeof validateKey>[1],
  policy: Policy,
  now: Date,
  signer: Signer,
  base: Omit<SignatureReport, 'verdict' | 'reason' | 'message' | 'signer' | 'checks'>,
): Promise<SignatureReport> {
  const checks: Check[] = [];
  const who = `${signer.fingerprint}${signer.userIDs[0] ? ` (${signer.userIDs[0]})` : ''}`;
  const done = (v: OpenPGPVerdict, reason: OpenPGPReason, message: string): SignatureReport => ({
    ...base,
    verdict: v,
    reason,
    message,
    signer,
    checks,
  });
  const bad = (name: string, reason: OpenPGPReason, message: string) => {
    checks.push(fail(name, code(reason), message));
    return done('bad', reason, message);
  };
  checks.push(
    pass(
      'key',
      'OPENPGP_KEY_FOUND',
      `signature #${index + 1} names key ${base.issuer}, found: ${who}`,
      { fingerprint: signer.fingerprint, primaryFingerprint: signer.primaryFingerprint },
    ),
  );
  const created = sig.created!;

  // 1. The signature packet itself (Sequoia checks the packet version before anything else).
  if (sig.version < 4) {
    if (policy.v3SignatureCutoff !== undefined && now.getTime() >= policy.v3SignatureCutoff) {
      return bad(
        'signature-packet',
        'v3-signature',
        `signature #${index + 1} is an old version 3 signature packet, rejected by the policy since ${new Date(policy.v3SignatureCutoff).toISOString().slice(0, 10)}`,
      );
    }
    checks.push(
      warn(
        'signature-packet',
        'OPENPGP_V3_SIGNATURE_ACCEPTED',
        'version 3 signature packet accepted by the lenient policy',
      ),
    );
  } else
    checks.push(
      pass(
        'signature-packet',
        'OPENPGP_SIGNATURE_PACKET',
        `version ${sig.version} signature packet`,
      ),
    );
  if (sig.type !== 0x00 && sig.type !== 0x01) {
    return bad(
      'signature-packet',
      'wrong-signature-type',
      `signature #${index + 1} has type 0x${sig.type.toString(16).padStart(2, '0')}, not a signature over data (0x00 binary, 0x01 text)`,
    );
  }

  // 2. The key at signing time: self-signatures under the policy, expiry, revocation, strength.
  const v = await validateKey(cert, subkey, created, policy, now);
  if (!v.ok) {
    const name =
      v.problem === 'sha1-self-signature' ||
      v.problem === 'weak-hash-self-signature' ||
      v.problem === 'no-acceptable-self-sig-at-signing-time' ||
      v.problem === 'no-valid-self-signature' ||
      v.problem === 'missing-back-signature'
        ? 'self-signature-policy'
        : v.problem === 'weak-public-key'
          ? 'key-algorithm'
          : 'key-valid-at-signing-time';
    return bad(name, v.problem!, v.message);
  }
  checks.push(
    pass(
      'self-signature-policy',
      'OPENPGP_SELF_SIGNATURE_OK',
      v.binding
        ? `binding self-signature of ${v.binding.created!.toISOString()} (${hashName(v.binding.hashAlgorithm)}) acceptable`
        : 'no binding checked (lenient policy)',
    ),
  );
  for (const w of v.warnings)
    checks.push(
      warn(
        'key-valid-at-signing-time',
        'OPENPGP_KEY_WARNING',
        `${w} (accepted by the lenient policy)`,
      ),
    );
  if (v.warnings.length === 0)
    checks.push(
      pass(
        'key-valid-at-signing-time',
        'OPENPGP_KEY_VALID',
        `key valid when the signature was made (${created.toISOString()})`,
      ),
    );

  // 3. The data signature's hash: needs collision resistance.
  if (!hashAcceptable(policy, sig.hashAlgorithm, 'collision', now)) {
    return bad(
      'signature-hash-algorithm',
      sig.hashAlgorithm === 2 ? 'sha1-signature' : 'weak-hash-signature',
      `signature #${index + 1} uses ${hashName(sig.hashAlgorithm)}, rejected by the policy for signatures over data`,
    );
  }
  checks.push(
    pass(
      'signature-hash-algorithm',
      'OPENPGP_HASH_OK',
      `${hashName(sig.hashAlgorithm)} acceptable`,
    ),
  );

  // 4. Time: not from the future, not expired now.
  if (created.getTime() > now.getTime() + FUTURE_TOLERANCE_MS)
    return bad(
      'signature-time',
      'signature-from-future',
      `signature #${index + 1} claims to be made ${created.toISOString()}, in the future`,
    );
  const exp = sig.packet!.getExpirationTime();
  if (exp instanceof Date && exp.getTime() <= now.getTime())
    return bad(
      'signature-time',
      'signature-expired',
      `signature #${index + 1} expired ${exp.toISOString()}`,
    );

  // 5. The math.
  const key = subkey ? subkey.packet : cert.primary;
  if (!(await checkMath(sig, key, data))) {
    return bad(
      'signature-math',
      'bad-signature',
      `signature #${index + 1} by ${who} does not match the data`,
    );
  }
  checks.push(
    pass('signature-math', 'OPENPGP_SIGNATURE_VALID', `signature by ${who} matches the data`),
  );

  if (v.expiredSince) {
    checks.push(
      warn(
        'key-valid-now',
        'OPENPGP_KEY_EXPIRED_SINCE',
        `key expired ${v.expiredSince.toISOString()}, after the signature was made`,
      ),
    );
    return done(
      'good',
      'good-key-expired-since',
      `good signature by ${who}, made ${created.toISOString()}; the key has expired since (${v.expiredSince.toISOString().slice(0, 10)})`,
    );
  }
  if (v.revokedSince) {
    checks.push(
      warn(
        'key-valid-now',
        'OPENPGP_KEY_REVOKED_SINCE',
        `key retired ${v.revokedSince.toISOString()}, after the signature was made`,
      ),
    );
    return done(
      'good',
      'good-key-revoked-since',
      `good signature by ${who}, made ${created.toISOString()}; the key was retired since (${v.revokedSince.toISOString().slice(0, 10)})`,
    );
  }
  return done('good', 'good', `good signature by ${who}, made ${created.toISOString()}`);
}

function code(reason: OpenPGPReason): string {
  return `OPENPGP_${reason.toUpperCase().replace(/-/g, '_')}`;
}
