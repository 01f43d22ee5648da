/**
 * cargoRoutes: the Cargo personality of `sigil serve`, a fastify plugin
 * registered under /cargo (docs/cargo.md). A sparse registry
 * (doc.rust-lang.org/cargo/reference/registry-index.html) and the publish
 * part of the registry web API:
 *
 *   GET    /index/config.json                   {"dl", "api"}
 *   GET    /index/<1|2|3/x|ab/cd>/<name>        one JSON line per version (cksum, deps, yanked, …)
 *   GET    /api/v1/crates/<name>/<version>/download   the .crate (immutable)
 *   PUT    /api/v1/crates/new                   `cargo publish`
 *   DELETE /api/v1/crates/<name>/<version>/yank `cargo yank`
 *   PUT    /api/v1/crates/<name>/<version>/unyank  `cargo yank --undo`
 *
 * `cksum` is the sha256 in Sigil's signed, logged release record; index lines
 * come from the crate's own Cargo.toml (index-entry.ts). Refusals are
 * `{"errors": [{"detail": "<message> (hint: …)"}]}`, which cargo prints.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DsseEnvelope } from '../../../core/dsse.js';
import { InputError } from '../../../core/errors.js';
import { makePurl } from '../../../core/purl.js';
import { identifyCargo } from '../../../ecosystems/cargo/identify.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { RegistryError } from '../../errors.js';
import { publishClientUpload } from '../shared/client-upload.js';
import { IMMUTABLE, notFound, type ClientRoutesOptions } from '../shared/client-routes.js';
import { writeAuthHook, installRefusals, type Refusal } from '../shared/refusal.js';
import { compareSemver } from '../npm/semver.js';
import { addOwners, OWNER_NAME, ownersOf, removeOwners } from '../shared/owners.js';
import {
  byPart,
  matching,
  notFoundWhenInvalid,
  paramsOf,
  refuseInvalid,
  schemaCompiler,
} from '../../route-schema.js';
import { recordYank, yankReasons } from '../shared/yanks.js';
import { artifactOf, storedBytes } from '../shared/stored-bytes.js';
import { releaseKeyOf } from '../../../ecosystems/release-key.js';
import { cachedCrateFacts, crateFacts, type IndexEntry } from './index-entry.js';
import { canonicalCrateName, CRATE_NAME, parseIndexPath } from './index-path.js';
import { parseCargoPublishBody } from './publish-body.js';
import type { CargoProxy } from '../../observed/cargo-proxy.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import { acceptRawBody } from '../../raw-body.js';

/** Where `sigil serve` mounts this personality. */
export const CARGO_PREFIX = '/cargo';

export type CargoRoutesOptions = ClientRoutesOptions<CargoProxy>;

function render(reply: FastifyReply, r: Refusal): FastifyReply {
  return reply
    .code(r.status)
    .type('application/json; charset=utf-8')
    .send({ errors: [{ detail: r.hint ? `${r.message} (hint: ${r.hint})` : r.message }] });
}

// Route schemas (route-schema.ts): a name that is no crate name names nothing here (404).
const crateName = matching('crate-name', CRATE_NAME, 'a crate name');
const CRATE_PARAMS = paramsOf({ name: crateName });
const CRATE_VERSION_PARAMS = paramsOf({
  name: crateName,
  version: { type: 'string', description: 'a version' },
});
const noSuchCrate = {
  schema: { params: CRATE_VERSION_PARAMS },
  schemaErrorFormatter: notFoundWhenInvalid('no such crate'),
};
/** What `cargo owner --add/--remove` sends. */
const USERS_BODY = {
  type: 'object',
  description: 'a JSON object',
  required: ['users'],
  properties: {
    users: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      description: 'an array of 1 to 100 account names',
      items: matching('owner-name', OWNER_NAME, 'an account name'),
    },
  },
} as const;
const ownersRoute = {
  schema: { params: CRATE_PARAMS, body: USERS_BODY },
  schemaErrorFormatter: byPart({
    params: notFoundWhenInvalid('no such crate'),
    body: refuseInvalid(
      'the body must be {"users": ["<account>", …]} (1 to 100 account names)',
      'BAD_REQUEST',
      'cargo owner --add <account> <crate>',
    ),
  }),
};
/** `cargo search` sends q and per_page; per_page is read leniently (a bad one is the default 10). */
const SEARCH_QUERY = {
  type: 'object',
  properties: {
    q: { type: 'string', description: 'the search text' },
    per_page: { type: 'string', description: 'a number of results' },
  },
} as const;

export async function cargoRoutes(app: FastifyInstance, opts: CargoRoutesOptions): Promise<void> {
  const { ctx, auth } = opts;
  const { releases, blobs, packages } = ctx.storage;
  installRefusals(app, opts.maxUploadBytes, render);
  app.setValidatorCompiler(schemaCompiler);
  // `cargo publish` sends its binary body without a JSON content type.
  acceptRawBody(app, '*', opts.maxUploadBytes + 1024 * 1024);
  // `cargo yank --undo` sends PUT with `content-type: application/json` and no body.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_req, body, done) => {
      if (body === '') return done(null, undefined);
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(new RegistryError(400, 'BAD_REQUEST', 'the body is not JSON'), undefined);
      }
    },
  );

  const requestBase = (req: FastifyRequest) =>
    `${req.protocol}://${req.headers.host ?? 'localhost'}${CARGO_PREFIX}`;
  const base = (req: FastifyRequest) =>
    ctx.baseUrl ? `${ctx.baseUrl}${CARGO_PREFIX}` : requestBase(req);
  /** The URLs this registry's index is known by: a dependency there is `registry: null`. */
  const ownIndexes = (req: FastifyRequest) => [
    ...new Set([`sparse+${base(req)}/index/`, `sparse+${requestBase(req)}/index/`]),
  ];

  /**
   * The exact stored name of a published crate, found case-insensitively with `-`/`_` folded
   * (names are unique that way): cargo's release key folds names so (src/ecosystems/cargo), and
   * the key is an index, so this is one lookup, not a scan of every crate.
   */
  const storedName = async (name: string): Promise<string | undefined> => {
    let packageKey: string;
    try {
      packageKey = releaseKeyOf(`pkg:cargo/${encodeURIComponent(name)}`).package;
    } catch {
      return undefined; // not a crate name cargo could ask for
    }
    const row = await releases.anyOfPackageKey(packageKey);
    if (row === undefined) return undefined;
    // The key also finds a reservation still pending: a crate is there once a release is published.
    if (row.state === 'published') return row.name;
    return (await releases.releasesOf(`pkg:cargo/${row.name}`)).length > 0 ? row.name : undefined;
  };
  /** yanksOf maps the yanked releases of the crates of `rows` (purl → reason): one read per crate. */
  const yanksOf = async (rows: readonly ReleaseRow[]): Promise<Map<string, string>> => {
    const crates = new Set(rows.map((r) => r.purl.slice(0, r.purl.lastIndexOf('@') + 1)));
    const out = new Map<string, string>();
    for (const prefix of crates)
      for (const [k, v] of await yankReasons(packages, prefix)) out.set(k, v);
    return out;
  };

  const writeHook = writeAuthHook(
    auth,
    render,
    `cargo package && sigil publish target/package/<name>-<version>.crate --otp <code> --server ${ctx.baseUrl || '<this registry>'} uploads with it`,
  );

  // ---- sparse index -----------------------------------------------------------

  app.get('/index/config.json', async function indexConfig(req, reply) {
    return reply
      .type('application/json')
      .send({ dl: `${base(req)}/api/v1/crates`, api: base(req), 'auth-required': false });
  });

  /** lineOf: the index line of a stored release, from its crate's own Cargo.toml. */
  const lineOf = async (
    req: FastifyRequest,
    row: ReleaseRow,
    yanked: ReadonlyMap<string, string>,
  ): Promise<string | undefined> => {
    const facts = await cachedCrateFacts(
      row.sha256,
      row.filename,
      () => storedBytes(blobs, row.sha256),
      ownIndexes(req),
    );
    if (!facts) return undefined;
    const entry: IndexEntry = {
      ...facts,
      name: row.name,
      vers: row.version,
      cksum: row.sha256,
      yanked: yanked.has(row.purl),
    };
    return JSON.stringify(entry);
  };

  app.get('/index/*', async function indexFile(req, reply) {
    const path = (req.params as { '*': string })['*'];
    const lower = parseIndexPath(path);
    const name = lower === undefined ? undefined : await storedName(lower);
    const lines: string[] = [];
    if (lower !== undefined && opts.proxy && (await opts.proxy.resolves(name ?? lower))) {
      // An upstream crate (docs/proxy.md): the upstream's lines, logged versions with the logged cksum.
      const proxied = (await opts.proxy.lines(name ?? lower)) ?? [];
      const yanked = await yanksOf(proxied.flatMap((l) => (l.kind === 'logged' ? [l.row] : [])));
      for (const l of proxied) {
        const line = l.kind === 'line' ? JSON.stringify(l.line) : await lineOf(req, l.row, yanked);
        if (line) lines.push(line);
      }
    } else {
      // A twin spelling (foo_bar for foo-bar) is a different index path: cargo asks for the exact name's path.
      if (lower === undefined || name === undefined || name.toLowerCase() !== lower)
        throw notFound(`no crate at index path ${path}`);
      const rows = await releases.releasesOf(`pkg:cargo/${name}`);
      const yanked = await yanksOf(rows);
      for (const row of rows) {
        const line = await lineOf(req, row, yanked);
        if (line) lines.push(line);
      }
    }
    if (lines.length === 0) throw notFound(`no crate at index path ${path}`);
    const body = `${lines.join('\n')}\n`;
    const etag = `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/plain; charset=utf-8').send(body);
  });

  app.get<{ Params: { name: string; version: string } }>(
    '/api/v1/crates/:name/:version/download',
    noSuchCrate,
    async function downloadCrate(req, reply) {
      const { name, version } = req.params;
      const purl = makePurl('cargo', undefined, name, version);
      // Through the proxy: an upstream crate is fetched, checked and logged on first download.
      const row = opts.proxy ? await opts.proxy.observe.observe(purl) : await releases.get(purl);
      if (!row) throw notFound(`${name} ${version} is not published on this registry`);
      const bytes = await artifactOf(blobs, row);
      return reply.header('cache-control', IMMUTABLE).type('application/x-tar').send(bytes);
    },
  );

  // ---- cargo publish --------------------------------------------------------------

  app.put(
    '/api/v1/crates/new',
    { bodyLimit: opts.maxUploadBytes + 1024 * 1024, ...writeHook },
    async function publishCrate(req, reply) {
      if (!Buffer.isBuffer(req.body))
        throw new RegistryError(
          400,
          'CARGO_PUBLISH_INVALID',
          'invalid publish request: expected the binary body `cargo publish` sends',
        );
      const body = parseCargoPublishBody(req.body);
      if (body.crate.length > opts.maxUploadBytes)
        throw new RegistryError(
          413,
          'UPLOAD_TOO_LARGE',
          `the crate is larger than this registry's limit of ${opts.maxUploadBytes} bytes`,
          'the limit is set with `sigil serve --max-upload-bytes`',
        );
      const filename = `${body.metadata.name}-${body.metadata.vers}.crate`;
      if (!CRATE_NAME.test(body.metadata.name))
        throw new RegistryError(
          400,
          'CARGO_PUBLISH_INVALID',
          `invalid publish request: "${body.metadata.name}" is not a crate name`,
        );
      let identity;
      let facts;
      try {
        identity = await identifyCargo(memoryArtifact(filename, body.crate));
        facts = await crateFacts(filename, body.crate, ownIndexes(req));
      } catch (e) {
        if (e instanceof InputError)
          throw new RegistryError(400, 'ARTIFACT_INVALID', e.message, e.hint);
        throw e;
      }
      // The request's metadata is the uploader's claim; the crate's Cargo.toml is what gets indexed.
      const problems: string[] = [];
      if (identity.name !== body.metadata.name || identity.version !== body.metadata.vers)
        problems.push(
          `the request publishes ${body.metadata.name} ${body.metadata.vers} but the crate's Cargo.toml is ${identity.name} ${identity.version}`,
        );
      const claimed = [...new Set(body.metadata.deps.map((d) => d.explicitName ?? d.name))].sort();
      const packaged = [...new Set(facts.deps.map((d) => d.name))].sort();
      if (claimed.join(',') !== packaged.join(','))
        problems.push(
          `the request's dependencies (${claimed.join(', ') || 'none'}) are not the crate's Cargo.toml dependencies (${packaged.join(', ') || 'none'})`,
        );
      if (problems.length > 0)
        throw new RegistryError(
          400,
          'CARGO_PUBLISH_MISMATCH',
          problems.join('; '),
          'publish with `cargo publish` from the crate folder',
        );
      const twin = await storedName(identity.name);
      if (twin !== undefined && twin !== identity.name) {
        throw new RegistryError(
          400,
          'CARGO_NAME_TAKEN',
          `crate \`${identity.name}\` is the same name as the published crate \`${twin}\` (names differing only in case or -/_ are one crate)`,
          `publish under the name \`${twin}\` or choose another name`,
        );
      }

      const outcome = await publishClientUpload(
        ctx,
        auth,
        req,
        {
          filename,
          artifact: body.crate,
          bundle: null,
          keyEvents: [] as DsseEnvelope[],
          type: 'cargo',
        },
        {
          versionExists: {
            message: `crate version \`${identity.version}\` of \`${identity.name}\` is already uploaded with other bytes`,
            hint: 'versions are immutable; bump the version in Cargo.toml',
          },
          signatureRequired: {
            message: `${identity.name} only accepts releases signed by its authors, and \`cargo publish\` cannot sign`,
            hint: `cargo package && sigil publish target/package/${filename} --key <your .key> --server ${ctx.baseUrl || '<this registry>'} (see docs/cargo.md)`,
          },
        },
      );
      const other =
        outcome.status === 200
          ? [`${identity.name} ${identity.version} was already published with these bytes`]
          : [];
      return reply.send({ warnings: { invalid_categories: [], invalid_badges: [], other } });
    },
  );

  // ---- yank -----------------------------------------------------------------------

  const yank = async (
    req: FastifyRequest<{ Params: { name: string; version: string } }>,
    reply: FastifyReply,
    on: boolean,
  ) => {
    const { name, version } = req.params;
    if (auth) await auth.guard.authorizeNamespace(req, `pkg:cargo/${name}`, 'publish');
    const row = await releases.get(makePurl('cargo', undefined, name, version));
    if (!row) throw notFound(`${name} ${version} is not published on this registry`);
    await recordYank(ctx, row.purl, [row], on, '', req.sigilAuth?.principal.account ?? null);
    return reply.send({ ok: true });
  };
  app.delete<{ Params: { name: string; version: string } }>(
    '/api/v1/crates/:name/:version/yank',
    { ...writeHook, ...noSuchCrate },
    function yankVersion(req, reply) {
      return yank(req, reply, true);
    },
  );
  app.put<{ Params: { name: string; version: string } }>(
    '/api/v1/crates/:name/:version/unyank',
    { ...writeHook, ...noSuchCrate },
    function unyankVersion(req, reply) {
      return yank(req, reply, false);
    },
  );

  // ---- owners (`cargo owner`) --------------------------------------------------------

  /** The crate's namespace for owner commands: the caller must be allowed to publish it. */
  const ownedCrate = async (req: FastifyRequest<{ Params: { name: string } }>): Promise<string> => {
    const name = await storedName(req.params.name);
    if (name === undefined) throw notFound(`${req.params.name} is not published on this registry`);
    if (!auth)
      throw new RegistryError(
        404,
        'NO_ACCOUNTS',
        'this registry runs without accounts, so crates have no owners',
        'start `sigil serve` with accounts (docs/auth.md)',
      );
    await auth.guard.authorizeNamespace(req, `pkg:cargo/${name}`, 'publish');
    return `pkg:cargo/${name}`;
  };
  app.get<{ Params: { name: string } }>(
    '/api/v1/crates/:name/owners',
    {
      ...writeHook,
      schema: { params: CRATE_PARAMS },
      schemaErrorFormatter: notFoundWhenInvalid('no such crate'),
    },
    async function listOwners(req, reply) {
      const ns = await ownedCrate(req);
      return reply.send({
        users: (await ownersOf(ctx.storage.grants, ns)).map((login, i) => ({
          id: i + 1,
          login,
          name: login,
        })),
      });
    },
  );
  app.put<{ Params: { name: string }; Body: { users: string[] } }>(
    '/api/v1/crates/:name/owners',
    { bodyLimit: 16 * 1024, ...writeHook, ...ownersRoute },
    async function addCrateOwners(req, reply) {
      const ns = await ownedCrate(req);
      const users = req.body.users;
      await addOwners(auth!.service, ns, users);
      return reply.send({
        ok: true,
        msg: `${users.join(', ')} ${users.length === 1 ? 'is' : 'are'} now an owner of ${req.params.name}`,
      });
    },
  );
  app.delete<{ Params: { name: string }; Body: { users: string[] } }>(
    '/api/v1/crates/:name/owners',
    { bodyLimit: 16 * 1024, ...writeHook, ...ownersRoute },
    async function removeCrateOwners(req, reply) {
      const ns = await ownedCrate(req);
      const users = req.body.users;
      await removeOwners(ctx.storage.grants, ns, users);
      return reply.send({
        ok: true,
        msg: `${users.join(', ')} ${users.length === 1 ? 'is' : 'are'} no longer an owner of ${req.params.name}`,
      });
    },
  );

  // ---- search (`cargo search`) -----------------------------------------------------------

  app.get<{ Querystring: { q?: string; per_page?: string } }>(
    '/api/v1/crates',
    {
      schema: { querystring: SEARCH_QUERY },
      schemaErrorFormatter: refuseInvalid('give ?q=<text>&per_page=<number>'),
    },
    async function searchCrates(req, reply) {
      const q = req.query;
      const text = q.q !== undefined ? canonicalCrateName(q.q.trim().slice(0, 200)) : '';
      const perPage = Math.min(Math.max(Number(q.per_page) || 10, 1), 100);
      const names = (await releases.namesOfType('cargo')).filter((n) =>
        canonicalCrateName(n).includes(text),
      );
      const crates = [];
      for (const name of names.slice(0, perPage)) {
        // The newest version a resolver would pick: yanked versions are hidden from new resolutions.
        const rows = await releases.releasesOf(`pkg:cargo/${name}`);
        const yanked = await yanksOf(rows);
        const live = rows.filter((r) => !yanked.has(r.purl));
        const newest = live.sort((a, b) => compareSemver(b.version, a.version))[0];
        if (newest) crates.push({ name, max_version: newest.version, description: '' });
      }
      return reply.send({ crates, meta: { total: names.length } });
    },
  );
}
