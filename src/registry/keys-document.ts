/**
 * The registry's published keys: `/.well-known/sigil/keys.json` (registry
 * key, log key, OpenPGP key, ledger URL, observed ecosystems) and the same
 * registry key in npm's shape for `/-/npm/v1/keys` (npm audit signatures).
 */
import { npmKeyId } from '../core/keys.js';
import type { RegistryContext } from './publish.js';

export interface KeysDocumentOptions {
  readonly openpgp?: { readonly fingerprint: string; readonly armored: string };
  readonly observes?: readonly string[];
  readonly ledger: boolean;
}

/** sigilKeysDocument is the body of /.well-known/sigil/keys.json. */
export function sigilKeysDocument(
  ctx: RegistryContext,
  opts: KeysDocumentOptions,
): Record<string, unknown> {
  return {
    keys: [
      {
        keyid: ctx.registryKey.publicKey.keyId,
        npmKeyId: npmKeyId(ctx.registryKey.publicKey.keyId),
        algorithm: ctx.registryKey.algorithm,
        pem: String(ctx.registryKey.publicKey.key.export({ type: 'spki', format: 'pem' })),
        use: 'registry',
      },
    ],
    log: { origin: ctx.log.origin, vkey: ctx.log.verifierKey, url: `${ctx.baseUrl}/log` },
    ...(opts.observes && opts.observes.length > 0 ? { observes: opts.observes } : {}),
    ...(opts.openpgp
      ? {
          openpgp: {
            fingerprint: opts.openpgp.fingerprint,
            armored: opts.openpgp.armored,
            use: 'repository (apt InRelease)',
            url: `${ctx.baseUrl}/debian/sigil-archive-keyring.asc`,
          },
        }
      : {}),
    ...(opts.ledger ? { ledger: { url: `${ctx.baseUrl}/api/v1/ledger` } } : {}),
  };
}

/** npmKeysDocument is the body of /-/npm/v1/keys. */
export function npmKeysDocument(ctx: RegistryContext): Record<string, unknown> {
  return {
    keys: [
      {
        expires: null,
        keyid: npmKeyId(ctx.registryKey.publicKey.keyId),
        keytype: 'ecdsa-sha2-nistp256',
        scheme: 'ecdsa-sha2-nistp256',
        key: ctx.registryKey.publicKey.key
          .export({ type: 'spki', format: 'der' })
          .toString('base64'),
      },
    ],
  };
}
