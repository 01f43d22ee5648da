/**
 * What the three npm-world lockfile formats share: turning a package name,
 * a version and a resolution into a purl and a {@link LockfileSource}, and
 * reading npm's `integrity` (one or more SRI strings) into native digests.
 */
import { hexFromSri } from '../../core/digest.js';
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileSource, NativeDigest } from '../adapter.js';
import { lockError } from '../support/lockfile.js';
import { checkNpmName, splitNpmName } from './name.js';

/** npmPurl is pkg:npm/<name>@<version> (the scope percent-encoded as the purl spec says). */
export function npmPurl(name: string, version: string, file: string, field: string): string {
  const bad = checkNpmName(name);
  // Old packages may have uppercase names (npm accepted them once): allow those, refuse the rest.
  if (bad !== undefined && bad !== 'name has uppercase letters')
    throw lockError(file, field, `"${name}" is not an npm package name: ${bad}`);
  const { namespace, name: base } = splitNpmName(name);
  return makePurl('npm', namespace, base, version);
}

/**
 * integrityDigests reads an SRI `integrity` value ("sha512-… sha1-…") into
 * native digests: `sri-sha512` (npm's own algorithm name, as the npm
 * adapter's digest) and `sri-sha1`/`sri-sha256`/`sri-sha384` for the others.
 */
export function integrityDigests(integrity: string, file: string, field: string): NativeDigest[] {
  const out: NativeDigest[] = [];
  for (const part of integrity.trim().split(/\s+/)) {
    if (part === '') continue;
    // SRI allows "?options" after the hash; npm never writes them but tolerates them.
    const sri = part.replace(/\?.*$/, '');
    const parsed = hexFromSri(sri);
    if (!parsed)
      throw lockError(
        file,
        field,
        `"${part.slice(0, 40)}" is not a Subresource Integrity hash (expected "sha512-<base64>")`,
      );
    out.push({ algorithm: `sri-${parsed.algorithm}`, value: sri });
  }
  return out;
}

/** sourceOfSpec classifies a version or resolution string that is not a plain registry version. */
export function sourceOfSpec(spec: string | undefined): LockfileSource | undefined {
  if (spec === undefined) return undefined;
  if (
    /^(git\+|git:|github:|gitlab:|bitbucket:|gist:)/.test(spec) ||
    /^[^/@:\s]+\/[^/\s]+#/.test(spec) ||
    /^https?:\/\/codeload\.github\.com\//.test(spec)
  )
    return 'git';
  if (/^(file:|\.{0,2}\/)/.test(spec)) return 'file';
  if (/^link:/.test(spec)) return 'link';
  return undefined;
}

/**
 * isRegistryTarball tells a tarball URL of an npm registry
 * (`…/<name>/-/<base>-<version>.tgz`) from any other URL (a `remote` tarball).
 */
export function isRegistryTarball(url: string): boolean {
  return /^https?:\/\/[^#?]+\/-\/[^/#?]+\.tgz(?:[#?].*)?$/.test(url);
}

/** dedupe keeps one entry per (purl, digests, source): the same release installed at several paths is checked once. */
export function dedupe(entries: readonly LockfileEntry[]): LockfileEntry[] {
  const seen = new Set<string>();
  const out: LockfileEntry[] = [];
  for (const e of entries) {
    const key = `${e.purl}\u0000${e.source ?? 'registry'}\u0000${e.digests.map((d) => `${d.algorithm}=${d.value}`).join(',')}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(e);
  }
  return out;
}

/** splitNameAtVersion splits "name@version" (scoped names start with "@") at the last "@" that is not the first character. */
export function splitNameAtVersion(spec: string): { name: string; version: string } | undefined {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return undefined;
  return { name: spec.slice(0, at), version: spec.slice(at + 1) };
}
