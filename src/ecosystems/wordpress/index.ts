/**
 * The WordPress adapter: plugin and theme zips. WordPress publishes no
 * whole-zip digest (wordpress.org builds zips on the fly; its plugin-checksums
 * API lists per-file md5/sha256). Sigil's native digest for a WordPress zip is
 * hex SHA-256 of the file; WordPress core's own update signatures are Ed25519
 * over SHA-384 of the zip (verify_file_signature), a digest Sigil signs anew.
 */
import { hexDigest } from '../support/hash.js';
import { fromDescriptor } from '../support/from-descriptor.js';
import type { EcosystemAdapter } from '../adapter.js';
import { wordpressDescriptor } from './descriptor.js';
import { identifyWordpress } from './identify.js';

export const wordpressAdapter: EcosystemAdapter = {
  ...fromDescriptor(wordpressDescriptor),
  identify: identifyWordpress,
  digest: hexDigest('sha256'),
};
