/**
 * A hackage-security repository under /hackage (docs/hackage.md), for cabal's `secure: True` repositories:
 *
 *   GET /hackage/root.json | timestamp.json | snapshot.json | mirrors.json | 01-index.tar[.gz]
 *   GET /hackage/package/<p>-<v>.tar.gz        the logged bytes
 *
 * Reads only; every path is a map lookup, or with an upstream configured, a lookup there
 * (observed/hackage-proxy.ts). Packages are published with `sigil publish <p>-<v>.tar.gz`.
 */
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { HackageProxy } from '../../observed/hackage-proxy.js';
import type { HackageRepository } from './repository.js';

export interface HackageRoutesOptions {
  readonly repo: HackageRepository;
  readonly blobs: BlobStore;
  /** The verifying proxy's Hackage side, when `upstreams.hackage` is configured (docs/hackage.md). */
  readonly proxy?: HackageProxy;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this repository` },
});

export async function hackageRoutes(
  app: FastifyInstance,
  opts: HackageRoutesOptions,
): Promise<void> {
  const { repo, blobs } = opts;
  app.get<{ Params: { '*': string } }>('/*', async (req, reply) => {
    const path = req.params['*'];
    const snap = await repo.snapshot();
    const file = snap.files.get(path);
    if (file) {
      reply.header('cache-control', 'no-cache');
      return reply
        .type(
          path.endsWith('.json')
            ? 'application/json'
            : path.endsWith('.gz')
              ? 'application/gzip'
              : 'application/x-tar',
        )
        .send(file);
    }
    let row = snap.packages.get(path);
    // Through the proxy: fetched, checked against the upstream's verified index and logged on first sight.
    if (!row && (await opts.proxy?.observeFile(path)))
      row = (await repo.snapshot()).packages.get(path);
    const bytes = row ? await storedBytes(blobs, row.sha256) : undefined;
    if (!row || !bytes) return reply.code(404).send(notFound(path.slice(0, 200)));
    return reply.type('application/gzip').header('etag', `"${row.sha256}"`).send(bytes);
  });
}
