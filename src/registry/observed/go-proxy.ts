/**
 * The Go side of the verifying proxy, for the GOPROXY and GOSUMDB routes of
 * personalities/go/routes.ts:
 *
 *   ensure(path, version)   before a .info/.mod/.zip or a checksum-database lookup of a
 *                           version Sigil does not have: observe it (fetch from the upstream,
 *                           check, log; the registry's onPublished hook then appends its go.sum
 *                           record to the checksum database — what sum.golang.org does on a miss)
 *   list / @latest          passed through from the upstream for modules not hosted here
 *                           (the versions the proxy policy hides are left out of the list)
 *
 * Refusals and upstream failures come back as {status, message}: the go command prints the
 * body of a failed proxy response ("server response: …").
 */
import type { FastifyReply } from 'fastify';
import { makePurl, purlWithoutVersion } from '../../core/purl.js';
import { splitModulePath } from '../../ecosystems/golang/identify.js';
import { RegistryError } from '../errors.js';
import type { GoUpstream } from '../upstream/go.js';
import type { ObserveService } from './observe.js';

export interface GoUpstreamHooks {
  readonly go: GoUpstream;
  readonly observe: ObserveService;
}

export interface GoUpstreamRoutes {
  ensure(path: string, version: string): Promise<{ status: number; message: string } | undefined>;
  passThrough(
    kind: 'list' | 'latest',
    path: string,
    reply: FastifyReply,
  ): Promise<FastifyReply | undefined>;
}

function purlOf(path: string, version: string): string {
  const { namespace, name } = splitModulePath(path);
  return makePurl('golang', namespace, name, version);
}

export function goUpstreamRoutes(
  h: GoUpstreamHooks,
  text: (reply: FastifyReply, status: number, body: string) => FastifyReply,
): GoUpstreamRoutes {
  return {
    async ensure(path, version) {
      try {
        await h.observe.observe(purlOf(path, version));
        return undefined;
      } catch (e) {
        if (e instanceof RegistryError)
          return {
            status: e.status,
            message: `${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}\n`,
          };
        throw e;
      }
    },
    async passThrough(kind, path, reply) {
      if ((await h.observe.hostedReason(purlWithoutVersion(purlOf(path, 'v0.0.0')))) !== undefined)
        return undefined;
      try {
        if (kind === 'list') {
          const body = await h.go.list(path);
          if (body === undefined)
            return text(
              reply,
              404,
              `not found: module ${path} is not on this server or its upstream\n`,
            );
          const policy = h.observe.o.policy;
          const lines = body
            .split('\n')
            .filter((v) => v !== '' && !policy?.denied(purlOf(path, v)));
          return text(reply, 200, lines.map((v) => `${v}\n`).join(''));
        }
        const body = await h.go.latest(path);
        if (body === undefined)
          return text(
            reply,
            404,
            `not found: module ${path} is not on this server or its upstream\n`,
          );
        return reply
          .code(200)
          .header('content-type', 'application/json')
          .header('cache-control', 'no-cache')
          .send(body);
      } catch (e) {
        if (e instanceof RegistryError) return text(reply, e.status, `${e.message}\n`);
        throw e;
      }
    },
  };
}
