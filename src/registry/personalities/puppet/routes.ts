/**
 * Puppet Forge v3 under /puppet (docs/puppet.md). Reads only; module tarballs are
 * published with `sigil publish author-name-1.0.0.tar.gz --type puppet`. With an upstream
 * Forge configured, modules not hosted here come from it (observed/puppet-proxy.ts).
 */
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { PuppetProxy } from '../../observed/puppet-proxy.js';
import { MODULE_SLUG, type PuppetForge } from './forge.js';

export interface PuppetRoutesOptions {
  readonly forge: PuppetForge;
  readonly blobs: BlobStore;
  /** The verifying proxy's Puppet side, when `--upstream puppet=…` is configured (docs/puppet.md). */
  readonly proxy?: PuppetProxy;
}

const err = (code: string, message: string) => ({
  message,
  errors: [message],
  error: { code, message },
});

/** moduleOf: a /v3/modules answer for an upstream module, from its merged releases (newest first). */
function moduleOf(author: string, name: string, releases: Record<string, unknown>[]) {
  const slug = `${author}-${name}`;
  return {
    uri: `/v3/modules/${slug}`,
    slug,
    name,
    deprecated_at: null,
    owner: { uri: `/v3/users/${author}`, slug: author, username: author },
    current_release: releases[0],
    releases: releases.map((r) => ({
      uri: r['uri'],
      slug: r['slug'],
      version: r['version'],
      file_uri: r['file_uri'],
      file_size: r['file_size'],
    })),
  };
}

export async function puppetRoutes(app: FastifyInstance, opts: PuppetRoutesOptions): Promise<void> {
  const { forge, blobs } = opts;
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/v3/releases',
    async (req, reply) => {
      const m = MODULE_SLUG.exec(req.query.module ?? '');
      if (!m)
        return reply
          .code(400)
          .send(err('PUPPET_REQUEST_INVALID', 'module must be "<author>-<name>"'));
      const results =
        (await opts.proxy?.releases(m[1]!, m[2]!, forge)) ??
        (
          await Promise.all((await forge.releasesOf(m[1]!, m[2]!)).map((r) => forge.release(r)))
        ).filter((r) => r !== undefined);
      return reply.send({
        pagination: {
          limit: results.length,
          offset: 0,
          first: null,
          previous: null,
          current: null,
          next: null,
          total: results.length,
        },
        results,
      });
    },
  );
  app.get<{ Params: { slug: string } }>('/v3/releases/:slug', async (req, reply) => {
    const row = await forge.fileRelease(`${req.params.slug}.tar.gz`);
    let rel = row && (await forge.release(row));
    const m = /^([A-Za-z0-9]+)-([a-z][a-z0-9_]*)-([0-9A-Za-z.+-]+)$/.exec(req.params.slug);
    if (!rel && m && opts.proxy)
      rel = (await opts.proxy.releases(m[1]!, m[2]!, forge))?.find((r) => r['version'] === m[3]);
    if (!rel)
      return reply
        .code(404)
        .send(err('NOT_FOUND', `release ${req.params.slug} is not in this Forge`));
    return reply.send(rel);
  });
  app.get<{ Params: { slug: string } }>('/v3/modules/:slug', async (req, reply) => {
    const m = MODULE_SLUG.exec(req.params.slug);
    if (!m)
      return reply
        .code(400)
        .send(err('PUPPET_REQUEST_INVALID', `"${req.params.slug}" is not "<author>-<name>"`));
    const merged = await opts.proxy?.releases(m[1]!, m[2]!, forge);
    const mod = merged?.length ? moduleOf(m[1]!, m[2]!, merged) : await forge.module(m[1]!, m[2]!);
    if (!mod)
      return reply
        .code(404)
        .send(err('NOT_FOUND', `module ${req.params.slug} is not in this Forge`));
    return reply.send(mod);
  });
  app.get<{ Params: { file: string } }>('/v3/files/:file', async (req, reply) => {
    let row = await forge.fileRelease(req.params.file);
    // Through the proxy: fetched, checked against the upstream's file_sha256 and logged on first sight.
    if (!row && (await opts.proxy?.observeFile(req.params.file)))
      row = await forge.fileRelease(req.params.file);
    const bytes = row && (await storedBytes(blobs, row.sha256));
    if (!row || !bytes)
      return reply.code(404).send(err('NOT_FOUND', `${req.params.file} is not in this Forge`));
    return reply.type('application/gzip').header('etag', `"${row.sha256}"`).send(bytes);
  });
}
