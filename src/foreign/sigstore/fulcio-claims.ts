/**
 * Fulcio certificate claims: the OIDC facts Fulcio copies into a signing certificate as X.509
 * extensions under 1.3.6.1.4.1.57264.1 (github.com/sigstore/fulcio docs/oid-info.md), read from
 * the extension list sigstore-js hands back with a verified signer (`identity.oids`).
 *
 * Extensions .1–.6 hold raw ASCII; .8 onwards hold a DER UTF8String. Only read after the
 * certificate chain verified: before that they are anybody's words.
 */

/** FULCIO_CLAIM: the OIDs Sigil reads, by what they mean. */
export const FULCIO_CLAIM = {
  issuer: '1.3.6.1.4.1.57264.1.8',
  buildSignerUri: '1.3.6.1.4.1.57264.1.9',
  sourceRepositoryUri: '1.3.6.1.4.1.57264.1.12',
  sourceRepositoryDigest: '1.3.6.1.4.1.57264.1.13',
  sourceRepositoryRef: '1.3.6.1.4.1.57264.1.14',
  buildConfigUri: '1.3.6.1.4.1.57264.1.18',
} as const;

const FULCIO_ARC = '1.3.6.1.4.1.57264.1.';

/** decodeClaim reads one extension value: a DER UTF8String (tag 0x0c) for v2 claims, raw ASCII for v1. */
function decodeClaim(oid: string, value: Uint8Array): string | undefined {
  const n = Number(oid.slice(FULCIO_ARC.length));
  if (n < 8) return Buffer.from(value).toString('ascii');
  if (value.length < 2 || value[0] !== 0x0c) return undefined;
  let len = value[1]!;
  let start = 2;
  if (len & 0x80) {
    const bytes = len & 0x7f;
    if (bytes < 1 || bytes > 2 || value.length < 2 + bytes) return undefined;
    len = 0;
    for (let i = 0; i < bytes; i++) len = (len << 8) | value[2 + i]!;
    start = 2 + bytes;
  }
  if (start + len !== value.length) return undefined; // trailing or missing bytes: not a claim
  return Buffer.from(value.subarray(start)).toString('utf8');
}

/** fulcioClaims maps each Fulcio claim extension of a verified signer to its text (dotted OID → value). */
export function fulcioClaims(
  oids: readonly { oid?: { id?: readonly number[] }; value?: Uint8Array }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of oids ?? []) {
    const oid = e.oid?.id?.join('.');
    if (!oid?.startsWith(FULCIO_ARC) || !e.value) continue;
    const text = decodeClaim(oid, e.value);
    if (text !== undefined) out[oid] = text;
  }
  return out;
}
