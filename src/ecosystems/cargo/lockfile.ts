/**
 * Cargo.lock (TOML). Version 3/4: `[[package]] name, version, source,
 * checksum = "<sha256 hex>"`. Version 1 kept checksums in
 * `[metadata] "checksum <name> <version> (<source>)" = "<hex>"`.
 * Path and git dependencies carry no checksum. Packages with no `source` (the project's own
 * workspace members and path dependencies) were fetched from nowhere: they are not
 * dependencies to verify, and are left out (a proxy's fail-closed default would otherwise
 * fail the project itself as "no record").
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileReader, NativeDigest } from '../adapter.js';
import {
  isHex,
  lockError,
  needRecord,
  needString,
  optArray,
  optString,
  readTomlLock,
} from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import { cargoLockFormat } from './descriptor.js';

export const cargoLockReader: LockfileReader = {
  ...cargoLockFormat,
  read(file, bytes) {
    const doc = readTomlLock(bytes, file);
    const legacy = new Map<string, string>();
    if (isRecord(doc['metadata'])) {
      for (const [k, v] of Object.entries(doc['metadata'])) {
        const m = /^checksum (\S+) (\S+) \((.+)\)$/.exec(k);
        if (m && typeof v === 'string' && v !== '<none>') legacy.set(`${m[1]} ${m[2]}`, v);
      }
    }
    const packages = optArray(doc['package'], file, 'package');
    return packages.flatMap((p, i) => {
      const field = `package[${i}]`;
      const pkg = needRecord(p, file, field);
      const name = needString(pkg, 'name', file, field);
      const version = needString(pkg, 'version', file, field);
      const checksum = optString(pkg, 'checksum', file, field) ?? legacy.get(`${name} ${version}`);
      const digests: NativeDigest[] = [];
      if (checksum !== undefined) {
        if (!isHex(checksum, 64))
          throw lockError(file, `${field}.checksum`, `"${checksum}" is not a sha256 hex digest`);
        digests.push({ algorithm: 'sha256', value: checksum.toLowerCase() });
      }
      const source = optString(pkg, 'source', file, field);
      if (!source) return [];
      return [{ purl: makePurl('cargo', undefined, name, version), digests, resolved: source }];
    });
  },
};
