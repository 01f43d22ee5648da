/**
 * HTTP API of observed records and conflicts (registered with every `sigil serve`; the
 * lookups that fetch from an upstream need `--upstream`):
 *
 *   GET /api/v1/sum/<purl>    one record as a C2SP tlog-proof (text/plain; c2sp.org/tlog-proof):
 *                               c2sp.org/tlog-proof@v1
 *                               extra <base64 of the record's DSSE envelope JSON>
 *                               index <log index of the registry statement>
 *                               <inclusion proof hashes, base64, one a line>
 *                               <blank line>
 *                               <signed checkpoint>
 *                             The leaf is the Rekor v2 dsse entry of that envelope with the
 *                             registry key (/.well-known/sigil/keys.json), so a client holding
 *                             the pinned registry and log keys verifies one dependency offline
 *                             from this one file. An unknown purl is looked up upstream first.
 *   GET /api/v1/conflicts[?purl=<purl>]   conflict records, newest first, with their envelopes
 */
import { refuseInvalid, schemaCompiler } from '../route-schema.js';
import type { FastifyInstance } from 'fastify';
import { canonicalPurl } from '../../core/purl.js';
import { RegistryError } from '../errors.js';
import type { RegistryContext } from '../publish.js';
import { checkpointSize } from '../records.js';
import type { ReleaseRow } from '../../store/registry/releases.js';

export interface ObservedRoutesOptions {
  readonly ctx: RegistryContext;
  /** On-demand lookup of a purl without a record (undefined without upstreams). */
  readonly resolve?: (purl: string) => Promise<ReleaseRow | undefined>;
}

/** formatTlogProof renders a C2SP tlog-proof. */
export function formatTlogProof(
  extra: Uint8Array,
  index: number,
  hashes: readonly Uint8Array[],
  checkpoint: string,
): string {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return `c2sp.org/tlog-proof@v1\nextra ${b64(extra)}\nindex ${index}\n${hashes.map((h) => `${b64(h)}\n`).join('')}\n${checkpoint}`;
}

const CONFLICTS_QUERY = {
  type: 'object',
  properties: { purl: { type: 'string', description: 'one package URL' } },
} as const;

export async function observedRoutes(
  app: FastifyInstance,
  opts: ObservedRoutesOptions,
): Promise<void> {
  const { ctx } = opts;
  app.setValidatorCompiler(schemaCompiler);
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof RegistryError)
      return reply.code(err.status).type('application/json').send(err.toJSON());
    const status =
      err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return reply
      .code(status)
      .type('application/json')
      .send(
        new RegistryError(
          status,
          status === 500 ? 'INTERNAL' : 'BAD_REQUEST',
          status === 500 ? 'the registry failed to handle this request' : err.message,
        ).toJSON(),
      );
  });
  app.get('/api/v1/sum/*', async function sumProof(req, reply) {
    const raw = (req.params as { '*': string })['*'];
    let purl: string;
    try {
      purl = canonicalPurl(decodeURIComponent(raw));
    } catch {
      throw new RegistryError(
        400,
        'PURL_INVALID',
        `"${raw}" is not a package URL`,
        'percent-encode the purl as one path segment, e.g. pkg%3Anpm%2Fleft-pad%401.3.0',
      );
    }
    const row =
      (await ctx.storage.releases.get(purl)) ??
      (opts.resolve ? await opts.resolve(purl) : undefined);
    if (!row)
      throw new RegistryError(
        404,
        'RELEASE_NOT_FOUND',
        `${purl} has no record on this registry${opts.resolve ? ' and its upstream has no such version' : ''}`,
      );
    const checkpoint = await ctx.log.latestCheckpoint();
    const hashes = await ctx.log.inclusionProof(row.publishIndex!, checkpointSize(checkpoint));
    return reply
      .type('text/plain; charset=utf-8')
      .send(
        formatTlogProof(Buffer.from(row.publishEnvelope), row.publishIndex!, hashes, checkpoint),
      );
  });

  app.get<{ Querystring: { purl?: string } }>(
    '/api/v1/conflicts',
    {
      schema: { querystring: CONFLICTS_QUERY },
      schemaErrorFormatter: refuseInvalid('give ?purl=<package URL> or nothing'),
    },
    async function listConflicts(req, reply) {
      const q = req.query;
      let purl: string | undefined;
      if (q.purl !== undefined) {
        try {
          purl = canonicalPurl(q.purl);
        } catch {
          throw new RegistryError(400, 'PURL_INVALID', `"${q.purl}" is not a package URL`);
        }
      }
      const rows = await ctx.storage.packages.conflicts(purl !== undefined ? { purl } : {});
      return reply.send({
        conflicts: rows.map((r) => ({
          purl: r.purl,
          upstream: r.upstream,
          seenAt: r.seenAt,
          logged: { sha512: r.loggedSha512 },
          offered: r.offered,
          logIndex: r.logIndex,
          envelope: JSON.parse(r.envelope) as unknown,
        })),
      });
    },
  );
}
