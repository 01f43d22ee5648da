/**
 * The Hex repository protocol (v2) under /hex (docs/hex.md), for rebar3 and mix with repo_verify:
 *
 *   GET /hex/names | /hex/versions | /hex/packages/<name>   gzipped, signed protobuf
 *   GET /hex/tarballs/<name>-<version>.tar                   the logged bytes (ETag: rebar3 3.19 needs one)
 *   GET /hex/public_key                                      the registry's Hex RSA key (SPKI PEM)
 *
 * Reads only; every path is a map lookup, or with an upstream configured, a lookup there
 * (observed/hex-proxy.ts). Packages are published with `sigil publish <name>-<version>.tar`.
 */
import type { FastifyInstance } from 'fastify';
import type { BlobStore } from '../../../store/registry/blob-store.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { HexProxy } from '../../observed/hex-proxy.js';
import type { HexRepository } from './repository.js';

export interface HexRoutesOptions {
  readonly repo: HexRepository;
  readonly blobs: BlobStore;
  readonly publicPem: string;
  /** The verifying proxy's Hex side, when `upstreams.hex` is configured (docs/hex.md). */
  readonly proxy?: HexProxy;
}

const notFound = (what: string) => ({
  error: { code: 'NOT_FOUND', message: `${what} is not in this Hex repository` },
});

export async function hexRoutes(app: FastifyInstance, opts: HexRoutesOptions): Promise<void> {
  const { repo, blobs } = opts;
  const binary = 'application/octet-stream';
  app.get('/public_key', async (_req, reply) =>
    reply.type('application/x-pem-file').send(opts.publicPem),
  );
  app.get('/names', async (_req, reply) =>
    reply
      .type(binary)
      .header('cache-control', 'no-cache')
      .send((await repo.snapshot()).names),
  );
  app.get('/versions', async (_req, reply) =>
    reply
      .type(binary)
      .header('cache-control', 'no-cache')
      .send((await repo.snapshot()).versions),
  );
  app.get<{ Params: { name: string } }>('/packages/:name', async (req, reply) => {
    // An upstream package: the upstream's checked releases merged with the logged ones, re-signed.
    const body =
      (await opts.proxy?.packageOf(req.params.name, repo)) ??
      (await repo.snapshot()).packages.get(req.params.name);
    if (!body) return reply.code(404).send(notFound(`package ${req.params.name.slice(0, 100)}`));
    return reply.type(binary).header('cache-control', 'no-cache').send(body);
  });
  app.get<{ Params: { file: string } }>('/tarballs/:file', async (req, reply) => {
    let row = (await repo.snapshot()).tarballs.get(req.params.file);
    // Through the proxy: fetched, checked against the upstream's signed checksum and logged on first sight.
    if (!row && (await opts.proxy?.observeTarball(req.params.file)))
      row = (await repo.snapshot()).tarballs.get(req.params.file);
    const bytes = row ? await storedBytes(blobs, row.sha256) : undefined;
    if (!row || !bytes) return reply.code(404).send(notFound(req.params.file.slice(0, 100)));
    return reply.type(binary).header('etag', `"${row.sha256}"`).send(bytes);
  });
}
