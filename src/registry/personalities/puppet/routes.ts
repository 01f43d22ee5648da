/**
 * Puppet Forge v3 under /puppet (docs/puppet.md). Reads only; module tarballs are
 * published with `sigil publish author-name-1.0.0.tar.gz --type puppet`.
 */
import type { FastifyInstance } from 'fastify';
import type { ReleaseStore } from '../../../store/registry/releases.js';
import { MODULE_SLUG, type PuppetForge } from './forge.js';

export interface PuppetRoutesOptions {
  readonly forge: PuppetForge;
  readonly store: ReleaseStore;
}

const err = (code: string, message: string) => ({
  message,
  errors: [message],
  error: { code, message },
});

export async function puppetRoutes(app: FastifyInstance, opts: PuppetRoutesOptions): Promise<void> {
  const { forge, store } = opts;
  app.get<{ Querystring: Record<string, string | undefined> }>(
    '/v3/releases',
    async (req, reply) => {
      const m = MODULE_SLUG.exec(req.query.module ?? '');
      if (!m)
        return reply
          .code(400)
          .send(err('PUPPET_REQUEST_INVALID', 'module must be "<author>-<name>"'));
      const rows = forge.releasesOf(m[1]!, m[2]!);
      const results = (await Promise.all(rows.map((r) => forge.release(r)))).filter(
        (r) => r !== undefined,
      );
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
    const row = forge.fileRelease(`${req.params.slug}.tar.gz`);
    const rel = row && (await forge.release(row));
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
    const mod = await forge.module(m[1]!, m[2]!);
    if (!mod)
      return reply
        .code(404)
        .send(err('NOT_FOUND', `module ${req.params.slug} is not in this Forge`));
    return reply.send(mod);
  });
  app.get<{ Params: { file: string } }>('/v3/files/:file', async (req, reply) => {
    const row = forge.fileRelease(req.params.file);
    const bytes = row && store.readBlob(row.sha256);
    if (!row || !bytes)
      return reply.code(404).send(err('NOT_FOUND', `${req.params.file} is not in this Forge`));
    return reply.type('application/gzip').header('etag', `"${row.sha256}"`).send(bytes);
  });
}
