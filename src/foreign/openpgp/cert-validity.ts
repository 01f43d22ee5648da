/**
 * Is a key valid at a given time, under a policy? (RFC 9580 §5.2.3.x, §10.1;
 * the semantics of Sequoia's `Cert::with_policy(policy, time)` as `sqv` uses it.)
 *
 * A key is valid at time T when a self-signature (user ID certification or
 * direct-key signature for the primary; subkey binding with a back-signature
 * for a signing subkey) that is cryptographically valid and acceptable under
 * the policy was made at or before T, the newest such binding says the key
 * had not expired at T, and no revocation applies at T (a "hard" revocation —
 * no reason, or key compromised — applies at all times; a "soft" one from its
 * creation on).
 *
 * OpenPGP.js is used only for the math (its own algorithm policy is switched
 * off here): the policy is Sigil's, so the verdict is the policy's, not the
 * library's accident.
 */
import * as openpgp from 'openpgp';
import type { Cert, KeyPacket, Subkey } from './keyring.js';
import { hashAcceptable, keyStrengthProblem, type HashSecurity, type Policy } from './policy.js';
import { hashName, type ParsedSignature } from './signature.js';

/** KeyProblem names why a key is not valid at signing time. Stable: public API. */
export type KeyProblem =
  | 'sha1-self-signature'
  | 'weak-hash-self-signature'
  | 'no-acceptable-self-sig-at-signing-time'
  | 'no-valid-self-signature'
  | 'key-created-after-signature'
  | 'key-expired-at-signing-time'
  | 'key-revoked'
  | 'key-not-signing-capable'
  | 'missing-back-signature'
  | 'weak-public-key';

/** KeyValidity is the judgement of one key at one time. */
export interface KeyValidity {
  readonly ok: boolean;
  readonly problem: KeyProblem | undefined;
  readonly message: string;
  /** The binding signature in force at signing time, when there is one. */
  readonly binding: ParsedSignature | undefined;
  /** Set when the key was valid at signing time but has expired since. */
  readonly expiredSince: Date | undefined;
  /** Set when the key was valid at signing time but was (softly) revoked since. */
  readonly revokedSince: Date | undefined;
  /** Things the lenient policy let pass that the standard policy would not. */
  readonly warnings: readonly string[];
}

/** LAX_CONFIG makes OpenPGP.js check only the math; Sigil's policy decides the rest. */
export const LAX_CONFIG: openpgp.Config = {
  ...openpgp.config,
  rejectHashAlgorithms: new Set(),
  rejectMessageHashAlgorithms: new Set(),
  rejectPublicKeyAlgorithms: new Set(),
  rejectCurves: new Set(),
  minRSABits: 0,
};

const SIG = {
  binary: 0x00,
  text: 0x01,
  certGeneric: 0x10,
  certPositive: 0x13,
  subkeyBinding: 0x18,
  keyBinding: 0x19,
  direct: 0x1f,
  keyRevocation: 0x20,
  subkeyRevocation: 0x28,
  certRevocation: 0x30,
} as const;

const mathCache = new WeakMap<object, Map<object, Promise<boolean>>>();

/**
 * checkMath verifies the signature's math over `data` with `key`, ignoring
 * time and algorithm policy. Never throws; false on any failure.
 */
export function checkMath(sig: ParsedSignature, key: KeyPacket, data: object): Promise<boolean> {
  const packet = sig.packet;
  if (!packet) return Promise.resolve(false);
  let perKey = mathCache.get(packet);
  if (!perKey) {
    perKey = new Map();
    mathCache.set(packet, perKey);
  }
  const cached = perKey.get(key);
  if (cached && sig.type !== SIG.binary && sig.type !== SIG.text) return cached;
  const run = (async () => {
    // A designated revoker subpacket makes OpenPGP.js refuse the signature; Sequoia accepts it.
    const revocationKeyClass = packet.revocationKeyClass;
    try {
      if (sig.issuerKeyID === undefined) packet.issuerKeyID = key.getKeyID();
      packet.revocationKeyClass = null;
      await packet.verify(
        key,
        packet.signatureType!,
        data,
        null as unknown as Date,
        true,
        LAX_CONFIG,
      );
      return true;
    } catch {
      return false;
    } finally {
      packet.revocationKeyClass = revocationKeyClass;
    }
  })();
  perKey.set(key, run);
  return run;
}

function issuedBy(sig: ParsedSignature, key: KeyPacket): boolean {
  if (sig.issuerFingerprint !== undefined) return sig.issuerFingerprint === key.getFingerprint();
  if (sig.issuerKeyID !== undefined) return sig.issuerKeyID === key.getKeyID().toHex();
  return true;
}

function expiresAt(sig: ParsedSignature): number {
  const t = sig.packet?.getExpirationTime();
  return t instanceof Date ? t.getTime() : Infinity;
}

function keyExpiry(key: KeyPacket, binding: ParsedSignature): Date | undefined {
  const p = binding.packet;
  if (!p || p.keyNeverExpires !== false || !p.keyExpirationTime) return undefined;
  return new Date(key.created.getTime() + p.keyExpirationTime * 1000);
}

interface Judged {
  readonly sig: ParsedSignature;
  readonly math: boolean;
  readonly hashOK: boolean;
}

async function judge(
  list: { sig: ParsedSignature; data: object; security: HashSecurity }[],
  key: KeyPacket,
  policy: Policy,
  now: Date,
): Promise<Judged[]> {
  const out: Judged[] = [];
  for (const { sig, data, security } of list) {
    if (!sig.created) continue;
    const math = await checkMath(sig, key, data);
    // v3 self-signatures fall under the v3 packet cutoff too.
    const versionOK =
      sig.version >= 4 ||
      policy.v3SignatureCutoff === undefined ||
      now.getTime() < policy.v3SignatureCutoff;
    out.push({
      sig,
      math,
      hashOK:
        versionOK &&
        (!policy.enforceKeyValidity
          ? sig.hashAlgorithm !== 1
          : hashAcceptable(policy, sig.hashAlgorithm, security, now)),
    });
  }
  return out;
}

/** newestAt picks the newest acceptable binding made at or before t and not expired at t. */
function newestAt(judged: readonly Judged[], t: number): ParsedSignature | undefined {
  let best: ParsedSignature | undefined;
  for (const j of judged) {
    if (!j.math || !j.hashOK) continue;
    const c = j.sig.created!.getTime();
    if (c > t || expiresAt(j.sig) <= t) continue;
    if (!best || c >= best.created!.getTime()) best = j.sig;
  }
  return best;
}

function bindingProblem(
  judged: readonly Judged[],
  key: KeyPacket,
  t: number,
  what: string,
): { problem: KeyProblem; message: string } {
  const valid = judged.filter((j) => j.math);
  const atT = valid.filter((j) => j.sig.created!.getTime() <= t);
  const acceptedLater = valid.some((j) => j.hashOK && j.sig.created!.getTime() > t);
  const when = new Date(t).toISOString();
  if (key.created.getTime() > t)
    return {
      problem: 'key-created-after-signature',
      message: `${what} was created ${key.created.toISOString()}, after the signature (${when})`,
    };
  if (acceptedLater || (atT.length === 0 && valid.length > 0)) {
    const rejected = atT.filter((j) => !j.hashOK).map((j) => hashName(j.sig.hashAlgorithm));
    return {
      problem: 'no-acceptable-self-sig-at-signing-time',
      message:
        `${what} had no self-signature acceptable under the policy at signing time (${when})` +
        (rejected.length
          ? `: the ones then in force use ${[...new Set(rejected)].join(', ')}; acceptable ones were only made later`
          : ''),
    };
  }
  const weak = atT.filter((j) => !j.hashOK).map((j) => hashName(j.sig.hashAlgorithm));
  if (weak.includes('SHA1'))
    return {
      problem: 'sha1-self-signature',
      message: `${what}'s self-signatures use SHA-1, rejected by the policy (SHA-1 in self-signatures: not after 2023-02-01)`,
    };
  if (weak.length)
    return {
      problem: 'weak-hash-self-signature',
      message: `${what}'s self-signatures use ${[...new Set(weak)].join(', ')}, rejected by the policy`,
    };
  return {
    problem: 'no-valid-self-signature',
    message: `${what} has no valid self-signature at signing time (${when})`,
  };
}

async function revocation(
  sigs: readonly ParsedSignature[],
  primary: KeyPacket,
  data: object,
  type: number,
  t: number,
  policy: Policy,
  now: Date,
): Promise<{ hard: ParsedSignature | undefined; soft: ParsedSignature | undefined }> {
  let hard: ParsedSignature | undefined;
  let soft: ParsedSignature | undefined;
  for (const s of sigs) {
    if (s.type !== type || !s.created || !issuedBy(s, primary)) continue;
    if (
      policy.enforceKeyValidity &&
      !hashAcceptable(policy, s.hashAlgorithm, 'second-preimage', now, true)
    )
      continue;
    if (!(await checkMath(s, primary, data))) continue;
    const reason = s.packet?.reasonForRevocationFlag ?? 0;
    // RFC 9580 §5.2.3.31: "key superseded" and "key retired" are soft; anything else is hard.
    if (reason === 1 || reason === 3) {
      if (!soft || s.created < soft.created!) soft = s;
    } else hard = s;
  }
  void t;
  return { hard, soft };
}

/**
 * validateKey judges `signer` (the primary key of `cert`, or one of its
 * subkeys) as a data-signing key at `signedAt`, with algorithm cutoffs judged
 * at `now`.
 */
export async function validateKey(
  cert: Cert,
  subkey: Subkey | undefined,
  signedAt: Date,
  policy: Policy,
  now: Date,
): Promise<KeyValidity> {
  const t = signedAt.getTime();
  const primary = cert.primary;
  const warnings: string[] = [];
  const fail = (problem: KeyProblem, message: string, binding?: ParsedSignature): KeyValidity => ({
    ok: false,
    problem,
    message,
    binding,
    expiredSince: undefined,
    revokedSince: undefined,
    warnings,
  });

  // 1. The primary key's self-signatures (RFC 9580 §5.2.3.*: certifications over user IDs, direct-key).
  const selfSigs: { sig: ParsedSignature; data: object; security: HashSecurity }[] = [];
  for (const s of cert.directSignatures)
    if (s.type === SIG.direct && issuedBy(s, primary))
      selfSigs.push({ sig: s, data: { key: primary }, security: 'second-preimage' });
  for (const u of cert.userIDs) {
    // Sequoia: a reasonable user ID (short UTF-8) needs only second pre-image resistance; user attributes need collision resistance.
    const security: HashSecurity =
      u.isAttribute || u.raw.length > 96 ? 'collision' : 'second-preimage';
    const data = u.isAttribute
      ? { userAttribute: { write: () => u.raw }, key: primary }
      : { userID: u.packet ?? { write: () => u.raw }, key: primary };
    for (const s of u.signatures)
      if (s.type >= SIG.certGeneric && s.type <= SIG.certPositive && issuedBy(s, primary))
        selfSigs.push({ sig: s, data, security });
  }
  const judgedPrimary = await judge(selfSigs, primary, policy, now);
  const primaryBinding = newestAt(judgedPrimary, t);
  if (!primaryBinding) {
    const p = bindingProblem(judgedPrimary, primary, t, `key ${cert.fingerprint.toUpperCase()}`);
    if (
      policy.enforceKeyValidity ||
      (p.problem === 'key-created-after-signature' && subkey === undefined)
    )
      return fail(p.problem, p.message);
    warnings.push(p.message);
  }
  // 2. The primary key's revocations.
  const rev = await revocation(
    cert.directSignatures,
    primary,
    { key: primary },
    SIG.keyRevocation,
    t,
    policy,
    now,
  );
  let revokedSince: Date | undefined;
  if (rev.hard) {
    const m = `key ${cert.fingerprint.toUpperCase()} is revoked (${rev.hard.packet?.reasonForRevocationString || 'no reason given, or compromised'})`;
    if (policy.enforceKeyValidity) return fail('key-revoked', m, primaryBinding);
    warnings.push(m);
  } else if (rev.soft) {
    if (rev.soft.created!.getTime() <= t) {
      const m = `key ${cert.fingerprint.toUpperCase()} was retired/superseded on ${rev.soft.created!.toISOString()}, before the signature`;
      if (policy.enforceKeyValidity) return fail('key-revoked', m, primaryBinding);
      warnings.push(m);
    } else revokedSince = rev.soft.created!;
  }
  // 3. The primary key's expiry at signing time, from the binding then in force.
  if (primaryBinding) {
    const exp = keyExpiry(primary, primaryBinding);
    if (exp && exp.getTime() <= t) {
      const m = `key ${cert.fingerprint.toUpperCase()} expired ${exp.toISOString()}, before the signature was made (${signedAt.toISOString()})`;
      if (policy.enforceKeyValidity) return fail('key-expired-at-signing-time', m, primaryBinding);
      warnings.push(m);
    }
  }
  const strength = keyStrengthProblem(
    policy,
    primary.getAlgorithmInfo().algorithm,
    primary.getAlgorithmInfo().bits,
    now,
  );
  if (strength)
    return fail(
      'weak-public-key',
      `key ${cert.fingerprint.toUpperCase()}: ${strength}`,
      primaryBinding,
    );

  let signingKey: KeyPacket = primary;
  let binding = primaryBinding;
  if (subkey) {
    signingKey = subkey.packet;
    const name = `subkey ${subkey.fingerprint.toUpperCase()}`;
    const bindData = { key: primary, bind: subkey.packet };
    const bindings = subkey.signatures
      .filter((s) => s.type === SIG.subkeyBinding && issuedBy(s, primary))
      .map((sig) => ({ sig, data: bindData, security: 'second-preimage' as const }));
    const judgedSub = await judge(bindings, primary, policy, now);
    binding = newestAt(judgedSub, t);
    if (!binding) {
      const p = bindingProblem(judgedSub, subkey.packet, t, name);
      // gpgv too ignores a subkey without a valid binding.
      if (policy.enforceKeyValidity || !judgedSub.some((j) => j.math))
        return fail(p.problem, p.message);
      warnings.push(p.message);
      binding = judgedSub.find((j) => j.math)!.sig;
    }
    const flags = binding.packet?.keyFlags?.[0];
    if (flags !== undefined && (flags & 0x02) === 0)
      return fail(
        'key-not-signing-capable',
        `${name} is not bound for signing (key flags 0x${flags.toString(16)})`,
        binding,
      );
    if (policy.enforceKeyValidity) {
      // RFC 9580 §5.2.3.34 / §11.1: a signing subkey needs a primary key binding (back-)signature.
      const back = binding.packet?.embeddedSignature;
      const backOK =
        back &&
        back.signatureType === SIG.keyBinding &&
        hashAcceptable(policy, back.hashAlgorithm ?? -1, 'second-preimage', now) &&
        (await checkMath(
          {
            version: back.version,
            type: SIG.keyBinding,
            publicKeyAlgorithm: back.publicKeyAlgorithm ?? -1,
            hashAlgorithm: back.hashAlgorithm ?? -1,
            created: back.created ?? undefined,
            issuerKeyID: back.issuerKeyID.toHex(),
            issuerFingerprint: undefined,
            packet: back,
            parseError: undefined,
          },
          subkey.packet,
          bindData,
        ));
      if (!backOK)
        return fail(
          'missing-back-signature',
          `${name} has no valid primary-key binding (back-)signature acceptable under the policy`,
          binding,
        );
    }
    const subRev = await revocation(
      subkey.signatures,
      primary,
      bindData,
      SIG.subkeyRevocation,
      t,
      policy,
      now,
    );
    if (subRev.hard || (subRev.soft && subRev.soft.created!.getTime() <= t)) {
      const m = `${name} is revoked`;
      if (policy.enforceKeyValidity) return fail('key-revoked', m, binding);
      warnings.push(m);
    } else if (subRev.soft && !revokedSince) revokedSince = subRev.soft.created!;
    const exp = keyExpiry(subkey.packet, binding);
    if (exp && exp.getTime() <= t) {
      const m = `${name} expired ${exp.toISOString()}, before the signature was made (${signedAt.toISOString()})`;
      if (policy.enforceKeyValidity) return fail('key-expired-at-signing-time', m, binding);
      warnings.push(m);
    }
    const s2 = keyStrengthProblem(
      policy,
      subkey.packet.getAlgorithmInfo().algorithm,
      subkey.packet.getAlgorithmInfo().bits,
      now,
    );
    if (s2) return fail('weak-public-key', `${name}: ${s2}`, binding);
  } else if (binding) {
    const flags = binding.packet?.keyFlags?.[0];
    if (flags !== undefined && (flags & 0x02) === 0)
      return fail(
        'key-not-signing-capable',
        `key ${cert.fingerprint.toUpperCase()} is not certified for signing data (key flags 0x${flags.toString(16)})`,
        binding,
      );
  }

  // 4. Has the key expired since? (Not a failure: the signature was made while it was valid.)
  let expiredSince: Date | undefined;
  const nowBindingPrimary = newestAt(judgedPrimary, now.getTime()) ?? primaryBinding;
  const pe = nowBindingPrimary ? keyExpiry(primary, nowBindingPrimary) : undefined;
  if (pe && pe.getTime() <= now.getTime() && pe.getTime() > t) expiredSince = pe;
  if (subkey && binding) {
    const bindData = { key: primary, bind: subkey.packet };
    const judgedSub = await judge(
      subkey.signatures
        .filter((s) => s.type === SIG.subkeyBinding && issuedBy(s, primary))
        .map((sig) => ({ sig, data: bindData, security: 'second-preimage' as const })),
      primary,
      policy,
      now,
    );
    const nb = newestAt(judgedSub, now.getTime()) ?? binding;
    const se = keyExpiry(subkey.packet, nb);
    if (
      se &&
      se.getTime() <= now.getTime() &&
      se.getTime() > t &&
      (!expiredSince || se < expiredSince)
    )
      expiredSince = se;
  }
  void signingKey;
  return {
    ok: true,
    problem: undefined,
    message: 'key valid at signing time',
    binding,
    expiredSince,
    revokedSince,
    warnings,
  };
}
