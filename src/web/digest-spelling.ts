/**
 * digestSpellings: a release's digests as its ecosystem's own tools print them,
 * so a person can compare with a lockfile line (npm's SRI `integrity`, pip's
 * `--hash=sha256:`, Cargo.lock's `checksum`, go.sum's `h1:`), then the plain hex.
 */
export interface DigestSpelling {
  readonly label: string;
  readonly value: string;
}

export function digestSpellings(r: {
  type: string;
  sha256: string;
  sha512: string;
  native: Record<string, string>;
}): DigestSpelling[] {
  const out: DigestSpelling[] = [];
  const sri = `sha512-${Buffer.from(r.sha512, 'hex').toString('base64')}`;
  if (r.type === 'npm') out.push({ label: 'integrity (package-lock.json)', value: sri });
  if (r.type === 'pypi') out.push({ label: 'pip --hash', value: `sha256:${r.sha256}` });
  if (r.type === 'cargo') out.push({ label: 'checksum (Cargo.lock)', value: r.sha256 });
  for (const [k, v] of Object.entries(r.native)) {
    if (typeof v === 'string' && !out.some((o) => o.value === v))
      out.push({ label: `${k} (native)`, value: v });
  }
  out.push({ label: 'sha256', value: r.sha256 }, { label: 'sha512', value: r.sha512 });
  return out;
}
