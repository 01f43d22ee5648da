/**
 * WordPress's plugin update protocol under /wordpress (docs/wordpress.md):
 *
 *   POST /wordpress/plugins/update-check/1.1/   what wp_update_plugins() posts (form field `plugins`, JSON)
 *   GET  /wordpress/plugins/info/1.2/?action=plugin_information&request[slug]=<slug>
 *   GET  /wordpress/download/plugin/<slug>/<slug>.<version>.zip   with x-content-signature
 *   GET  /wordpress/download/plugin/<slug>/<slug>.<version>.zip.sig
 *   GET  /wordpress/trusted-key                   the key to add with the wp_trusted_keys filter
 *
 * Reads only; plugin zips are published with `sigil publish x.zip --type wordpress`. With an
 * upstream directory configured, plugins not hosted here come from it, observed before they are
 * offered signed (observed/wordpress-proxy.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { WordpressProxy } from '../../observed/wordpress-proxy.js';
import { UpstreamError } from '../../upstream/http.js';
import { SLUG, slugOfPluginFile, type WordpressPlugins } from './update-api.js';

export interface WordpressRoutesOptions {
  readonly plugins: WordpressPlugins;
  readonly blobs: BlobStore;
  /** The verifying proxy's WordPress side, when `--upstream wordpress=…` is configured (docs/wordpress.md). */
  readonly proxy?: WordpressProxy;
}

const MAX_FORM_BYTES = 1024 * 1024;

const fail = (reply: FastifyReply, status: number, code: string, message: string, field?: string) =>
  reply.code(status).send({ error: { code, message, ...(field ? { field } : {}) } });

export async function wordpressRoutes(
  app: FastifyInstance,
  opts: WordpressRoutesOptions,
): Promise<void> {
  const { plugins, blobs } = opts;
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_FORM_BYTES },
    (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );

  app.get('/trusted-key', async (_req, reply) =>
    reply.type('text/plain; charset=utf-8').send(`${plugins.publicKey}\n`),
  );

  app.post('/plugins/update-check/1.1/', { bodyLimit: MAX_FORM_BYTES }, async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    let installed: unknown = body.plugins;
    if (typeof installed === 'string') {
      try {
        installed = JSON.parse(installed);
      } catch {
        return fail(
          reply,
          400,
          'WORDPRESS_REQUEST_INVALID',
          'field "plugins" is not JSON (expected {"plugins":{"<slug>/<file>.php":{"Version":"x"}}})',
          'plugins',
        );
      }
    }
    if (installed === null || typeof installed !== 'object' || Array.isArray(installed)) {
      return fail(
        reply,
        400,
        'WORDPRESS_REQUEST_INVALID',
        'field "plugins" must be an object {"plugins":{"<slug>/<file>.php":{"Version":"x"}}}',
        'plugins',
      );
    }
    const list = (installed as { plugins?: unknown }).plugins;
    if (opts.proxy && list && typeof list === 'object' && !Array.isArray(list))
      await opts.proxy.prepareUpdateCheck(
        Object.keys(list)
          .map(slugOfPluginFile)
          .filter((x): x is string => x !== undefined),
      );
    return reply.header('cache-control', 'no-cache').send(await plugins.updateCheck(installed));
  });

  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/plugins/info/1.2/',
    async (req, reply) => {
      const action = req.query.action;
      const slug = req.query['request[slug]'] ?? req.query.slug;
      if (action !== 'plugin_information')
        return fail(
          reply,
          400,
          'WORDPRESS_REQUEST_INVALID',
          `action "${action ?? ''}" is not supported (expected plugin_information)`,
          'action',
        );
      if (!slug || !SLUG.test(slug))
        return fail(
          reply,
          400,
          'WORDPRESS_REQUEST_INVALID',
          'request[slug] must be a plugin slug ([a-z0-9][a-z0-9_.-]*)',
          'request[slug]',
        );
      // An upstream plugin: its current version is observed first, so it can be offered signed.
      // When the upstream fails, what Sigil logged is still offered.
      const current = await opts.proxy?.observeCurrent(slug).catch(async (e: unknown) => {
        if (e instanceof UpstreamError && (await plugins.latest(slug))) return undefined;
        throw e;
      });
      const latest = (await plugins.latest(slug)) ?? current;
      const e = latest && (await plugins.entry(latest, `${slug}/${slug}.php`));
      if (!latest || !e)
        return fail(reply, 404, 'NOT_FOUND', `plugin ${slug} is not published to this registry`);
      const base = e.package.slice(0, e.package.indexOf('/wordpress/'));
      const versions = Object.fromEntries([
        // versions the upstream lists download through Sigil (observed on first download)
        ...(opts.proxy ? await opts.proxy.upstreamVersions(slug) : []).map((v) => [
          v,
          `${base}/wordpress/download/plugin/${slug}/${slug}.${v}.zip`,
        ]),
        ...(await plugins.releases(slug)).map((r) => [
          r.version,
          `${base}${plugins.downloadPath(r)}`,
        ]),
      ]);
      return reply.send({
        name: slug,
        slug,
        version: latest.version,
        download_link: e.package,
        signatures: e.signatures,
        sha256: e.sha256,
        purl: e.purl,
        last_updated: latest.publishedAt,
        versions,
      });
    },
  );

  app.get<{ Params: { slug: string; file: string } }>(
    '/download/plugin/:slug/:file',
    async (req, reply) => {
      const { slug, file } = req.params;
      if (!SLUG.test(slug))
        return fail(reply, 400, 'WORDPRESS_PATH_INVALID', `"${slug}" is not a plugin slug`, 'slug');
      const sigFile = file.endsWith('.zip.sig');
      const zipName = sigFile ? file.slice(0, -4) : file;
      if (!zipName.startsWith(`${slug}.`) || !zipName.endsWith('.zip'))
        return fail(reply, 404, 'NOT_FOUND', `${file}: expected ${slug}.<version>.zip`);
      const version = zipName.slice(slug.length + 1, -4);
      const row =
        (await plugins.release(slug, version)) ?? (await opts.proxy?.observeVersion(slug, version));
      const sig = row && (await plugins.signature(row));
      if (!row || !sig)
        return fail(
          reply,
          404,
          'NOT_FOUND',
          `${slug} ${version} is not published to this registry`,
        );
      if (sigFile) return reply.type('text/plain; charset=utf-8').send(`${sig}\n`);
      const bytes = await storedBytes(blobs, row.sha256);
      if (!bytes)
        return fail(
          reply,
          404,
          'NOT_FOUND',
          `${slug} ${version} is not published to this registry`,
        );
      return reply
        .type('application/zip')
        .header('x-content-signature', sig)
        .header('etag', `"${row.sha256}"`)
        .send(bytes);
    },
  );
}
