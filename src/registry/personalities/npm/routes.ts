/**
 * npmRoutes: the npm registry personality of `sigil serve`, at the server's
 * ROOT (so `npm --registry http://host:port/` works as with any self-hosted
 * npm registry). Registered last-resort: it owns the wildcard `/*`, and
 * fastify prefers static and longer-prefix routes, so `/api/v1/…`, `/log/…`
 * and `/-/npm/v1/keys` (routes.ts) keep answering.
 *
 *   GET    /<name>                           packument (full, or abbreviated for
 *                                            Accept: application/vnd.npm.install-v1+json)
 *   GET    /<name>/<version|tag>             one version manifest
 *   GET    /<name>/-/<bare>-<v>.tgz          tarball
 *   GET    /<name>/-/<bare>-<v>.tgz.sigstore.json   the author's bundle (404 when unsigned)
 *   PUT    /<name>                           `npm publish` (publish-body.ts)
 *   GET    /-/package/<name>/dist-tags       dist-tags
 *   PUT    /-/package/<name>/dist-tags/<tag> `npm dist-tag add` (body: "<version>")
 *   DELETE /-/package/<name>/dist-tags/<tag> `npm dist-tag rm`
 *   GET    /-/ping                           `npm ping`
 *   DELETE /<name>/…                         405: versions are immutable (no `npm unpublish`)
 *
 * Each route has one named handler; bodies are checked against a JSON schema
 * first (route-schema.ts), then parsed strictly (publish-body.ts) and handed
 * to the publish service (publish.ts).
 *
 * Errors are answered in npm's shape, `{"error": "<message> (hint: …)", "code", "hint"}`:
 * npm prints `body.error` after the status line, so the hint reaches the user.
 * Packuments carry no cache headers: npm revalidates them on every run, so a
 * new version (or a changed key) is seen at once. Tarballs are immutable.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../../core/errors.js';
import { makePurl, purlWithoutVersion } from '../../../core/purl.js';
import { AuthError } from '../../auth/errors.js';
import { withPublishClaims, toAuthError, type AuthGuard } from '../../auth/http.js';
import type { AuthService } from '../../auth/service.js';
import { RegistryError } from '../../errors.js';
import { isStorageFull } from '../../../store/storage-full.js';
import { isUnavailable, UNAVAILABLE_RETRY_SECONDS } from '../../../store/scale/unavailable.js';
import type { RegistryContext } from '../../publish.js';
import { refuseInvalid, schemaCompiler } from '../../route-schema.js';
import { IMMUTABLE } from '../shared/client-routes.js';
import { artifactOf } from '../shared/stored-bytes.js';
import { npmTarballFacts } from './facts.js';
import { buildPackuments, distTagsFor, type PackumentVersion } from './packument.js';
import { parseNpmName, parseNpmPath } from './paths.js';
import { parseNpmPublishBody } from './publish-body.js';
import { publishNpmPackage } from './publish.js';
import type { NpmProxy } from '../../observed/npm-proxy.js';
import type { ObserveService } from '../../observed/observe.js';
import { UpstreamError } from '../../upstream/http.js';

export interface NpmRoutesOptions {
  readonly ctx: RegistryContext;
  /** Largest tarball accepted, in bytes (the PUT body is base64: about 4/3 of it). */
  readonly maxTarballBytes: number;
  /** Accounts and tokens; without it, writes are open (tests, private use). */
  readonly auth?: { readonly guard: AuthGuard; readonly service: AuthService };
  /** The verifying proxy (`--upstream npm=…`): names not hosted here come from the upstream, logged on first fetch. */
  readonly proxy?: { readonly npm: NpmProxy; readonly observe: ObserveService };
}

const CORGI = 'application/vnd.npm.install-v1+json';

/** npmError renders a refusal the way npm displays it (`body.error` is printed verbatim). */
function sendNpmError(
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  hint?: string,
  headers: Readonly<Record<string, string>> = {},
  detail?: Record<string, unknown>,
): FastifyReply {
  for (const [k, v] of Object.entries(headers)) reply.header(k, v);
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({
      error: hint ? `${message} (hint: ${hint})` : message,
      code,
      ...(hint ? { hint } : {}),
      ...(detail ? { detail } : {}),
    });
}

/** The body `npm publish` sends is a JSON object; publish-body.ts checks the rest, all problems at once. */
const PUBLISH_BODY = {
  type: 'object',
  description: 'a JSON object (what `npm publish` sends)',
} as const;
/** `npm dist-tag add` sends the version as a JSON string. */
const DIST_TAG_BODY = { type: 'string', description: 'a version as a JSON string' } as const;

const notFound = (what = 'Not found') => new RegistryError(404, 'NOT_FOUND', what);

export async function npmRoutes(app: FastifyInstance, opts: NpmRoutesOptions): Promise<void> {
  const { ctx, auth } = opts;
  const { storage } = ctx;
  const bodyLimit = Math.ceil(opts.maxTarballBytes / 3) * 4 + 1024 * 1024;
  app.setValidatorCompiler(schemaCompiler);

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const a = toAuthError(err, req);
    if (a) return sendNpmError(reply, a.status, a.code, a.message, a.hint, a.headers, a.detail);
    if (err instanceof RegistryError) {
      const retry = err.detail?.['retryAfterSeconds'];
      return sendNpmError(
        reply,
        err.status,
        err.code,
        err.message,
        err.hint,
        typeof retry === 'number' ? { 'retry-after': String(retry) } : {},
        err.detail,
      );
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return sendNpmError(reply, err.statusCode, 'BAD_REQUEST', err.message);
    if (err instanceof InputError) return sendNpmError(reply, 400, err.code, err.message, err.hint);
    if (isUnavailable(err))
      // PostgreSQL or the object store out of reach (replicas): pushback, not a full disk.
      return sendNpmError(
        reply,
        503,
        'STORAGE_UNAVAILABLE',
        (err as Error).message,
        `retry after ${UNAVAILABLE_RETRY_SECONDS} s`,
        { 'retry-after': String(UNAVAILABLE_RETRY_SECONDS) },
      );
    req.log.error(err);
    if (isStorageFull(err))
      return sendNpmError(
        reply,
        507,
        'STORAGE_FULL',
        "the registry's storage is full: nothing was stored",
        'retry later; the operator must free disk space',
        { 'retry-after': '30' },
      );
    return sendNpmError(
      reply,
      500,
      'INTERNAL',
      'the registry failed to handle this request',
      'see the server log',
    );
  });

  const baseUrl = (req: FastifyRequest) =>
    ctx.baseUrl || `${req.protocol}://${req.headers.host ?? 'localhost'}`;

  /** Writes: a valid token before the (possibly large) body is read; the namespace is checked once known. */
  const writeHook = auth
    ? {
        onRequest: async (req: FastifyRequest, reply: FastifyReply) => {
          try {
            await auth.guard.check(req, 'publish');
          } catch (e) {
            if (e instanceof AuthError)
              return sendNpmError(reply, e.status, e.code, e.message, e.hint, e.headers, e.detail);
            throw e;
          }
          return undefined;
        },
      }
    : {};
  const authorize = async (req: FastifyRequest, namespace: string, action: 'publish' | 'keys') => {
    if (auth) await auth.guard.authorizeNamespace(req, namespace, action);
  };

  async function versionsOf(name: string): Promise<PackumentVersion[]> {
    const p = parseNpmName(name)!;
    const out: PackumentVersion[] = [];
    for (const row of await storage.releases.versions('npm', p.namespace, p.bare)) {
      const facts = await npmTarballFacts(storage, row);
      if (facts) out.push({ row, facts });
    }
    return out;
  }

  // ---- reads ------------------------------------------------------------

  /** getDocument answers a packument, a version manifest, a tarball or an author's bundle. */
  async function getDocument(req: FastifyRequest, reply: FastifyReply) {
    const target = parseNpmPath(req.url);
    if (!target) throw notFound();
    const p = parseNpmName(target.name)!;
    if (target.kind === 'tarball' || target.kind === 'bundle') {
      const purl = makePurl('npm', p.namespace || undefined, p.bare, target.version);
      const row =
        opts.proxy && target.kind === 'tarball'
          ? await opts.proxy.observe.observe(purl)
          : await storage.releases.get(purl);
      if (!row)
        throw notFound(`${target.name}@${target.version} is not published on this registry`);
      if (target.kind === 'bundle') {
        if (!row.authorBundle)
          throw notFound(`${target.name}@${target.version} was not signed by its author`);
        return reply.type('application/json').send(row.authorBundle);
      }
      return reply
        .header('cache-control', IMMUTABLE)
        .type('application/octet-stream')
        .send(await artifactOf(storage.blobs, row, 'tarball'));
    }
    let docs: { full: Record<string, unknown>; abbreviated: Record<string, unknown> } | undefined;
    if (opts.proxy && (await opts.proxy.npm.resolves(target.name, p.namespace, p.bare))) {
      try {
        docs = await opts.proxy.npm.packuments(target.name, p.namespace, p.bare, baseUrl(req));
        if (!docs) throw notFound();
      } catch (e) {
        // Upstream down: the versions already logged are still served (from the store).
        if (
          !(e instanceof UpstreamError) ||
          (await storage.releases.versions('npm', p.namespace, p.bare)).length === 0
        )
          throw e;
        reply.header(
          'warning',
          `110 sigil "upstream failed, serving logged versions only: ${e.message.replace(/"/g, "'")}"`,
        );
      }
    }
    const versions = docs ? [] : await versionsOf(target.name);
    if (!docs && versions.length === 0) throw notFound();
    docs ??= buildPackuments(
      target.name,
      baseUrl(req),
      versions,
      await storage.packages.distTags('npm', p.namespace, p.bare),
    );
    if (target.kind === 'version') {
      const tags = docs.full['dist-tags'] as Record<string, string>;
      const v = tags[target.spec] ?? target.spec;
      const m = (docs.full['versions'] as Record<string, unknown>)[v];
      if (!m) throw notFound(`${target.name}@${target.spec} is not published on this registry`);
      return reply.type('application/json').send(m);
    }
    const accept = req.headers.accept ?? '';
    if (accept.includes(CORGI)) return reply.type(CORGI).send(docs.abbreviated);
    return reply.type('application/json').send(docs.full);
  }

  // ---- npm publish ------------------------------------------------------

  /** putPackage is `npm publish` (PUT /<name>); other PUTs are refused with what to do instead. */
  async function putPackage(req: FastifyRequest, reply: FastifyReply) {
    if (req.url.startsWith('/-/user/')) {
      // `npm login` / `npm adduser` (legacy CouchDB user documents, after /-/v1/login answered 404).
      throw new RegistryError(
        404,
        'NPM_LOGIN_UNSUPPORTED',
        'npm login is not supported by this registry',
        `create a token with \`sigil account token create\`, then \`npm config set //${(ctx.baseUrl || `http://${req.headers.host ?? 'host'}`).replace(/^https?:\/\//, '')}/:_authToken <token>\``,
      );
    }
    const target = parseNpmPath(req.url);
    if (!target || target.kind !== 'packument') {
      throw new RegistryError(
        405,
        'NPM_UNSUPPORTED',
        `${req.method} ${req.url.split('?')[0]} is not supported: published versions are immutable (no unpublish, deprecate or revision updates)`,
      );
    }
    const body = parseNpmPublishBody(req.body, target.name, opts.maxTarballBytes);
    // claims: the package, and the namespace of every key event sent along
    const outcome = await withPublishClaims(auth, req, (authorize) =>
      publishNpmPackage(ctx, target.name, body, {
        ...(req.sigilAuth ? { account: req.sigilAuth.principal.account } : {}),
        ...(authorize ? { authorize } : {}),
      }),
    );
    return reply.code(201).send({
      ok: true,
      id: target.name,
      sigil: {
        purl: outcome.record.purl,
        signedByAuthor: outcome.record.authorBundle !== null,
        logIndex: outcome.record.log.publish.logIndex,
        record: `${baseUrl(req)}/api/v1/releases/${encodeURIComponent(outcome.record.purl)}`,
      },
    });
  }

  /** refuseUnpublish: `npm unpublish` (DELETE /<name>/-rev/<rev>, /<name>/-/<file>/-rev/<rev>); the log remembers every release. */
  async function refuseUnpublish(req: FastifyRequest) {
    throw new RegistryError(
      405,
      'NPM_UNSUPPORTED',
      `${req.method} ${req.url.split('?')[0]} is not supported: published versions are immutable and logged, so they cannot be unpublished`,
      'publish a new version; `npm deprecate` is not supported either',
    );
  }

  // ---- dist-tags ----------------------------------------------------------

  const tagTarget = (
    req: FastifyRequest,
  ): { name: string; namespace: string; bare: string; tag?: string } => {
    const m = /^\/-\/package\/([^/?]+(?:\/[^/?]+)?)\/dist-tags(?:\/([^/?]+))?\/?(?:\?.*)?$/.exec(
      req.url,
    );
    let name: string | undefined;
    let tag: string | undefined;
    try {
      name = m ? decodeURIComponent(m[1]!) : undefined;
      tag = m?.[2] !== undefined ? decodeURIComponent(m[2]) : undefined;
    } catch {
      name = undefined;
    }
    const p = name ? parseNpmName(name) : undefined;
    if (!p) throw notFound();
    return { ...p, ...(tag !== undefined ? { tag } : {}) };
  };

  async function getDistTags(req: FastifyRequest, reply: FastifyReply) {
    const t = tagTarget(req);
    if (t.tag !== undefined) throw notFound();
    const versions = (await storage.releases.versions('npm', t.namespace, t.bare)).map(
      (r) => r.version,
    );
    if (versions.length === 0) throw notFound();
    return reply.send(
      distTagsFor(versions, await storage.packages.distTags('npm', t.namespace, t.bare)),
    );
  }

  const tagWrite = async (req: FastifyRequest, reply: FastifyReply, remove: boolean) => {
    const t = tagTarget(req);
    if (t.tag === undefined || !/^[A-Za-z][A-Za-z0-9._-]{0,63}$/.test(t.tag))
      throw new RegistryError(
        400,
        'NPM_TAG_INVALID',
        'give a tag name: /-/package/<name>/dist-tags/<tag>',
      );
    await authorize(
      req,
      purlWithoutVersion(makePurl('npm', t.namespace || undefined, t.bare, '0.0.0')),
      'publish',
    );
    const versions = (await storage.releases.versions('npm', t.namespace, t.bare)).map(
      (r) => r.version,
    );
    if (versions.length === 0) throw notFound();
    if (remove) {
      if (t.tag === 'latest')
        throw new RegistryError(400, 'NPM_TAG_INVALID', 'the latest tag cannot be removed');
      await storage.packages.setDistTag('npm', t.namespace, t.bare, t.tag, null);
    } else {
      const v = req.body;
      if (typeof v !== 'string' || !versions.includes(v))
        throw new RegistryError(
          400,
          'NPM_TAG_INVALID',
          `the body must be a published version of ${t.name} as a JSON string (got ${JSON.stringify(v)})`,
        );
      await storage.packages.setDistTag('npm', t.namespace, t.bare, t.tag, v);
    }
    return reply.code(201).send({ ok: true });
  };
  const putDistTag = (req: FastifyRequest, reply: FastifyReply) => tagWrite(req, reply, false);
  const deleteDistTag = (req: FastifyRequest, reply: FastifyReply) => tagWrite(req, reply, true);

  app.get('/-/ping', async (_req, reply) => reply.send({}));
  app.get('/*', getDocument);
  app.put(
    '/*',
    {
      bodyLimit,
      ...writeHook,
      schema: { body: PUBLISH_BODY },
      schemaErrorFormatter: refuseInvalid('invalid publish body', 'NPM_PUBLISH_INVALID'),
    },
    putPackage,
  );
  app.delete('/*', { ...writeHook }, refuseUnpublish);
  app.get('/-/package/*', getDistTags);
  app.put(
    '/-/package/*',
    {
      bodyLimit: 4096,
      ...writeHook,
      schema: { body: DIST_TAG_BODY },
      schemaErrorFormatter: refuseInvalid('invalid dist-tag request', 'NPM_TAG_INVALID'),
    },
    putDistTag,
  );
  app.delete('/-/package/*', { ...writeHook }, deleteDistTag);
}
