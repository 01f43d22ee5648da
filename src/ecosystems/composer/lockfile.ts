/**
 * composer.lock (JSON): `packages[]` and `packages-dev[]`, each with `name`,
 * `version`, `dist {type, url, reference, shasum}`. `shasum` (hex SHA-1 of the
 * dist file) is optional and usually empty for Packagist's GitHub zipballs;
 * the top-level `content-hash` is the md5 of composer.json, not of any dependency.
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader, NativeDigest } from '../adapter.js';
import {
  isHex,
  lockError,
  needRecord,
  needString,
  optArray,
  optString,
  readJsonLock,
} from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import { composerLockFormat } from './descriptor.js';

export const composerLockReader: LockfileReader = {
  ...composerLockFormat,
  read(file, bytes) {
    const doc = readJsonLock(bytes, file);
    const out: LockfileEntry[] = [];
    for (const section of ['packages', 'packages-dev']) {
      optArray(doc[section], file, section).forEach((p, i) => {
        const field = `${section}[${i}]`;
        const pkg = needRecord(p, file, field);
        const name = needString(pkg, 'name', file, field);
        const version = needString(pkg, 'version', file, field);
        const parts = name.split('/');
        if (parts.length !== 2 || !parts[0] || !parts[1])
          throw lockError(file, `${field}.name`, `"${name}" is not "vendor/package"`);
        const digests: NativeDigest[] = [];
        let resolved: string | undefined;
        if (pkg['dist'] !== undefined && pkg['dist'] !== null) {
          const dist = needRecord(pkg['dist'], file, `${field}.dist`);
          const shasum = optString(dist, 'shasum', file, `${field}.dist`);
          if (shasum) {
            if (!isHex(shasum, 40))
              throw lockError(file, `${field}.dist.shasum`, `"${shasum}" is not a sha1 hex digest`);
            digests.push({ algorithm: 'sha1', value: shasum.toLowerCase() });
          }
          resolved = optString(dist, 'url', file, `${field}.dist`);
        } else if (isRecord(pkg['source'])) {
          resolved = optString(pkg['source'], 'url', file, `${field}.source`);
        }
        out.push({
          purl: makePurl('composer', parts[0], parts[1], version),
          digests,
          ...(resolved ? { resolved } : {}),
        });
      });
    }
    return out;
  },
};
