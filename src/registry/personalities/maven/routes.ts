/**
 * The Maven 2 repository layout under /maven2 (docs/maven.md): GET of artifacts,
 * checksum sidecars, .asc, .sigstore.json and maven-metadata.xml.
 * Reads only; artifacts are published with `sigil publish x.jar` / `x.pom`.
 */
import type { FastifyInstance } from 'fastify';
import type { MavenRepository } from './repository.js';

export interface MavenRoutesOptions {
  readonly repo: MavenRepository;
}

export async function mavenRoutes(app: FastifyInstance, opts: MavenRoutesOptions): Promise<void> {
  const send = async (path: string, reply: import('fastify').FastifyReply) => {
    const f = await opts.repo.file(path);
    if (!f) return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `${path} is not in this repository` } });
    reply.type(f.contentType).header('cache-control', 'no-cache');
    if (f.row) reply.header('etag', `"${f.row.sha256}"`);
    return reply.send(f.bytes); // fastify answers HEAD from this GET route
  };
  app.get<{ Params: { '*': string } }>('/*', async (req, reply) => send(req.params['*'], reply));
  // Answered before the body is read (any content type, any size).
  app.put('/*', {
    onRequest: async (_req, reply) =>
      reply.code(405).send({ error: { code: 'DEPLOY_NOT_SUPPORTED', message: 'deploy by HTTP PUT is not supported yet', hint: 'publish each file with `sigil publish <file>.jar|.pom --server <url>`' } }),
  }, async (_req, reply) => reply.code(405).send());
}
