/**
 * Core metadata of a stored distribution: the wheel's `*.dist-info/METADATA`
 * (served as the PEP 658 `.metadata` file) and `Requires-Python`
 * (`data-requires-python`) from it or from an sdist's PKG-INFO.
 *
 * Read from the stored bytes (the ones the log names), never from the upload
 * form: the form is the uploader's claim, the archive is what pip installs.
 * Cached in-process by sha256 (bytes never change under a sha256).
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../../core/errors.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { openTar, openZip } from '../../../ecosystems/support/archive.js';
import { parseHeaderFields } from '../../../ecosystems/support/text.js';

export interface DistMetadata {
  /** METADATA bytes of a wheel (PEP 658); undefined for sdists. */
  readonly metadata?: Buffer;
  readonly metadataSha256?: string;
  readonly requiresPython?: string;
}

const memo = new Map<string, DistMetadata>();

/** distMetadata reads (once per sha256) what the simple index needs; a file it cannot read yields {} (still installable). */
export async function distMetadata(
  sha256: string,
  filename: string,
  bytes: () => Promise<Buffer | undefined>,
): Promise<DistMetadata> {
  const hit = memo.get(sha256);
  if (hit) return hit;
  const data = await bytes();
  if (!data) return {};
  let out: DistMetadata = {};
  try {
    const artifact = memoryArtifact(filename, data);
    let text: Buffer | undefined;
    let wheel = false;
    if (/\.whl$/i.test(filename)) {
      wheel = true;
      const zip = await openZip(artifact, {}, (e) => /^[^/]+\.dist-info\/METADATA$/.test(e.path));
      const entry = zip.entries.find((e) => /^[^/]+\.dist-info\/METADATA$/.test(e.path));
      text = entry ? zip.files.get(entry.path) : undefined;
    } else if (/\.zip$/i.test(filename)) {
      const zip = await openZip(artifact, {}, (e) => /^[^/]+\/PKG-INFO$/.test(e.path));
      const entry = zip.entries.find((e) => /^[^/]+\/PKG-INFO$/.test(e.path));
      text = entry ? zip.files.get(entry.path) : undefined;
    } else {
      const tar = await openTar(artifact, {}, (e) => /^[^/]+\/PKG-INFO$/.test(e.path));
      const entry = tar.entries.find((e) => /^[^/]+\/PKG-INFO$/.test(e.path));
      text = entry ? tar.files.get(entry.path) : undefined;
    }
    if (text) {
      const rp = parseHeaderFields(text.toString('utf8')).get('Requires-Python')?.[0]?.trim();
      out = {
        ...(wheel
          ? {
              metadata: Buffer.from(text),
              metadataSha256: createHash('sha256').update(text).digest('hex'),
            }
          : {}),
        ...(rp ? { requiresPython: rp } : {}),
      };
    }
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
  if (memo.size > 10_000) memo.clear();
  memo.set(sha256, out);
  return out;
}
