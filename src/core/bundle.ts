/**
 * Sigstore bundle v0.3 JSON (sigstore/protobuf-specs, protos/sigstore_bundle.proto),
 * the file Sigil writes next to a signed artifact (`<artifact>.sigstore.json`).
 *
 * A key-signed Sigil bundle names its key by `verificationMaterial.publicKey.hint`
 * (the hex key id) and carries the release statement in `dsseEnvelope`. The
 * JSON follows the protobuf JSON mapping, so sigstore-js, cosign and
 * sigstore-python read it as they read their own.
 */
import { ValidationError } from './errors.js';
import type { DsseEnvelope } from './dsse.js';

export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** KNOWN_BUNDLE_MEDIA_TYPES are the Sigstore bundle versions; Sigil writes v0.3. */
export const KNOWN_BUNDLE_MEDIA_TYPES = [
  'application/vnd.dev.sigstore.bundle+json;version=0.1',
  'application/vnd.dev.sigstore.bundle+json;version=0.2',
  'application/vnd.dev.sigstore.bundle+json;version=0.3',
  BUNDLE_V03_MEDIA_TYPE,
] as const;

/** TransparencyLogEntryJson is a tlog entry in protobuf JSON form (kept opaque here; src/log reads it). */
export type TransparencyLogEntryJson = Record<string, unknown>;

export interface SigilBundle {
  readonly mediaType: string;
  readonly verificationMaterial: {
    readonly publicKey: { readonly hint: string };
    readonly tlogEntries: readonly TransparencyLogEntryJson[];
    readonly timestampVerificationData: { readonly rfc3161Timestamps: readonly unknown[] };
  };
  readonly dsseEnvelope: DsseEnvelope;
}

/** makeBundle wraps a signed envelope in a v0.3 bundle whose key hint is the signer's key id. */
export function makeBundle(
  envelope: DsseEnvelope,
  keyId: string,
  tlogEntries: readonly TransparencyLogEntryJson[] = [],
): SigilBundle {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: {
      publicKey: { hint: keyId },
      tlogEntries: [...tlogEntries],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: envelope.payload,
      payloadType: envelope.payloadType,
      // protobuf-specs field order: sig, keyid
      signatures: envelope.signatures.map((s) => ({ sig: s.sig, keyid: s.keyid })),
    },
  };
}

/** serializeBundle is the bytes Sigil writes: pretty JSON with a final newline. */
export function serializeBundle(bundle: SigilBundle): string {
  return `${JSON.stringify(bundle, null, 2)}\n`;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * parseBundle reads untrusted bundle bytes. It gathers every bad field and
 * throws one ValidationError naming the file and the fields; an unknown media
 * type gets its own code (BUNDLE_MEDIA_TYPE) because it usually means "wrong file".
 */
export function parseBundle(bytes: Uint8Array | string, file = 'bundle'): SigilBundle {
  const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const truncated = text.trim().length > 0 && !text.trim().endsWith('}');
    throw Object.assign(
      new ValidationError(
        `${file} is not a Sigstore bundle`,
        [
          `not valid JSON${truncated ? ' (the file looks truncated)' : ''}: ${(e as Error).message}`,
        ],
        {
          file,
          hint: 'sign the artifact again with `sigil sign`, or pass the right file with --bundle',
        },
      ),
      { code: 'BUNDLE_NOT_JSON' },
    );
  }
  if (!isRecord(doc))
    throw new ValidationError(`${file} is not a Sigstore bundle`, ['expected a JSON object'], {
      file,
    });
  const mediaType = doc['mediaType'];
  if (
    typeof mediaType !== 'string' ||
    !(KNOWN_BUNDLE_MEDIA_TYPES as readonly string[]).includes(mediaType)
  ) {
    throw Object.assign(
      new ValidationError(
        `${file} is not a Sigstore bundle`,
        [`mediaType ${JSON.stringify(mediaType)} (expected ${BUNDLE_V03_MEDIA_TYPE})`],
        {
          file,
          hint: 'pass the .sigstore.json file that `sigil sign` wrote',
        },
      ),
      { code: 'BUNDLE_MEDIA_TYPE' },
    );
  }
  const problems: string[] = [];
  const vm = doc['verificationMaterial'];
  if (!isRecord(vm)) problems.push('verificationMaterial must be an object');
  else {
    const pk = vm['publicKey'];
    if (!isRecord(pk) || typeof pk['hint'] !== 'string')
      problems.push(
        'verificationMaterial.publicKey.hint must be a string (this bundle is not key-signed)',
      );
    if (vm['tlogEntries'] !== undefined && !Array.isArray(vm['tlogEntries']))
      problems.push('verificationMaterial.tlogEntries must be an array');
  }
  const env = doc['dsseEnvelope'];
  if (!isRecord(env))
    problems.push('dsseEnvelope must be an object (Sigil bundles carry a DSSE envelope)');
  else {
    if (typeof env['payload'] !== 'string')
      problems.push('dsseEnvelope.payload must be a base64 string');
    if (typeof env['payloadType'] !== 'string')
      problems.push('dsseEnvelope.payloadType must be a string');
    const sigs = env['signatures'];
    if (!Array.isArray(sigs) || sigs.length === 0)
      problems.push('dsseEnvelope.signatures must be a non-empty array');
    else
      sigs.forEach((s, i) => {
        if (!isRecord(s) || typeof s['sig'] !== 'string')
          problems.push(`dsseEnvelope.signatures[${i}].sig must be a base64 string`);
      });
  }
  if (problems.length > 0)
    throw new ValidationError(`${file} is not a valid Sigstore bundle`, problems, { file });
  const vmr = vm as Record<string, unknown>;
  const envr = env as Record<string, unknown>;
  return {
    mediaType,
    verificationMaterial: {
      publicKey: { hint: (vmr['publicKey'] as Record<string, string>)['hint']! },
      tlogEntries: (vmr['tlogEntries'] as TransparencyLogEntryJson[] | undefined) ?? [],
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: envr['payload'] as string,
      payloadType: envr['payloadType'] as string,
      signatures: (envr['signatures'] as Record<string, unknown>[]).map((s) => ({
        sig: s['sig'] as string,
        keyid: typeof s['keyid'] === 'string' ? s['keyid'] : '',
      })),
    },
  };
}
