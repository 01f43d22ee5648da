/**
 * Julia's Manifest.toml. Format 2 (`manifest_format = "2.0"`): `[[deps.<Name>]]`
 * tables; format 1: `[[<Name>]]` at the top level. Each entry has `uuid`, and
 * for registered packages `version` and `git-tree-sha1` (stdlibs have neither;
 * `path`/`repo-url` packages are tracked elsewhere).
 */
import { makePurl } from '../../core/purl.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import {
  isHex,
  lockError,
  needRecord,
  needString,
  optArray,
  optString,
  readTomlLock,
} from '../support/lockfile.js';

import { manifestTomlFormat } from './descriptor.js';

export const manifestTomlReader: LockfileReader = {
  ...manifestTomlFormat,
  read(file, bytes) {
    const doc = readTomlLock(bytes, file);
    const v2 = doc['manifest_format'] !== undefined;
    if (v2 && (typeof doc['manifest_format'] !== 'string' || !/^2\./.test(doc['manifest_format'])))
      throw lockError(
        file,
        'manifest_format',
        `is ${JSON.stringify(doc['manifest_format'])}; Sigil reads 1.0 and 2.x`,
      );
    const deps = v2
      ? doc['deps'] === undefined
        ? {}
        : needRecord(doc['deps'], file, 'deps')
      : Object.fromEntries(Object.entries(doc).filter(([, v]) => Array.isArray(v)));
    const out: LockfileEntry[] = [];
    for (const [name, list] of Object.entries(deps)) {
      optArray(list, file, v2 ? `deps.${name}` : name).forEach((d, i) => {
        const field = `${v2 ? 'deps.' : ''}${name}[${i}]`;
        const rec = needRecord(d, file, field);
        const uuid = needString(rec, 'uuid', file, field).toLowerCase();
        if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(uuid))
          throw lockError(file, `${field}.uuid`, `"${uuid}" is not a UUID`);
        const version = optString(rec, 'version', file, field);
        const tree = optString(rec, 'git-tree-sha1', file, field);
        if (tree !== undefined && !isHex(tree, 40))
          throw lockError(
            file,
            `${field}.git-tree-sha1`,
            `"${tree}" is not a 40-digit hex tree id`,
          );
        const repo = optString(rec, 'repo-url', file, field);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
          throw lockError(file, field, `"${name}" is not a Julia package name`);
        out.push({
          purl: makePurl('julia', undefined, name, version, { uuid }),
          digests: tree ? [{ algorithm: 'git-tree-sha1', value: tree.toLowerCase() }] : [],
          ...(repo ? { resolved: repo } : {}),
        });
      });
    }
    return out;
  },
};
