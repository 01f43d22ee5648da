/**
 * The generic adapter: any file, named by flags (`--name`, `--version`),
 * purl `pkg:generic/<name>@<version>`. Its native digest is plain sha256 hex.
 */
import { hexDigest } from '../support/hash.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { genericDescriptor } from './descriptor.js';

export const genericAdapter: EcosystemAdapter = {
  ...fromDescriptor(genericDescriptor),
  async identify(artifact, options = {}) {
    const missing = [
      options.name === undefined ? '--name' : '',
      options.version === undefined ? '--version' : '',
    ].filter(Boolean);
    if (missing.length > 0) {
      throw new InputError(
        'GENERIC_NAME_REQUIRED',
        `${artifact.name} is a generic file: its name and version must be given (${missing.join(' and ')} missing)`,
        {
          file: artifact.name,
          hint: `add ${missing.map((m) => `${m} ${m === '--name' ? 'NAME' : 'VERSION'}`).join(' ')}`,
        },
      );
    }
    const name = options.name!;
    const version = options.version!;
    if (name.trim() === '' || version.trim() === '')
      throw new InputError('GENERIC_NAME_REQUIRED', '--name and --version must not be empty');
    return { type: 'generic', name, version, purl: makePurl('generic', undefined, name, version) };
  },
  digest: hexDigest('sha256'),
};
