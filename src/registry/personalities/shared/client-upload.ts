/**
 * publishClientUpload: an upload from an ecosystem's own client (twine, `cargo publish`,
 * `gem push`) through the one publish pipeline, with the caller's per-namespace authorization
 * and first-publish claims (publishClaims), and the two refusals such a user meets most —
 * the version is taken, the package needs author signatures the client cannot make — said in
 * that client's terms.
 */
import type { FastifyRequest } from 'fastify';
import { withPublishClaims, type AuthGuard } from '../../auth/http.js';
import type { AuthService } from '../../auth/service.js';
import { RegistryError } from '../../errors.js';
import {
  publishRelease,
  type PublishOutcome,
  type PublishRequest,
  type RegistryContext,
} from '../../publish.js';

export interface ClientUploadTerms {
  /** VERSION_EXISTS (409): the message, the hint, and the code the client knows (default VERSION_EXISTS). */
  readonly versionExists: {
    readonly message: string;
    readonly hint: string;
    readonly code?: string;
  };
  /** AUTHOR_SIGNATURE_REQUIRED (403): the message and the hint (how to sign and upload instead). */
  readonly signatureRequired: { readonly message: string; readonly hint: string };
}

export async function publishClientUpload(
  ctx: RegistryContext,
  auth: { readonly guard: AuthGuard; readonly service: AuthService } | undefined,
  req: FastifyRequest,
  upload: Omit<PublishRequest, 'account' | 'authorize'>,
  terms: ClientUploadTerms,
): Promise<PublishOutcome> {
  try {
    return await withPublishClaims(auth, req, (authorize) =>
      publishRelease(ctx, {
        ...upload,
        ...(req.sigilAuth ? { account: req.sigilAuth.principal.account } : {}),
        ...(authorize ? { authorize } : {}),
      }),
    );
  } catch (e) {
    if (e instanceof RegistryError && e.code === 'VERSION_EXISTS')
      throw new RegistryError(
        409,
        terms.versionExists.code ?? e.code,
        terms.versionExists.message,
        terms.versionExists.hint,
      );
    if (e instanceof RegistryError && e.code === 'AUTHOR_SIGNATURE_REQUIRED')
      throw new RegistryError(
        403,
        e.code,
        terms.signatureRequired.message,
        terms.signatureRequired.hint,
      );
    throw e;
  }
}
