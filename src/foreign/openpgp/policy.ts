/**
 * OpenPGP verification policies.
 *
 * `standard` is Sequoia's StandardPolicy (sequoia-openpgp `src/policy.rs`,
 * the policy of `sqv`): algorithms have cutoff dates and are judged at the
 * reference time (the verification time, not the signature's claimed
 * creation time, which the signer controls):
 *
 * | what | collision resistance needed (data signatures, certifications over user attributes) | second pre-image resistance only (self-signatures over user IDs, subkey bindings, back-signatures, self-revocations) |
 * |---|---|---|
 * | MD5 | rejected from 1997-02-01 | rejected from 2004-02-01 |
 * | SHA-1 | rejected from 2013-02-01 | rejected from 2023-02-01 |
 * | RIPEMD-160 | rejected from 2013-02-01 | rejected from 2013-02-01 |
 * | SHA-2, SHA-3 | accepted | accepted |
 *
 * Revocations get 7 years (plus 2 days) of tolerance past a cutoff, so an old
 * SHA-1 revocation keeps revoking. v3 signature packets are rejected from
 * 2021-02-01, v5 always. RSA and DSA keys under 2048 bits are rejected from
 * 2014-02-01, DSA of 2048+ bits from 2030-02-01, ElGamal from 2025-02-01.
 * A key must have a self-signature acceptable under the policy that was
 * in force at the signature's creation time; expiry and revocation are judged
 * at that time (so a key that expired later still gives a good signature).
 *
 * `legacy` matches GnuPG's `gpgv` (2.2): SHA-1 and v3 signatures accepted,
 * MD5 refused, expired or revoked keys only warned about, a CRC24 mismatch
 * or a missing blank line after the armor headers refused (gpgv exits 2). Use it only to reproduce what `gpgv` says.
 */

/** PolicyName names a policy: `standard` (Sequoia, default) or `legacy` (gpgv). */
export type PolicyName = 'standard' | 'legacy';

/** HashSecurity is the property a signature needs from its hash (Sequoia's HashAlgoSecurity). */
export type HashSecurity = 'collision' | 'second-preimage';

/** Policy is the data a verification is judged by. */
export interface Policy {
  readonly name: PolicyName;
  /** Human description naming the reference implementation. */
  readonly description: string;
  /** Cutoff (ms since epoch) per hash id; absent = accepted; -Infinity = always rejected. Unknown ids are rejected. */
  readonly collisionCutoff: Readonly<Record<number, number>>;
  readonly secondPreimageCutoff: Readonly<Record<number, number>>;
  readonly knownHashes: readonly number[];
  /** Extra time a revocation is honoured past its hash's cutoff. */
  readonly revocationToleranceMs: number;
  /** Cutoff for v3 signature packets; undefined = accepted. */
  readonly v3SignatureCutoff: number | undefined;
  /** Enforce the self-signature hash policy, key expiry and revocation at signing time. */
  readonly enforceKeyValidity: boolean;
  /** Enforce minimum public-key sizes. */
  readonly enforceKeyStrength: boolean;
  /** Refuse an armor block whose CRC24 is present but wrong. */
  readonly rejectArmorCrcMismatch: boolean;
  /** Refuse an armor block without the blank line after its headers (gpgv exits 2). */
  readonly rejectArmorWithoutBlankLine: boolean;
}

const d = (s: string) => Date.parse(`${s}T00:00:00Z`);

/** STANDARD_POLICY is Sequoia's StandardPolicy (the policy of `sqv`). */
export const STANDARD_POLICY: Policy = {
  name: 'standard',
  description: 'Sequoia standard policy (as sqv)',
  collisionCutoff: { 1: d('1997-02-01'), 2: d('2013-02-01'), 3: d('2013-02-01') },
  secondPreimageCutoff: { 1: d('2004-02-01'), 2: d('2023-02-01'), 3: d('2013-02-01') },
  knownHashes: [1, 2, 3, 8, 9, 10, 11, 12, 14],
  revocationToleranceMs: (7 * 365 + 2) * 24 * 3600 * 1000,
  v3SignatureCutoff: d('2021-02-01'),
  enforceKeyValidity: true,
  enforceKeyStrength: true,
  rejectArmorCrcMismatch: false,
  rejectArmorWithoutBlankLine: false,
};

/** LEGACY_POLICY matches GnuPG's `gpgv`: lenient, for comparison only. */
export const LEGACY_POLICY: Policy = {
  name: 'legacy',
  description: 'legacy policy (as GnuPG gpgv: SHA-1, v3 and expired keys accepted)',
  collisionCutoff: { 1: -Infinity },
  secondPreimageCutoff: { 1: -Infinity },
  knownHashes: [1, 2, 3, 8, 9, 10, 11, 12, 14],
  revocationToleranceMs: 0,
  v3SignatureCutoff: undefined,
  enforceKeyValidity: false,
  enforceKeyStrength: false,
  rejectArmorCrcMismatch: true,
  rejectArmorWithoutBlankLine: true,
};

/** policyByName returns the policy of that name. */
export function policyByName(name: PolicyName): Policy {
  return name === 'legacy' ? LEGACY_POLICY : STANDARD_POLICY;
}

/**
 * hashAcceptable says whether `hash` may be used for a signature needing
 * `security`, judged at `now`. A revocation gets the policy's tolerance.
 */
export function hashAcceptable(
  policy: Policy,
  hash: number,
  security: HashSecurity,
  now: Date,
  revocation = false,
): boolean {
  if (!policy.knownHashes.includes(hash)) return false;
  const tolerance = revocation ? policy.revocationToleranceMs : 0;
  const t = now.getTime();
  const second = policy.secondPreimageCutoff[hash];
  if (second !== undefined && t >= second + tolerance) return false;
  if (security === 'collision') {
    const coll = policy.collisionCutoff[hash];
    if (coll !== undefined && t >= coll + tolerance) return false;
  }
  return true;
}

/** keyStrengthProblem returns why a public key is too weak at `now`, or undefined. */
export function keyStrengthProblem(
  policy: Policy,
  algorithm: string,
  bits: number | undefined,
  now: Date,
): string | undefined {
  if (!policy.enforceKeyStrength) return undefined;
  const t = now.getTime();
  const b = bits ?? 0;
  if (algorithm.startsWith('rsa') && b < 2048 && t >= d('2014-02-01'))
    return `${b}-bit RSA key (rejected since 2014-02-01)`;
  if (algorithm === 'dsa' && b < 2048 && t >= d('2014-02-01'))
    return `${b}-bit DSA key (rejected since 2014-02-01)`;
  if (algorithm === 'dsa' && t >= d('2030-02-01')) return `DSA key (rejected since 2030-02-01)`;
  if (algorithm === 'elgamal' && t >= d('2025-02-01'))
    return `ElGamal key (rejected since 2025-02-01)`;
  return undefined;
}
