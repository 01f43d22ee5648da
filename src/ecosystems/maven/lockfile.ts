/**
 * Gradle dependency verification metadata (gradle/verification-metadata.xml,
 * Gradle user guide "Verifying dependencies"):
 *   <verification-metadata><components><component group="g" name="a" version="v">
 *     <artifact name="a-v.jar"><sha256 value="…"/><sha512 value="…"/></artifact>…
 * Each artifact becomes one entry; its file name gives purl type/classifier
 * qualifiers. Only checksums are read (<pgp> key ids are not digests).
 */
import { xmlLib } from '../support/lazy-libs.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { decodeLockText, lockError } from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import type { LockfileEntry, LockfileReader, NativeDigest } from '../adapter.js';
import { gradleVerificationFormat } from './descriptor.js';

const ALGORITHMS = { md5: 32, sha1: 40, sha256: 64, sha512: 128 } as const;
const list = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function readGradleVerificationMetadata(file: string, bytes: Uint8Array): LockfileEntry[] {
  const bad = (field: string, message: string) => lockError(file, field, message);
  const text = decodeLockText(bytes, file);
  let doc: unknown;
  try {
    doc = new (xmlLib().XMLParser)({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      processEntities: false,
      removeNSPrefix: true,
      parseAttributeValue: false,
      parseTagValue: false,
    }).parse(text, true);
  } catch (e) {
    throw new InputError(
      'LOCKFILE_INVALID',
      `${file}: is not well-formed XML (${(e as Error).message.split('\n')[0]})`,
      { file },
    );
  }
  const root = isRecord(doc) ? doc['verification-metadata'] : undefined;
  if (!isRecord(root))
    throw bad('verification-metadata', 'missing root element <verification-metadata>');
  const components = root['components'];
  if (components === undefined || components === '') return [];
  if (!isRecord(components)) throw bad('components', 'must be an element');
  const out: LockfileEntry[] = [];
  list(components['component']).forEach((c, i) => {
    const field = `components.component[${i}]`;
    if (!isRecord(c)) throw bad(field, 'must be an element');
    const [g, a, v] = [c['@group'], c['@name'], c['@version']];
    if (typeof g !== 'string' || typeof a !== 'string' || typeof v !== 'string' || !g || !a || !v)
      throw bad(field, 'needs group, name and version attributes');
    list(c['artifact']).forEach((art, j) => {
      const afield = `${field}.artifact[${j}]`;
      if (!isRecord(art) || typeof art['@name'] !== 'string')
        throw bad(afield, 'needs a name attribute');
      const name = art['@name'];
      const digests: NativeDigest[] = [];
      for (const [alg, len] of Object.entries(ALGORITHMS)) {
        for (const d of list(art[alg])) {
          const value = isRecord(d) ? d['@value'] : undefined;
          if (typeof value !== 'string' || !new RegExp(`^[0-9a-f]{${len}}$`).test(value))
            throw bad(
              `${afield}.${alg}`,
              `value ${JSON.stringify(value ?? null)} is not ${len} lower-case hex digits`,
            );
          digests.push({ algorithm: alg, value });
          for (const also of list(d && isRecord(d) ? d['also-trust'] : undefined)) {
            const av = isRecord(also) ? also['@value'] : undefined;
            if (typeof av === 'string' && new RegExp(`^[0-9a-f]{${len}}$`).test(av))
              digests.push({ algorithm: alg, value: av });
          }
        }
      }
      const stem = `${a}-${v}`;
      const q: Record<string, string> = {};
      const m = name.startsWith(stem)
        ? /^(?:-([A-Za-z0-9_.-]+?))?\.([A-Za-z0-9]+)$/.exec(name.slice(stem.length))
        : null;
      if (m?.[1]) q['classifier'] = m[1];
      if (m && m[2] !== 'jar') q['type'] = m[2]!;
      out.push({
        purl: makePurl('maven', g, a, v, Object.keys(q).length > 0 ? q : undefined),
        digests,
      });
    });
  });
  return out;
}

export const gradleVerificationReader: LockfileReader = {
  ...gradleVerificationFormat,
  read: readGradleVerificationMetadata,
};
