/**
 * A CPAN mirror under /cpan (docs/cpan.md), for `cpanm --verify --mirror <url>/cpan --mirror-only`:
 *
 *   GET /cpan/modules/02packages.details.txt[.gz]
 *   GET /cpan/authors/id/A/AU/AUTHOR/CHECKSUMS      clear-signed with the registry's OpenPGP key
 *   GET /cpan/authors/id/A/AU/AUTHOR/<dist>         the logged bytes
 *   GET /cpan/sigil-cpan-key.asc                    the registry's OpenPGP key, to import into gpg
 *
 * With `upstreams.cpan`, the upstream mirror's packages and CHECKSUMS are merged in (cpan-proxy.ts).
 *
 * Reads only: every path is looked up in the snapshot's maps, never joined to a
 * file-system path. Distributions are published with `sigil publish Dist-1.0.tar.gz --type cpan --namespace AUTHOR`.
 */
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { CpanRepository } from './repository.js';
import type { CpanProxy } from '../../observed/cpan-proxy.js';

export interface CpanRoutesOptions {
  readonly repo: CpanRepository;
  /** The verifying proxy's CPAN side, when `upstreams.cpan` is configured (docs/cpan.md). */
  readonly proxy?: CpanProxy;
  readonly blobs: BlobStore;
  readonly publicKeyArmored: string;
  readonly baseUrl: () => string;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this CPAN mirror` },
});

export async function cpanRoutes(app: FastifyInstance, opts: CpanRoutesOptions): Promise<void> {
  const { repo, blobs } = opts;
  app.get('/sigil-cpan-key.asc', async (_req, reply) =>
    reply.type('application/pgp-keys').send(opts.publicKeyArmored),
  );
  app.get<{ Params: { '*': string } }>('/*', async (req, reply) => {
    const path = req.params['*'];
    const snap = await repo.snapshot(opts.baseUrl());
    reply.header('last-modified', snap.date.toUTCString());
    let file = snap.files.get(path);
    const proxy = opts.proxy;
    if (proxy && path.startsWith('modules/02packages.details.txt')) {
      const merged = await proxy.packages(snap, opts.baseUrl());
      file = path.endsWith('.gz') ? merged.gz : path.endsWith('.txt') ? merged.text : undefined;
    }
    const author = /^authors\/id\/[A-Z]\/[A-Z0-9-]{2}\/([A-Z][A-Z0-9-]{1,8})\/CHECKSUMS$/.exec(
      path,
    )?.[1];
    if (proxy && author) file = await proxy.checksums(author, snap);
    if (file) {
      reply.header('cache-control', 'no-cache');
      return reply
        .type(path.endsWith('.gz') ? 'application/gzip' : 'text/plain; charset=utf-8')
        .send(file);
    }
    // Through the proxy: a distribution not logged yet is fetched, checked and logged on first sight.
    const row = snap.dists.get(path) ?? (await proxy?.dist(path));
    const bytes = row ? await storedBytes(blobs, row.sha256) : undefined;
    if (!row || !bytes) return reply.code(404).send(notFound(path.slice(0, 200)));
    return reply
      .type(path.endsWith('.zip') ? 'application/zip' : 'application/gzip')
      .header('etag', `"${row.sha256}"`)
      .send(bytes);
  });
}
