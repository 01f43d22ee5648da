/**
 * The Maven 2 repository layout under /maven2 (docs/maven.md): GET (and HEAD) of artifacts,
 * checksum sidecars, .asc, .sigstore.json and maven-metadata.xml; PUT as `mvn deploy`
 * sends it (Bearer token, e.g. from settings.xml <httpHeaders>), fed into the one publish pipeline.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { withPublishClaims, sendAuthError, toAuthError, type AuthGuard } from '../../auth/http.js';
import type { AuthService } from '../../auth/service.js';
import { RegistryError } from '../../errors.js';
import type { RegistryContext } from '../../publish.js';
import { deploy } from './deploy.js';
import type { MavenRepository } from './repository.js';
import { MavenProxy } from '../../observed/maven-proxy.js';
import { acceptRawBody } from '../../raw-body.js';

export interface MavenRoutesOptions {
  readonly repo: MavenRepository;
  readonly ctx: RegistryContext;
  readonly maxArtifactBytes: number;
  readonly auth?: { readonly guard: AuthGuard; readonly service: AuthService };
  /** The verifying proxy's Maven side, when `--upstream maven=…` is configured (docs/proxy.md). */
  readonly proxy?: MavenProxy;
}

const errorBody = (code: string, message: string, hint?: string) => ({
  error: { code, message, ...(hint ? { hint } : {}) },
});

export async function mavenRoutes(app: FastifyInstance, opts: MavenRoutesOptions): Promise<void> {
  const { repo, auth } = opts;
  app.get<{ Params: { '*': string } }>('/*', async (req, reply) => {
    const path = req.params['*'];
    const proxy = opts.proxy;
    if (proxy && MavenProxy.metadataOf(path)) {
      // An upstream artifact's maven-metadata.xml is the upstream's (hosted ones stay Sigil's).
      const bytes = await proxy.metadata(path);
      if (bytes)
        return reply.type(path.endsWith('.xml') ? 'application/xml' : 'text/plain').send(bytes);
    }
    let f = await repo.file(path);
    // Through the proxy: an upstream artifact is fetched, checked and logged on first sight;
    // one logged before is compared with what the upstream says of it now.
    if (!f && proxy && (await proxy.observeFor(path))) f = await repo.file(path);
    else if (f && proxy) await proxy.checkUpstream(path);
    if (!f)
      return reply.code(404).send(errorBody('NOT_FOUND', `${path} is not in this repository`));
    reply.type(f.contentType).header('cache-control', 'no-cache');
    if (f.row) reply.header('etag', `"${f.row.sha256}"`);
    return reply.send(f.bytes); // fastify answers HEAD from this GET route
  });

  acceptRawBody(app, '*', opts.maxArtifactBytes);
  app.setErrorHandler(
    (
      err: Error & { statusCode?: number; code?: string },
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      if (err instanceof RegistryError)
        return reply.code(err.status).send(errorBody(err.code, err.message, err.hint));
      const authErr = auth ? toAuthError(err, req) : undefined;
      if (authErr) return sendAuthError(reply, authErr);
      if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
        return reply
          .code(413)
          .send(
            errorBody(
              'UPLOAD_TOO_LARGE',
              `the upload is larger than this registry's limit of ${opts.maxArtifactBytes} bytes`,
            ),
          );
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
        return reply.code(err.statusCode).send(errorBody('BAD_REQUEST', err.message));
      app.log.error(err);
      return reply
        .code(500)
        .send(
          errorBody('INTERNAL', 'the registry failed to handle this request', 'see the server log'),
        );
    },
  );
  app.put<{ Params: { '*': string } }>(
    '/*',
    { ...(auth ? { onRequest: auth.guard.requireAuth({ action: 'publish' }) } : {}) },
    async (req, reply) => {
      const body = Buffer.isBuffer(req.body)
        ? req.body
        : Buffer.from(typeof req.body === 'string' ? req.body : '');
      const account = req.sigilAuth?.principal.account;
      const out = await withPublishClaims(auth, req, (authorize) =>
        deploy(opts.ctx, repo, {
          path: req.params['*'],
          body,
          ...(account ? { account } : {}),
          ...(authorize ? { authorize } : {}),
        }),
      );
      return reply.code(out.status).send(out.body);
    },
  );
}
