/**
 * R's repository protocol under /cran (docs/cran.md):
 *
 *   GET /cran/src/contrib/PACKAGES | PACKAGES.gz | PACKAGES.rds
 *   GET /cran/src/contrib/<pkg>_<version>.tar.gz
 *   GET /cran/src/contrib/Archive/<pkg>/<pkg>_<version>.tar.gz
 *
 * Reads only; source packages are published with `sigil publish x_1.0.tar.gz --type cran`.
 */
import type { FastifyInstance } from 'fastify';
import type { ReleaseStore } from '../../../store/registry/releases.js';
import type { CranRepository } from './repository.js';

export interface CranRoutesOptions {
  readonly repo: CranRepository;
  readonly store: ReleaseStore;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this repository` },
});

export async function cranRoutes(app: FastifyInstance, opts: CranRoutesOptions): Promise<void> {
  const { repo, store } = opts;
  app.get<{ Params: { '*': string } }>('/src/contrib/*', async (req, reply) => {
    const path = req.params['*'];
    const snap = await repo.snapshot();
    reply.header('cache-control', 'no-cache');
    if (path === 'PACKAGES') return reply.type('text/plain; charset=utf-8').send(snap.packages);
    if (path === 'PACKAGES.gz') return reply.type('application/gzip').send(snap.packagesGz);
    if (path === 'PACKAGES.rds')
      return reply.type('application/octet-stream').send(snap.packagesRds);
    const row = snap.files.get(path);
    const bytes = row && store.readBlob(row.sha256);
    if (!row || !bytes) return reply.code(404).send(notFound(`src/contrib/${path}`));
    return reply.type('application/gzip').header('etag', `"${row.sha256}"`).send(bytes);
  });
}
