/**
 * A CPAN mirror under /cpan (docs/cpan.md), for `cpanm --verify --mirror <url>/cpan --mirror-only`:
 *
 *   GET /cpan/modules/02packages.details.txt[.gz]
 *   GET /cpan/authors/id/A/AU/AUTHOR/CHECKSUMS      clear-signed with the registry's OpenPGP key
 *   GET /cpan/authors/id/A/AU/AUTHOR/<dist>         the logged bytes
 *   GET /cpan/sigil-cpan-key.asc                    the registry's OpenPGP key, to import into gpg
 *
 * Reads only: every path is looked up in the snapshot's maps, never joined to a
 * file-system path. Distributions are published with `sigil publish Dist-1.0.tar.gz --type cpan --namespace AUTHOR`.
 */
import type { FastifyInstance } from 'fastify';
import type { ReleaseStore } from '../../../store/registry/releases.js';
import type { CpanRepository } from './repository.js';

export interface CpanRoutesOptions {
  readonly repo: CpanRepository;
  readonly store: ReleaseStore;
  readonly publicKeyArmored: string;
  readonly baseUrl: () => string;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this CPAN mirror` },
});

export async function cpanRoutes(app: FastifyInstance, opts: CpanRoutesOptions): Promise<void> {
  const { repo, store } = opts;
  app.get('/sigil-cpan-key.asc', async (_req, reply) =>
    reply.type('application/pgp-keys').send(opts.publicKeyArmored),
  );
  app.get<{ Params: { '*': string } }>('/*', async (req, reply) => {
    const path = req.params['*'];
    const snap = await repo.snapshot(opts.baseUrl());
    reply.header('last-modified', snap.date.toUTCString());
    const file = snap.files.get(path);
    if (file) {
      reply.header('cache-control', 'no-cache');
      return reply
        .type(path.endsWith('.gz') ? 'application/gzip' : 'text/plain; charset=utf-8')
        .send(file);
    }
    const row = snap.dists.get(path);
    const bytes = row ? store.readBlob(row.sha256) : undefined;
    if (!row || !bytes) return reply.code(404).send(notFound(path.slice(0, 200)));
    return reply
      .type(path.endsWith('.zip') ? 'application/zip' : 'application/gzip')
      .header('etag', `"${row.sha256}"`)
      .send(bytes);
  });
}
