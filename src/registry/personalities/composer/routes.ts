/**
 * composerRoutes: the Composer personality of `sigil serve`, a fastify
 * plugin registered under /composer (docs/composer.md). A Composer v2
 * repository, read-only: Composer has no upload command, so packages are
 * published with `sigil publish <dist.zip> --type composer --version V`
 * (the one publish pipeline: author signature, key ledger, countersignature, log).
 *
 *   GET /packages.json                         {"packages": [], "metadata-url", "available-packages"}
 *   GET /p2/<vendor>/<name>.json               every version (dist.shasum = the record's sha1)
 *   GET /p2/<vendor>/<name>~dev.json           {"packages": {"<vendor>/<name>": []}} (no dev branches)
 *   GET /dists/<vendor>/<name>/<version>/<file>.zip   the dist (immutable)
 *
 * Names are compared lower-cased (Composer names are lower case; the purl
 * lower-cases vendor and name, purl-spec composer).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { makePurl } from '../../../core/purl.js';
import type { RegistryContext } from '../../publish.js';
import { IMMUTABLE, notFound } from '../shared/client-routes.js';
import { installRefusals, type Refusal } from '../shared/refusal.js';
import { artifactOf, storedBytes } from '../shared/stored-bytes.js';
import { distManifest, p2Document, versionEntry } from './metadata.js';
import type { ComposerProxy } from '../../observed/composer-proxy.js';

export const COMPOSER_PREFIX = '/composer';

export interface ComposerRoutesOptions {
  readonly ctx: RegistryContext;
  /** The verifying proxy's Composer side, when `--upstream composer=…` is configured (docs/proxy.md). */
  readonly proxy?: ComposerProxy;
}

const PART = /^[a-z0-9]([_.-]?[a-z0-9]+)*$/;
const PACKAGE_PART = /^[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$/;

function render(reply: FastifyReply, r: Refusal): FastifyReply {
  return reply
    .code(r.status)
    .type('application/json; charset=utf-8')
    .send({
      status: 'error',
      message: r.hint ? `${r.message} (hint: ${r.hint})` : r.message,
      code: r.code,
    });
}

export async function composerRoutes(
  app: FastifyInstance,
  opts: ComposerRoutesOptions,
): Promise<void> {
  const { ctx } = opts;
  const { releases, blobs } = ctx.storage;
  installRefusals(app, 0, render);
  const base = (req: FastifyRequest) =>
    `${ctx.baseUrl || `${req.protocol}://${req.headers.host ?? 'localhost'}`}${COMPOSER_PREFIX}`;

  app.get('/packages.json', async (req, reply) => {
    const names = (await releases.packagesOfType('composer')).map((p) =>
      decodeURIComponent(p.slice('pkg:composer/'.length)),
    );
    return reply.type('application/json').send({
      packages: [],
      'metadata-url': `${base(req)}/p2/%package%.json`,
      // Through the proxy every name may resolve: composer must ask for names not listed here.
      ...(opts.proxy ? {} : { 'available-packages': names }),
    });
  });

  app.get<{ Params: { vendor: string; file: string } }>('/p2/:vendor/:file', async (req, reply) => {
    const vendor = req.params.vendor.toLowerCase();
    const m = /^(.+?)(~dev)?\.json$/.exec(req.params.file.toLowerCase());
    if (!m || !PART.test(vendor) || !PACKAGE_PART.test(m[1]!)) throw notFound('no such package');
    const name = `${vendor}/${m[1]}`;
    const distUrl = (version: string) =>
      `${base(req)}/dists/${name}/${encodeURIComponent(version)}/${encodeURIComponent(m[1]!)}-${encodeURIComponent(version)}.zip`;
    if (opts.proxy && (await opts.proxy.resolves(vendor, m[1]!))) {
      const proxied = await opts.proxy.versions(vendor, m[1]!);
      if (!proxied || proxied.length === 0)
        throw notFound(`${name} is on neither this registry nor its upstream`);
      if (m[2]) return reply.type('application/json').send({ packages: { [name]: [] } });
      const entries = [];
      for (const v of proxied) {
        if (v.kind === 'entry') {
          entries.push({
            ...v.entry,
            dist: { ...(v.entry['dist'] as object), url: distUrl(v.version) },
          });
          continue;
        }
        const manifest = await distManifest(v.row.sha256, v.row.filename, () =>
          storedBytes(blobs, v.row.sha256),
        );
        entries.push(versionEntry(name, { row: v.row, manifest, distUrl: distUrl(v.row.version) }));
      }
      return reply.type('application/json').send({ packages: { [name]: entries } });
    }
    const rows = await releases.releasesOf(
      `pkg:composer/${encodeURIComponent(vendor)}/${encodeURIComponent(m[1]!)}`,
    );
    if (rows.length === 0) throw notFound(`${name} is not published on this registry`);
    if (m[2]) return reply.type('application/json').send({ packages: { [name]: [] } });
    const versions = [];
    for (const row of rows) {
      const manifest = await distManifest(row.sha256, row.filename, () =>
        storedBytes(blobs, row.sha256),
      );
      versions.push({
        row,
        manifest,
        distUrl: `${base(req)}/dists/${name}/${encodeURIComponent(row.version)}/${encodeURIComponent(m[1]!)}-${encodeURIComponent(row.version)}.zip`,
      });
    }
    // No cache headers: Composer revalidates, so a new version is seen at once.
    return reply.type('application/json').send(p2Document(name, versions));
  });

  app.get<{ Params: { vendor: string; name: string; version: string; file: string } }>(
    '/dists/:vendor/:name/:version/:file',
    async (req, reply) => {
      const { vendor, name, version, file } = req.params;
      if (!PART.test(vendor) || !PACKAGE_PART.test(name) || file !== `${name}-${version}.zip`)
        throw notFound('no such dist');
      const purl = makePurl('composer', vendor, name, version);
      // Through the proxy: an upstream package's dist is fetched, checked and logged on first download.
      const row = opts.proxy ? await opts.proxy.observe.observe(purl) : await releases.get(purl);
      if (!row) throw notFound(`${vendor}/${name} ${version} is not published on this registry`);
      const bytes = await artifactOf(blobs, row);
      return reply.header('cache-control', IMMUTABLE).type('application/zip').send(bytes);
    },
  );
}
