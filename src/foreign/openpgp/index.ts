/** OpenPGP verification: detached and clear-signed signatures, keyrings, Sequoia-standard and gpgv-legacy policies. */
export { verifyDetached, verifyCleartext } from './verify.js';
export type {
  OpenPGPResult,
  CleartextResult,
  OpenPGPVerdict,
  OpenPGPReason,
  SignatureReport,
  Signer,
  VerifyOptions,
  KeyringInput,
} from './verify.js';
export { parseKeyring, findIssuerKeys } from './keyring.js';
export type { Keyring, Cert, Subkey, UserID } from './keyring.js';
export { parseArmor, parseCleartext, looksArmored, crc24 } from './armor.js';
export type { ArmorBlock, Cleartext } from './armor.js';
export { readPackets } from './packets.js';
export { parseSignaturePacket } from './signature.js';
export type { ParsedSignature } from './signature.js';
export { STANDARD_POLICY, LEGACY_POLICY, policyByName, hashAcceptable } from './policy.js';
export type { Policy, PolicyName } from './policy.js';
export type { KeyProblem } from './cert-validity.js';
