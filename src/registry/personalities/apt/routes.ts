/**
 * apt's repository protocol under /debian (docs/debian.md):
 *
 *   GET /debian/dists/<suite>/InRelease | Release | Release.gpg
 *   GET /debian/dists/<suite>/main/binary-<arch>/Packages[.gz]
 *   GET /debian/pool/main/<vendor>/<name>/<file>.deb
 *   GET /debian/sigil-archive-keyring.asc       the registry's OpenPGP key, for signed-by
 *
 * Reads only; `.deb` files are published with `sigil publish x.deb` (the one publish pipeline).
 */
import type { FastifyInstance } from 'fastify';
import type { ReleaseStore } from '../../../store/registry/releases.js';
import type { AptRepository } from './repository.js';

export interface AptRoutesOptions {
  readonly repo: AptRepository;
  readonly store: ReleaseStore;
  readonly publicKeyArmored: string;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this repository` },
});

export async function aptRoutes(app: FastifyInstance, opts: AptRoutesOptions): Promise<void> {
  const { repo, store } = opts;
  app.get('/sigil-archive-keyring.asc', async (_req, reply) =>
    reply.type('application/pgp-keys').send(opts.publicKeyArmored),
  );
  app.get<{ Params: { suite: string; '*': string } }>('/dists/:suite/*', async (req, reply) => {
    if (req.params.suite !== repo.options.suite)
      return reply.code(404).send(notFound(`suite ${req.params.suite}`));
    const snap = await repo.snapshot();
    const path = req.params['*'];
    const last = snap.date.toUTCString();
    reply.header('last-modified', last).header('cache-control', 'no-cache');
    if (path === 'InRelease') return reply.type('text/plain; charset=utf-8').send(snap.inRelease);
    if (path === 'Release') return reply.type('text/plain; charset=utf-8').send(snap.release);
    if (path === 'Release.gpg')
      return reply.type('application/pgp-signature').send(snap.releaseGpg);
    const index = snap.indexes.get(path);
    if (!index) return reply.code(404).send(notFound(path));
    return reply
      .type(path.endsWith('.gz') ? 'application/gzip' : 'text/plain; charset=utf-8')
      .send(index);
  });
  app.get<{ Params: { '*': string } }>('/pool/*', async (req, reply) => {
    const path = `pool/${req.params['*']}`;
    const snap = await repo.snapshot();
    const row = snap.pool.get(path);
    if (!row) return reply.code(404).send(notFound(path));
    const bytes = store.readBlob(row.sha256);
    if (!bytes) return reply.code(404).send(notFound(path));
    return reply
      .type('application/vnd.debian.binary-package')
      .header('etag', `"${row.sha256}"`)
      .send(bytes);
  });
}
