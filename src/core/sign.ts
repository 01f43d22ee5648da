/**
 * signRelease: what `sigil sign` does once the artifact is identified and
 * digested — build the release statement, sign it in a DSSE envelope, wrap
 * it in a Sigstore bundle v0.3.
 */
import { makeBundle, type SigilBundle } from './bundle.js';
import type { DigestSet } from './digest.js';
import { signEnvelope, signEnvelopeWith, type Signer } from './dsse.js';
import type { PrivateKey } from './keys.js';
import { IN_TOTO_PAYLOAD_TYPE, makeReleaseStatement } from './statement.js';

export interface SignReleaseInput {
  readonly purl: string;
  readonly digests: DigestSet;
  readonly key: PrivateKey;
  readonly metadata?: Record<string, unknown>;
}

export function signRelease(input: SignReleaseInput): SigilBundle {
  const statement = makeReleaseStatement(input.purl, input.digests, input.metadata);
  const envelope = signEnvelope(
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement), 'utf8'),
    input.key,
  );
  return makeBundle(envelope, input.key.publicKey.keyId);
}

/** signReleaseWith is signRelease for a key held elsewhere (ssh-agent): the same bundle, signed asynchronously. */
export async function signReleaseWith(
  input: Omit<SignReleaseInput, 'key'> & { readonly signer: Signer },
): Promise<SigilBundle> {
  const statement = makeReleaseStatement(input.purl, input.digests, input.metadata);
  const envelope = await signEnvelopeWith(
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement), 'utf8'),
    input.signer,
  );
  return makeBundle(envelope, input.signer.publicKey.keyId);
}
