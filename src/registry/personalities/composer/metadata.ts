/**
 * Composer v2 repository metadata (getcomposer.org/doc/05-repositories.md
 * "packages.json", "metadata-url"), built from release rows and each dist's
 * own composer.json (the bytes the log names, never a publisher's separate
 * claim). Pure, apart from the cached composer.json reader.
 *
 * Per version: the dist's composer.json fields Composer resolves and
 * installs with (require, autoload, type, …), plus
 *   name, version,
 *   dist: {type: "zip", url, reference: <sha256>, shasum: <sha1 hex>}
 * `shasum` is the sha1 in the release's native digest: Composer's
 * FileDownloader compares the downloaded file's sha1 with it and fails
 * ("The checksum verification of the file failed"), and composer.lock keeps it.
 */
import { InputError } from '../../../core/errors.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { openZip, topDirectory } from '../../../ecosystems/support/archive.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';

/** Fields of a dist's composer.json that the repository passes on (the package's own words). */
const PASSED_ON = [
  'description',
  'keywords',
  'homepage',
  'license',
  'authors',
  'type',
  'require',
  'require-dev',
  'conflict',
  'replace',
  'provide',
  'suggest',
  'autoload',
  'autoload-dev',
  'bin',
  'extra',
  'include-path',
  'target-dir',
  'support',
  'funding',
  'minimum-stability',
] as const;

export interface ComposerVersionInput {
  readonly row: ReleaseRow;
  readonly manifest: Record<string, unknown>;
  readonly distUrl: string;
}

export function versionEntry(name: string, v: ComposerVersionInput): Record<string, unknown> {
  const native = JSON.parse(v.row.native) as Record<string, string>;
  const out: Record<string, unknown> = {};
  for (const k of PASSED_ON) if (v.manifest[k] !== undefined) out[k] = v.manifest[k];
  return {
    ...out,
    name,
    version: v.row.version,
    time: v.row.publishedAt,
    dist: { type: 'zip', url: v.distUrl, reference: v.row.sha256, shasum: native['sha1'] ?? '' },
  };
}

/** p2Document is `/p2/<vendor>/<name>.json` (not minified: each version is complete). */
export function p2Document(
  name: string,
  versions: readonly ComposerVersionInput[],
): Record<string, unknown> {
  return { packages: { [name]: versions.map((v) => versionEntry(name, v)) } };
}

const memo = new Map<string, Record<string, unknown>>();

/** distManifest reads the composer.json of a stored dist zip (once per sha256); {} when unreadable. */
export async function distManifest(
  sha256: string,
  filename: string,
  bytes: () => Promise<Buffer | undefined>,
): Promise<Record<string, unknown>> {
  const hit = memo.get(sha256);
  if (hit) return hit;
  const data = await bytes();
  if (!data) return {};
  let manifest: Record<string, unknown> = {};
  try {
    const zip = await openZip(memoryArtifact(filename, data), {}, (e) =>
      /^([^/]+\/)?composer\.json$/.test(e.path),
    );
    const top = topDirectory(zip.entries.map((e) => e.path));
    const raw =
      zip.files.get('composer.json') ??
      (top !== undefined ? zip.files.get(`${top}/composer.json`) : undefined);
    if (raw) {
      const parsed: unknown = JSON.parse(Buffer.from(raw).toString('utf8'));
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        manifest = parsed as Record<string, unknown>;
    }
  } catch (e) {
    if (!(e instanceof InputError) && !(e instanceof SyntaxError)) throw e;
  }
  if (memo.size > 10_000) memo.clear();
  memo.set(sha256, manifest);
  return manifest;
}
