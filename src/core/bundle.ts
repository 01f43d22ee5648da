/**
 * Sigstore bundle v0.3 JSON (sigstore/protobuf-specs, protos/sigstore_bundle.proto),
 * the file Sigil writes next to a signed artifact (`<artifact>.sigstore.json`).
 *
 * A key-signed Sigil bundle names its key by `verificationMaterial.publicKey.hint`
 * (the hex key id) and carries the release statement in `dsseEnvelope`. The
 * JSON follows the protobuf JSON mapping, so sigstore-js, cosign and
 * sigstore-python read it as they read their own.
 *
 * The one place bundle JSON is read. {@link readBundleDocument} decodes the
 * JSON and the media type for every bundle, Sigil's or not;
 * {@link parseBundle} then reads Sigil's key-signed DSSE bundles here, pure
 * and dependency-free (core stays light: `sigil verify` of a Sigil bundle
 * loads no Sigstore code), gathering every bad field. Other Sigstore bundles
 * (certificates, message signatures) take the document on to
 * `@sigstore/bundle` in src/foreign/sigstore, whose job their full protobuf
 * shape is. {@link bundleKind} tells the two apart.
 */
import { ValidationError } from './errors.js';
import type { DsseEnvelope } from './dsse.js';
import { RELEASE_PREDICATE_TYPE } from './statement.js';

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

/**
 * ParsedJson wraps a bundle that arrived already parsed (inside a JSON record): it is judged
 * exactly as its bytes would be, without writing it out and parsing it again.
 */
export interface ParsedJson {
  readonly parsedJson: unknown;
}

const isParsedJson = (v: unknown): v is ParsedJson =>
  typeof v === 'object' && v !== null && !(v instanceof Uint8Array) && 'parsedJson' in v;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * readBundleDocument reads untrusted bundle bytes as far as every bundle
 * shares: JSON, an object, a known Sigstore media type. Throws
 * ValidationError with code BUNDLE_NOT_JSON, BUNDLE_MEDIA_TYPE (usually "the
 * wrong file") or INVALID_DOCUMENT.
 */
export function readBundleDocument(
  bytes: Uint8Array | string | ParsedJson,
  file = 'bundle',
): Record<string, unknown> & { mediaType: string } {
  let doc: unknown;
  if (isParsedJson(bytes)) doc = bytes.parsedJson;
  else {
    const text = typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('utf8');
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
  return doc as Record<string, unknown> & { mediaType: string };
}

/**
 * bundleKind reads just enough of a bundle to route it, never throwing: a
 * Sigil release (key-signed DSSE over an in-toto release statement) is
 * 'sigil'; any other key-signed bundle (message signature, or DSSE over
 * another statement: cosign/sigstore "managed key" bundles) is 'key'; a
 * keyless one is 'certificate'; anything unreadable is 'unknown' (the Sigil
 * verifier then reports it with the file and the cause).
 */
export function bundleKind(text: string): 'sigil' | 'key' | 'certificate' | 'unknown' {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return 'unknown';
  }
  if (!isRecord(doc)) return 'unknown';
  const vm = isRecord(doc['verificationMaterial']) ? doc['verificationMaterial'] : {};
  if (vm['certificate'] !== undefined || vm['x509CertificateChain'] !== undefined)
    return 'certificate';
  if (vm['publicKey'] === undefined) return 'unknown';
  const env = doc['dsseEnvelope'];
  const payload = isRecord(env) ? env['payload'] : undefined;
  if (typeof payload !== 'string') return env === undefined ? 'key' : 'sigil';
  try {
    const statement = JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as {
      predicateType?: unknown;
    };
    return statement.predicateType === RELEASE_PREDICATE_TYPE ? 'sigil' : 'key'; // null throws: 'sigil' reports it
  } catch {
    return 'sigil';
  }
}

/**
 * parseBundle reads untrusted bytes as a Sigil bundle. It gathers every bad
 * field and throws one ValidationError naming the file and the fields; an
 * unknown media type gets its own code (BUNDLE_MEDIA_TYPE) because it usually
 * means "wrong file".
 */
export function parseBundle(bytes: Uint8Array | string | ParsedJson, file = 'bundle'): SigilBundle {
  const doc = readBundleDocument(bytes, file);
  const mediaType = doc.mediaType;
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
