/**
 * Digests: one streaming pass computes every digest Sigil needs.
 *
 * Memory stays constant whatever the input size: chunks are fed to the hash
 * states and dropped. The caller brings the bytes (a file stream at the CLI
 * edge, a request body in the server), so this module does no I/O.
 */
import { createHash, type Hash } from 'node:crypto';

/** DigestAlgorithm names the hashes Sigil computes, by their in-toto DigestSet keys. */
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512' | 'sha1';

/** DigestSet maps an algorithm to its lowercase hex digest (in-toto DigestSet form). */
export type DigestSet = Partial<Record<DigestAlgorithm, string>>;

/** DEFAULT_ALGORITHMS are what a release statement carries. */
export const DEFAULT_ALGORITHMS: readonly DigestAlgorithm[] = ['sha256', 'sha512'];

/** MultiDigest feeds the same bytes to several hashes at once. */
export class MultiDigest {
  private readonly hashes: [DigestAlgorithm, Hash][];
  private bytes = 0;

  constructor(algorithms: readonly DigestAlgorithm[] = DEFAULT_ALGORITHMS) {
    this.hashes = [...new Set(algorithms)].map((a) => [a, createHash(a)]);
  }

  update(chunk: Uint8Array): this {
    for (const [, h] of this.hashes) h.update(chunk);
    this.bytes += chunk.length;
    return this;
  }

  /** size is the number of bytes seen so far. */
  get size(): number {
    return this.bytes;
  }

  /** digest finishes every hash; the MultiDigest cannot be used afterwards. */
  digest(): DigestSet {
    const out: DigestSet = {};
    for (const [a, h] of this.hashes) out[a] = h.digest('hex');
    return out;
  }
}

/** digestBytes hashes an in-memory buffer. */
export function digestBytes(
  data: Uint8Array,
  algorithms: readonly DigestAlgorithm[] = DEFAULT_ALGORITHMS,
): DigestSet {
  return new MultiDigest(algorithms).update(data).digest();
}

/** digestStream hashes any async stream of chunks in one pass, in constant memory. */
export async function digestStream(
  chunks: AsyncIterable<Uint8Array>,
  algorithms: readonly DigestAlgorithm[] = DEFAULT_ALGORITHMS,
): Promise<{ digests: DigestSet; size: number }> {
  const md = new MultiDigest(algorithms);
  for await (const chunk of chunks) md.update(chunk);
  return { size: md.size, digests: md.digest() };
}

/** sriFromHex turns a hex digest into a Subresource Integrity string ("sha512-<base64>"), npm's `integrity` form. */
export function sriFromHex(algorithm: 'sha256' | 'sha384' | 'sha512', hex: string): string {
  return `${algorithm}-${Buffer.from(hex, 'hex').toString('base64')}`;
}

/** hexFromSri parses "sha512-<base64>" back to hex; undefined when the string is not a single SRI of that shape. */
export function hexFromSri(sri: string): { algorithm: string; hex: string } | undefined {
  const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})$/.exec(sri.trim());
  if (!m) return undefined;
  return { algorithm: m[1]!, hex: Buffer.from(m[2]!, 'base64').toString('hex') };
}

/** shortHex abbreviates a digest or key id for people: first 4 and last 4 hex digits. */
export function shortHex(hex: string): string {
  return hex.length <= 12 ? hex : `${hex.slice(0, 4)}…${hex.slice(-4)}`;
}
