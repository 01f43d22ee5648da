/**
 * npmRegistrySignature: the npm registry signature a stored npm release carries
 * (`dist.signatures`: ECDSA over `<name>@<version>:<integrity>`), as the JSON text
 * of its ReleaseRow column; null for every other ecosystem. Published and
 * observed releases sign the same message, so npm's own verifier accepts both.
 */
import { npmKeyId, signBytes, type PrivateKey } from '../core/keys.js';

export function npmRegistrySignature(
  registryKey: PrivateKey,
  type: string,
  name: string,
  version: string,
  integrity: string,
): string | null {
  if (type !== 'npm') return null;
  return JSON.stringify({
    keyid: npmKeyId(registryKey.publicKey.keyId),
    sig: signBytes(registryKey, Buffer.from(`${name}@${version}:${integrity}`)).toString('base64'),
  });
}
