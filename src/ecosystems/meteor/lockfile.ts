/**
 * A Meteor app's .meteor/versions: one "name@version" per line (the
 * constraint solver's resolved set, tools/project-context.js
 * PackageMapFile). It pins no digests.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { decodeLockText } from '../support/lockfile.js';
import type { LockfileEntry, LockfileReader } from '../adapter.js';
import { splitMeteorName } from './identify.js';
import { meteorVersionsFormat } from './descriptor.js';

export function readMeteorVersions(file: string, bytes: Uint8Array): LockfileEntry[] {
  const text = decodeLockText(bytes, file);
  const out: LockfileEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') return;
    const at = line.lastIndexOf('@');
    const split = at > 0 ? splitMeteorName(line.slice(0, at)) : undefined;
    const version = line.slice(at + 1);
    if (!split || !/^\d+\.\d+\.\d+[-+_0-9A-Za-z.]*$/.test(version)) {
      throw new InputError(
        'LOCKFILE_INVALID',
        `${file}:${i + 1}: ${JSON.stringify(line.slice(0, 80))} is not "name@version"`,
        { file, field: `line ${i + 1}` },
      );
    }
    out.push({ purl: makePurl('meteor', split.namespace, split.name, version), digests: [] });
  });
  return out;
}

export const meteorVersionsReader: LockfileReader = {
  ...meteorVersionsFormat,
  read: readMeteorVersions,
};
