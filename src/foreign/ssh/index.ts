/** SSH signatures: public keys, SSHSIG files, allowed_signers, and their verification. */
export {
  parseSshPublicKeyBlob,
  parseSshPublicKeyLine,
  sshFingerprint,
  sshBlobOf,
} from './public-key.js';
export type { SshPublicKey, SshKeyType } from './public-key.js';
export {
  parseSshsigArmor,
  parseSshsigBlob,
  sshsigSignedData,
  verifySshSignatureBlob,
  looksLikeSshsig,
} from './sshsig.js';
export type { SshSignature, SshsigHash } from './sshsig.js';
export { parseAllowedSigners, matchPrincipal, signersForKey } from './allowed-signers.js';
export type { AllowedSigner } from './allowed-signers.js';
export { verifySshsig } from './verify.js';
export type { SshsigResult, SshsigVerifyOptions } from './verify.js';
