/**
 * Shape rules of a Sigstore trusted root (protobuf-specs
 * `sigstore_trustroot.proto`) that sigstore-js 3.1 does not enforce.
 *
 * `TransparencyLogInstance.public_key.valid_for` and
 * `CertificateAuthority.valid_for` are `TimeRange`s whose `start` is
 * REQUIRED; only `end` may be left open. sigstore-js substitutes "the
 * beginning of time" for a missing start, which trusts a key for signatures
 * made before it was ever granted (sigstore-conformance case
 * `trust-root-tlog-missing-validity-start_fail`).
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasStart(validFor: unknown): boolean {
  return isRecord(validFor) && typeof validFor['start'] === 'string' && validFor['start'] !== '';
}

/**
 * missingValidityStarts lists, as JSON paths (`tlogs[0].publicKey.validFor`),
 * every key or authority of a trusted root (untrusted JSON) without a validity
 * start. An empty list means the rule holds.
 */
export function missingValidityStarts(root: unknown): string[] {
  if (!isRecord(root)) return [];
  const missing: string[] = [];
  for (const list of ['tlogs', 'ctlogs'] as const) {
    const items = root[list];
    if (!Array.isArray(items)) continue;
    items.forEach((t, i) => {
      if (
        !hasStart(isRecord(t) && isRecord(t['publicKey']) ? t['publicKey']['validFor'] : undefined)
      )
        missing.push(`${list}[${i}].publicKey.validFor`);
    });
  }
  for (const list of ['certificateAuthorities', 'timestampAuthorities'] as const) {
    const items = root[list];
    if (!Array.isArray(items)) continue;
    items.forEach((a, i) => {
      if (!hasStart(isRecord(a) ? a['validFor'] : undefined))
        missing.push(`${list}[${i}].validFor`);
    });
  }
  return missing;
}
