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
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { CranRepository } from './repository.js';
import type { CranProxy } from '../../observed/cran-proxy.js';
import { makePurl } from '../../../core/purl.js';

export interface CranRoutesOptions {
  readonly repo: CranRepository;
  readonly blobs: BlobStore;
  /** The verifying proxy's CRAN side, when `--upstream cran=…` is configured (docs/proxy.md). */
  readonly proxy?: CranProxy;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this repository` },
});

export async function cranRoutes(app: FastifyInstance, opts: CranRoutesOptions): Promise<void> {
  const { repo, blobs } = opts;
  app.get<{ Params: { '*': string } }>('/src/contrib/*', async (req, reply) => {
    const path = req.params['*'];
    const snap = await repo.snapshot();
    reply.header('cache-control', 'no-cache');
    const index = path.startsWith('PACKAGES')
      ? opts.proxy
        ? await opts.proxy.merged(snap)
        : snap
      : undefined;
    if (path === 'PACKAGES') return reply.type('text/plain; charset=utf-8').send(index!.packages);
    if (path === 'PACKAGES.gz') return reply.type('application/gzip').send(index!.packagesGz);
    if (path === 'PACKAGES.rds')
      return reply.type('application/octet-stream').send(index!.packagesRds);
    let row = snap.files.get(path);
    // Through the proxy: an upstream package's tarball is fetched, checked and logged on first sight.
    const m = /^(?:Archive\/([^/]+)\/)?([A-Za-z][A-Za-z0-9.]*)_([0-9][0-9.-]*)\.tar\.gz$/.exec(
      path,
    );
    if (!row && opts.proxy && m && (m[1] === undefined || m[1] === m[2]))
      row = await opts.proxy.observe.observe(makePurl('cran', undefined, m[2]!, m[3]!));
    const bytes = row && (await storedBytes(blobs, row.sha256));
    if (!row || !bytes) return reply.code(404).send(notFound(`src/contrib/${path}`));
    return reply.type('application/gzip').header('etag', `"${row.sha256}"`).send(bytes);
  });
}
