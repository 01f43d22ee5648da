/**
 * A Sigstore TrustedRoot (protobuf-specs sigstore_trustroot.proto, media type
 * application/vnd.dev.sigstore.trustedroot+json;version=0.1) that names one
 * Sigil log, so sigstore verifiers (sigstore-js 3.1, sigstore-go,
 * sigstore-python) accept its inclusion proofs. See log-id.ts for why logId
 * and checkpointKeyId are the full SHA-256 behind the note key ID.
 */
import { InputError } from '../../core/errors.js';
import { type NoteVerifier, parseVerifierKey } from '../note-key.js';
import { ed25519Spki, rekorLogId, sigstoreNameMatches } from './log-id.js';

export const TRUSTED_ROOT_MEDIA_TYPE = 'application/vnd.dev.sigstore.trustedroot+json;version=0.1';

/** TrustedRootJson is the protobuf JSON of a TrustedRoot holding one tlog. */
export interface TrustedRootJson {
  readonly mediaType: string;
  readonly tlogs: readonly {
    readonly baseUrl: string;
    readonly hashAlgorithm: 'SHA2_256';
    readonly publicKey: {
      readonly rawBytes: string;
      readonly keyDetails: 'PKIX_ED25519';
      readonly validFor: { readonly start: string };
    };
    readonly logId: { readonly keyId: string };
    readonly checkpointKeyId: { readonly keyId: string };
  }[];
  readonly certificateAuthorities: readonly unknown[];
  readonly ctlogs: readonly unknown[];
  readonly timestampAuthorities: readonly unknown[];
}

export interface TrustedRootInput {
  /** The log's base URL, e.g. "https://sigil.example.org/log" (what clients POST to + /api/v2/log/entries). */
  readonly baseUrl: string;
  /** The log's note verifier key ("name+hash+base64") or a parsed verifier. */
  readonly verifierKey: string | NoteVerifier;
  /** Start of the key's validity (default: the Unix epoch). */
  readonly validFrom?: Date;
}

/**
 * makeTrustedRoot returns a TrustedRoot naming the log. Throws InputError
 * NOTE_KEY_INVALID for a bad key, TRUST_ROOT_MISMATCH when the key name would
 * not match the base URL for sigstore-js (its checkpoint signatures would be
 * ignored), LOG_KEY_UNSUPPORTED for non-Ed25519 keys.
 */
export function makeTrustedRoot(input: TrustedRootInput): TrustedRootJson {
  const v =
    typeof input.verifierKey === 'string' ? parseVerifierKey(input.verifierKey) : input.verifierKey;
  let url: URL;
  try {
    url = new URL(input.baseUrl);
  } catch {
    throw new InputError(
      'TRUST_ROOT_MISMATCH',
      `log URL ${JSON.stringify(input.baseUrl)} is not an absolute URL`,
      { hint: 'give the URL the log is served at, e.g. https://sigil.example.org/log' },
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InputError('TRUST_ROOT_MISMATCH', `log URL must be http(s), got ${url.protocol}`);
  }
  const baseUrl = input.baseUrl.replace(/\/+$/, '');
  if (!sigstoreNameMatches(baseUrl, v.name)) {
    throw new InputError(
      'TRUST_ROOT_MISMATCH',
      `the log key is named ${JSON.stringify(v.name)}, which does not appear in the URL ${baseUrl}`,
      {
        hint: 'the checkpoint key name must be the log origin, i.e. its URL without the scheme; sigstore verifiers ignore signatures whose name is not in the URL',
      },
    );
  }
  const logId = Buffer.from(rekorLogId(v)).toString('base64');
  return {
    mediaType: TRUSTED_ROOT_MEDIA_TYPE,
    tlogs: [
      {
        baseUrl,
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: Buffer.from(ed25519Spki(v.publicKey)).toString('base64'),
          keyDetails: 'PKIX_ED25519',
          validFor: { start: (input.validFrom ?? new Date(0)).toISOString() },
        },
        logId: { keyId: logId },
        checkpointKeyId: { keyId: logId },
      },
    ],
    certificateAuthorities: [],
    ctlogs: [],
    timestampAuthorities: [],
  };
}
