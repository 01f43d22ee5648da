/**
 * The Go side of the verifying proxy, for the GOPROXY and GOSUMDB routes of
 * personalities/go/routes.ts:
 *
 *   ensure(path, version)   before a .info/.mod/.zip or a checksum-database lookup of a
 *                           version Sigil does not have: observe it (fetch from the upstream,
 *                           check, log; the registry's onPublished hook then appends its go.sum
 *                           record to the checksum database — what sum.golang.org does on a miss)
 *   list / @latest          passed through from the upstream for modules not hosted here
 *                           (the versions the proxy policy hides — denied, or younger than
 *                           minimumReleaseAgeHours by their .info Time — are left out; a too
 *                           young @latest answers 404, so go falls back to the list)
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

const publishTimes = new WeakMap<GoUpstream, Map<string, string | null>>();

/**
 * hideTooYoung leaves out of a version list what the minimum-age policy holds back: versions not
 * logged here whose upstream `.info` Time is younger than the minimum (a GOPROXY list carries no
 * times, so each unlogged version's `.info` is asked once and remembered — it never changes).
 */
async function hideTooYoung(
  h: GoUpstreamHooks,
  path: string,
  versions: readonly string[],
  knownTime?: string | null,
): Promise<string[]> {
  const policy = h.observe.o.policy;
  if (!policy?.config.minimumReleaseAgeHours) return [...versions];
  let times = publishTimes.get(h.go);
  if (!times) publishTimes.set(h.go, (times = new Map()));
  const cache = times;
  const keep = await Promise.all(
    versions.map(async (v) => {
      const purl = purlOf(path, v);
      if (await h.observe.o.ctx.storage.releases.get(purl)) return true; // logged: served whatever its age
      let t = knownTime !== undefined ? knownTime : cache.get(purl);
      if (t === undefined) {
        t = (await h.go.locate(purl))?.publishedAt ?? null;
        if (cache.size > 100_000) cache.clear();
        cache.set(purl, t);
      }
      return policy.tooYoung(t) === undefined;
    }),
  );
  return versions.filter((_, i) => keep[i]);
}

function latestOf(body: string): { version: string; time: string | null } | undefined {
  try {
    const doc = JSON.parse(body) as { Version?: unknown; Time?: unknown };
    return typeof doc.Version === 'string'
      ? { version: doc.Version, time: typeof doc.Time === 'string' ? doc.Time : null }
      : undefined;
  } catch {
    return undefined;
  }
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
          const listed = body
            .split('\n')
            .filter((v) => v !== '' && !policy?.denied(purlOf(path, v)));
          const shown = await hideTooYoung(h, path, listed);
          return text(reply, 200, shown.map((v) => `${v}\n`).join(''));
        }
        const body = await h.go.latest(path);
        if (body === undefined)
          return text(
            reply,
            404,
            `not found: module ${path} is not on this server or its upstream\n`,
          );
        const latest = latestOf(body);
        if (latest && (await hideTooYoung(h, path, [latest.version], latest.time)).length === 0)
          return text(
            reply,
            404,
            `not found: the latest version of ${path} (${latest.version}) is younger than this proxy's minimumReleaseAgeHours; ask for an older version\n`,
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
