/**
 * apt's repository protocol under /debian (docs/debian.md):
 *
 *   GET /debian/dists/<suite>/InRelease | Release | Release.gpg
 *   GET /debian/dists/<suite>/main/binary-<arch>/Packages[.gz|.xz]
 *   GET /debian/pool/main/<vendor>/<name>/<file>.deb
 *   GET /debian/dists/<upstream suite>/…, /debian/pool/…   with `upstreams.deb`: the upstream
 *       suite, checked with its archive keyring and signed again by the registry (deb-proxy.ts)
 *   GET /debian/sigil-archive-keyring.asc       the registry's OpenPGP key, for signed-by
 *
 * Reads only; `.deb` files are published with `sigil publish x.deb` (the one publish pipeline).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { AptRepository } from './repository.js';
import type { DebMirror } from '../../observed/deb-proxy.js';
import { installRefusals, reasonPhrase, type Refusal } from '../shared/refusal.js';

export interface AptRoutesOptions {
  readonly repo: AptRepository;
  /** The verifying proxy's Debian suite, when `upstreams.deb` is configured (docs/debian.md). */
  readonly mirror?: DebMirror;
  readonly blobs: BlobStore;
  readonly publicKeyArmored: string;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this repository` },
});

/** An upstream's refusal is the status line too: apt prints it ("E: Failed to fetch … 502 <why>"). */
function render(reply: FastifyReply, r: Refusal): FastifyReply {
  reply.raw.statusMessage = reasonPhrase(`${r.code}: ${r.message}`);
  return reply
    .code(r.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) } });
}

export async function aptRoutes(app: FastifyInstance, opts: AptRoutesOptions): Promise<void> {
  const { repo, blobs } = opts;
  installRefusals(app, 0, render);
  app.get('/sigil-archive-keyring.asc', async (_req, reply) =>
    reply.type('application/pgp-keys').send(opts.publicKeyArmored),
  );
  app.get<{ Params: { suite: string; '*': string } }>('/dists/:suite/*', async (req, reply) => {
    const mirrored = opts.mirror && req.params.suite === opts.mirror.suite;
    if (req.params.suite !== repo.options.suite && !mirrored)
      return reply.code(404).send(notFound(`suite ${req.params.suite}`));
    const snap = mirrored ? await opts.mirror!.snapshot() : await repo.snapshot();
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
      .type(
        path.endsWith('.gz')
          ? 'application/gzip'
          : path.endsWith('.xz')
            ? 'application/x-xz'
            : 'text/plain; charset=utf-8',
      )
      .send(index);
  });
  app.get<{ Params: { '*': string } }>('/pool/*', async (req, reply) => {
    const path = `pool/${req.params['*']}`;
    const snap = await repo.snapshot();
    // A hosted .deb first; else, through the proxy, the upstream's (observed on its first fetch).
    const row = snap.pool.get(path) ?? (await opts.mirror?.poolFile(path));
    if (!row) return reply.code(404).send(notFound(path));
    const bytes = await storedBytes(blobs, row.sha256);
    if (!bytes) return reply.code(404).send(notFound(path));
    return reply
      .type('application/vnd.debian.binary-package')
      .header('etag', `"${row.sha256}"`)
      .send(bytes);
  });
}
