/**
 * go.sum: one line per hash, `<module> <version>[/go.mod] h1:<base64>`.
 * Lines of one module version merge into one entry: algorithm "h1" for the
 * zip, "h1-go.mod" for the go.mod (most go.sum lines are go.mod-only).
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader, NativeDigest } from '../adapter.js';
import { decodeLockText, lockError } from '../support/lockfile.js';
import { splitModulePath } from './identify.js';
import { goSumFormat } from './descriptor.js';

export const goSumReader: LockfileReader = {
  ...goSumFormat,
  read(file, bytes) {
    const text = decodeLockText(bytes, file);
    const byKey = new Map<string, { purl: string; digests: NativeDigest[] }>();
    text.split('\n').forEach((raw, i) => {
      const line = raw.trim();
      if (line === '') return;
      const field = `line ${i + 1}`;
      const parts = line.split(/\s+/);
      if (parts.length !== 3)
        throw lockError(file, field, 'expected "<module> <version>[/go.mod] <hash>"');
      const [mod, ver, hash] = parts as [string, string, string];
      const goModOnly = ver.endsWith('/go.mod');
      const version = goModOnly ? ver.slice(0, -'/go.mod'.length) : ver;
      if (!/^v\d+\.\d+\.\d+\S*$/.test(version))
        throw lockError(file, field, `"${version}" is not a module version`);
      if (!/^[^\s@]+$/.test(mod)) throw lockError(file, field, `"${mod}" is not a module path`);
      const m = /^(h\d+):([A-Za-z0-9+/]+=*)$/.exec(hash);
      if (!m) throw lockError(file, field, `"${hash}" is not an "h1:<base64>" hash`);
      const key = `${mod}@${version}`;
      let entry = byKey.get(key);
      if (!entry) {
        const { namespace, name } = splitModulePath(mod);
        entry = { purl: makePurl('golang', namespace, name, version), digests: [] };
        byKey.set(key, entry);
      }
      entry.digests.push({ algorithm: goModOnly ? `${m[1]}-go.mod` : m[1]!, value: hash });
    });
    return [...byKey.values()] satisfies LockfileEntry[];
  },
};
