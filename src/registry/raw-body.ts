/**
 * acceptRawBody: a fastify content-type parser that hands the route the body as
 * received (a Buffer), refused by fastify with 413 past `bodyLimit`. Uploads are
 * digested and parsed by the route itself, so nothing may reinterpret them first.
 */
import type { FastifyInstance } from 'fastify';

export function acceptRawBody(app: FastifyInstance, contentType: string, bodyLimit: number): void {
  app.addContentTypeParser(contentType, { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
    done(null, body),
  );
}
