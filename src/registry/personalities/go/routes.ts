/**
 * goRoutes: the Go personality of `sigil serve`, a fastify plugin (registered
 * under /go). Two protocols, both thin over GoModules and GoSumdb:
 *
 * Module proxy (`go help goproxy`), with GOPROXY=<url>/go:
 *   GET /<module>/@v/list            known versions, one a line (no pseudo-versions)
 *   GET /<module>/@v/<version>.info  {"Version","Time"}
 *   GET /<module>/@v/<version>.mod   the go.mod (synthesised when the zip has none)
 *   GET /<module>/@v/<version>.zip   the module zip
 *   GET /<module>/@latest            .info of the latest version
 * Paths and versions are case-escaped ("!a" = "A") and checked like
 * golang.org/x/mod/module: malformed → 400, unknown → 404 (what the go
 * command treats as "not found", so a GOPROXY list falls through).
 *
 * Checksum database (golang.org/x/mod/sumdb ServerPaths), at
 * /go/sumdb/<name>/ where <name> is the sumdb key's name — the same layout
 * proxy.golang.org uses for sum.golang.org, so both
 * GOSUMDB="<vkey> <url>/go/sumdb/<name>" and, through GOPROXY=<url>/go, a
 * bare GOSUMDB="<vkey>" work:
 *   GET supported                        200 (the go command's proxy probe)
 *   GET lookup/<module>@<version>        "<id>\n<record>\n" + signed tree note
 *   GET tile/8/<L>/<N>[.p/<W>]           hash tile (C2SP bytes)
 *   GET tile/8/data/<N>[.p/<W>]          records, concatenated
 *   GET latest                           signed tree note
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import {
  canonicalVersion,
  checkModuleVersion,
  isPseudoVersion,
  compareSemver,
  unescapePath,
  unescapeVersion,
} from '../../../ecosystems/golang/module.js';
import { parseTilePath, type Tile } from '../../../log/tile-path.js';
import type { GoModules } from './modules.js';
import type { GoSumdb } from './sumdb.js';
import { goUpstreamRoutes, type GoUpstreamHooks } from '../../observed/go-proxy.js';

export interface GoRoutesOptions {
  readonly modules: GoModules;
  readonly sumdb: GoSumdb;
  /** The verifying proxy (`--upstream golang=…`): modules not hosted here come from the upstream, logged on first fetch. */
  readonly upstream?: GoUpstreamHooks;
}

const IMMUTABLE = 'public, max-age=31536000, immutable';
const TEXT = 'text/plain; charset=utf-8';

/** ProxyRequest is a parsed module proxy path. */
export type ProxyRequest =
  | { readonly kind: 'list'; readonly path: string }
  | { readonly kind: 'latest'; readonly path: string }
  | { readonly kind: 'info' | 'mod' | 'zip'; readonly path: string; readonly version: string };

/** parseProxyPath parses `<escaped module>/@v/…` or `/@latest`; returns an error message (400) or undefined (404: no such endpoint). */
export function parseProxyPath(rest: string): ProxyRequest | { error: string } | undefined {
  let escMod: string;
  let tail: string;
  if (rest.endsWith('/@latest')) {
    escMod = rest.slice(0, -'/@latest'.length);
    tail = '@latest';
  } else {
    const i = rest.lastIndexOf('/@v/');
    if (i < 0) return undefined;
    escMod = rest.slice(0, i);
    tail = rest.slice(i + '/@v/'.length);
  }
  const mod = unescapePath(escMod);
  if ('error' in mod) return { error: mod.error };
  if (tail === '@latest') return { kind: 'latest', path: mod.path };
  if (tail === 'list') return { kind: 'list', path: mod.path };
  const m = /^(.+)\.(info|mod|zip)$/.exec(tail);
  if (!m) return undefined;
  const v = unescapeVersion(m[1]!);
  if ('error' in v) return { error: v.error };
  return { kind: m[2] as 'info' | 'mod' | 'zip', path: mod.path, version: v.version };
}

/** parseSumdbTile parses `tile/8/<L>/<N>[.p/<W>]` or `tile/8/data/…`; undefined for anything else (404). */
export function parseSumdbTile(p: string): Tile | undefined {
  const m = /^tile\/8\/(.+)$/.exec(p);
  if (!m) return undefined;
  try {
    return parseTilePath(`tile/${m[1]!.replace(/^data\//, 'entries/')}`);
  } catch {
    return undefined;
  }
}

export const goRoutes: FastifyPluginAsync<GoRoutesOptions> = async (app, opts) => {
  const { modules, sumdb } = opts;
  const text = (reply: FastifyReply, status: number, body: string) =>
    reply.code(status).header('content-type', TEXT).header('cache-control', 'no-cache').send(body);
  const up = opts.upstream ? goUpstreamRoutes(opts.upstream, text) : undefined;

  app.get('/sumdb/*', async (req, reply) => {
    const rest = (req.params as { '*': string })['*'];
    const name = sumdb.name;
    if (!rest.startsWith(`${name}/`))
      return text(reply, 404, `not found: this server's checksum database is ${name}\n`);
    const p = rest.slice(name.length + 1);
    if (p === 'supported') return text(reply, 200, '');
    if (p === 'latest') return text(reply, 200, await sumdb.signedTree());
    if (p.startsWith('lookup/')) {
      const at = p.lastIndexOf('@');
      if (at < 0)
        return text(reply, 400, `malformed lookup "${p}": want lookup/<module>@<version>\n`);
      const mod = unescapePath(p.slice('lookup/'.length, at));
      if ('error' in mod) return text(reply, 400, `${mod.error}\n`);
      const ver = unescapeVersion(p.slice(at + 1));
      if ('error' in ver) return text(reply, 400, `${ver.error}\n`);
      const bad = checkModuleVersion(mod.path, ver.version);
      if (bad) return text(reply, 400, `${bad}\n`);
      const refused = up ? await up.ensure(mod.path, ver.version) : undefined;
      if (refused) return text(reply, refused.status, refused.message);
      const rec = await sumdb.lookup(mod.path, ver.version);
      if (!rec)
        return text(reply, 404, `not found: ${mod.path}@${ver.version} is not published here\n`);
      // The tree note is read after the record id was known: it always covers the id.
      const note = await sumdb.signedTree();
      return reply
        .code(200)
        .header('content-type', 'text/plain; charset=UTF-8')
        .header('cache-control', 'no-cache')
        .send(`${rec.id}\n${rec.text}\n${note}`);
    }
    const t = parseSumdbTile(p);
    if (!t) return text(reply, 404, `not found: ${p}\n`);
    const data =
      t.level === -1
        ? await sumdb.dataTile(t.index, t.width)
        : await sumdb.hashTile(t.level, t.index, t.width);
    if (!data) return text(reply, 404, `not found: ${p}\n`);
    return reply
      .code(200)
      .header('content-type', 'application/octet-stream')
      .header('cache-control', t.width === 256 ? IMMUTABLE : 'public, max-age=5')
      .send(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  });

  app.get('/*', async (req, reply) => {
    const parsed = parseProxyPath((req.params as { '*': string })['*']);
    if (parsed === undefined)
      return text(
        reply,
        404,
        'not found: not a module proxy path (<module>/@v/list, <module>/@v/<version>.info|.mod|.zip, <module>/@latest)\n',
      );
    if ('error' in parsed) return text(reply, 400, `${parsed.error}\n`);
    const info = (version: string, time: string) => ({ Version: version, Time: time });
    if (up && (parsed.kind === 'list' || parsed.kind === 'latest')) {
      const answered = await up.passThrough(parsed.kind, parsed.path, reply);
      if (answered) return answered;
    }
    switch (parsed.kind) {
      case 'list': {
        const all = await modules.versions(parsed.path);
        const versions = all.map((m) => m.version).filter((v) => !isPseudoVersion(v));
        if (all.length === 0)
          return text(reply, 404, `not found: module ${parsed.path} is not published here\n`);
        versions.sort(compareSemver);
        return text(reply, 200, versions.map((v) => `${v}\n`).join(''));
      }
      case 'latest': {
        const m = await modules.latest(parsed.path);
        if (!m) return text(reply, 404, `not found: module ${parsed.path} is not published here\n`);
        return reply
          .code(200)
          .header('cache-control', 'no-cache')
          .send(info(m.version, m.row.publishedAt));
      }
      default: {
        const { path, version } = parsed;
        if (canonicalVersion(version) !== version) {
          // .info is also asked for branch names and version prefixes ("master", "v1.2"): not found here.
          if (parsed.kind === 'info')
            return text(
              reply,
              404,
              `not found: ${path}@${version}: unknown revision (this proxy serves published versions only)\n`,
            );
          return text(reply, 400, `${path}@${version}: version is not canonical\n`);
        }
        const bad = checkModuleVersion(path, version);
        if (bad) return text(reply, parsed.kind === 'info' ? 404 : 400, `${bad}\n`);
        const refused = up ? await up.ensure(path, version) : undefined;
        if (refused) return text(reply, refused.status, refused.message);
        const m = await modules.get(path, version);
        if (!m) return text(reply, 404, `not found: ${path}@${version} is not published here\n`);
        if (parsed.kind === 'info')
          return reply
            .code(200)
            .header('cache-control', IMMUTABLE)
            .send(info(m.version, m.row.publishedAt));
        const body = parsed.kind === 'mod' ? await modules.mod(m) : await modules.zip(m);
        if (!body) return text(reply, 500, `${path}@${version}: the stored artifact is missing\n`);
        return reply
          .code(200)
          .header('content-type', parsed.kind === 'mod' ? TEXT : 'application/zip')
          .header('cache-control', IMMUTABLE)
          .send(body);
      }
    }
  });
};
