/**
 * gemRoutes: the RubyGems personality of `sigil serve`, a fastify plugin
 * registered under /rubygems (docs/rubygems.md). Source URL for gem and
 * bundler: `<url>/rubygems/`.
 *
 * Compact index (bundler; `gem` resolves with it too):
 *   GET /versions              "created_at: …\n---\n<name> <v>,<v> <md5 of /info/name>\n"
 *   GET /info/<name>           "---\n<v> <dep>:<req>,…|checksum:<sha256>,ruby:<req>\n"
 *   GET /names                 "---\n<name>\n"
 * Full index (what `gem install` reads besides):
 *   GET /specs.4.8.gz, /latest_specs.4.8.gz, /prerelease_specs.4.8.gz   gzip(Marshal [[name, Gem::Version, platform]])
 *   GET /quick/Marshal.4.8/<name>-<version>[-<platform>].gemspec.rz   deflate(Marshal Gem::Specification)
 * Files and publishing:
 *   GET  /gems/<name>-<version>[-<platform>].gem   the .gem as uploaded (X.509 signatures kept)
 *   POST /api/v1/gems                              `gem push` (body: the .gem; Authorization: <token>)
 *
 * `checksum:` is the sha256 in Sigil's signed, logged release record
 * (bundler refuses a download that does not match it). Everything a client
 * reads is derived from each gem's own metadata.gz.
 */
import { createHash } from 'node:crypto';
import { deflateSync, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../../../core/errors.js';
import { makePurl, versionlessPurl } from '../../../core/purl.js';
import { RegistryError } from '../../errors.js';
import { publishClientUpload } from '../shared/client-upload.js';
import { IMMUTABLE, notFound, type ClientRoutesOptions } from '../shared/client-routes.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import { writeAuthHook, installRefusals, type Refusal } from '../shared/refusal.js';
import { addOwners, OWNER_NAME, ownersOf, removeOwners } from '../shared/owners.js';
import {
  byPart,
  matching,
  notFoundWhenInvalid,
  paramsOf,
  refuseInvalid,
  schemaCompiler,
} from '../../route-schema.js';
import { artifactOf, storedBytes } from '../shared/stored-bytes.js';
import { recordYank, yankReasons } from '../shared/yanks.js';
import { marshalDump, type RubyValue } from './marshal.js';
import type { GemProxy } from '../../observed/gem-proxy.js';
import { isObservedRow } from '../../observed/observe.js';
import { gemPurl } from '../../upstream/gem.js';
import {
  cachedGemFacts,
  gemFacts,
  gemFullName,
  infoLine,
  marshalSpec,
  type GemFacts,
} from './spec.js';
import { acceptRawBody } from '../../raw-body.js';

export const GEM_PREFIX = '/rubygems';

export type GemRoutesOptions = ClientRoutesOptions<GemProxy>;

const GEM_NAME = /^[a-zA-Z0-9.\-_]+$/;

/** gem and bundler print a refusal's body as text. */
function render(reply: FastifyReply, r: Refusal): FastifyReply {
  return reply
    .code(r.status)
    .type('text/plain; charset=utf-8')
    .send(r.hint ? `${r.message} (hint: ${r.hint})` : r.message);
}

// Route schemas (route-schema.ts): a path that is no gem name names nothing here (404).
const gemName = matching('gem-name', GEM_NAME, 'a gem name');
const GEM_PARAMS = paramsOf({ name: gemName });
const noSuchGem = notFoundWhenInvalid('no such gem');
/** `gem yank` sends a form: gem_name, version, and platform for a platform gem. */
const YANK_FORM = {
  type: 'object',
  required: ['gem_name', 'version'],
  properties: {
    gem_name: gemName,
    version: { type: 'string', minLength: 1, description: 'a version' },
    platform: { type: 'string', description: 'a platform' },
  },
} as const;
/** `gem owner --add/--remove` sends the account as email=<name>. */
const OWNER_FORM = {
  type: 'object',
  required: ['email'],
  properties: { email: matching('owner-name', OWNER_NAME, 'an account name') },
} as const;
const ownerRoute = {
  schema: { params: GEM_PARAMS, body: OWNER_FORM },
  schemaErrorFormatter: byPart({
    params: noSuchGem,
    body: refuseInvalid(
      'give the new owner as email=<account name>',
      'BAD_REQUEST',
      'gem owner <gem> --add <account>',
    ),
  }),
};

/**
 * formFields is the preValidation hook of the routes gem sends a form to
 * (application/x-www-form-urlencoded, read as bytes by the '*' parser): the
 * fields become an object for the route's schema, the first of a repeated
 * field counting (as URLSearchParams.get).
 */
async function formFields(req: FastifyRequest): Promise<void> {
  const fields: Record<string, string> = {};
  const text = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  for (const [k, v] of new URLSearchParams(text)) if (!Object.hasOwn(fields, k)) fields[k] = v;
  req.body = fields;
}

interface GemVersion {
  readonly row: ReleaseRow;
  readonly facts: GemFacts;
}

export async function gemRoutes(app: FastifyInstance, opts: GemRoutesOptions): Promise<void> {
  const { ctx, auth } = opts;
  const { releases, blobs, packages } = ctx.storage;
  installRefusals(app, opts.maxUploadBytes, render);
  app.setValidatorCompiler(schemaCompiler);
  // `gem push` posts the .gem as application/octet-stream.
  acceptRawBody(app, '*', opts.maxUploadBytes);

  /** Every yanked gem release (purl → reason): few, read once per index request (one query, on any replica). */
  const gemYanks = () => yankReasons(packages, 'pkg:gem/');
  /** factsOf pairs stored releases with their gem metadata (read once per sha256). */
  const factsOf = async (rows: readonly ReleaseRow[]): Promise<GemVersion[]> => {
    const out: GemVersion[] = [];
    for (const row of rows) {
      const facts = await cachedGemFacts(row.sha256, row.filename, () =>
        storedBytes(blobs, row.sha256),
      );
      if (facts) out.push({ row, facts });
    }
    return out;
  };
  /**
   * versionsOf lists a gem's releases (all platforms, oldest first) without those in `yanked`;
   * without it, yanked ones too (downloads and specs of exact files).
   */
  const versionsOf = async (
    name: string,
    yanked?: ReadonlyMap<string, string>,
  ): Promise<GemVersion[]> =>
    factsOf((await releases.versions('gem', '', name)).filter((r) => !yanked?.has(r.purl)));
  /** allVersions: every gem's unyanked releases by name, in name order, from one read of the table. */
  const allVersions = async (
    yanked: ReadonlyMap<string, string>,
  ): Promise<Map<string, GemVersion[]>> => {
    const byName = new Map<string, ReleaseRow[]>();
    for (const row of await releases.ofType('gem')) {
      if (yanked.has(row.purl)) continue;
      const rows = byName.get(row.name);
      if (rows) rows.push(row);
      else byName.set(row.name, [row]);
    }
    const out = new Map<string, GemVersion[]>();
    for (const name of [...byName.keys()].sort()) out.set(name, await factsOf(byName.get(name)!));
    return out;
  };
  const names = async () =>
    (await releases.packagesOfType('gem')).map((p) =>
      decodeURIComponent(p.slice('pkg:gem/'.length)),
    );
  const infoBody = (vs: readonly GemVersion[]) =>
    `---\n${vs.map((v) => infoLine(v.facts, v.row.sha256)).join('\n')}\n`;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');

  /** rowForFullName finds the release whose RubyGems full name (`name-version[-platform]`) this is. */
  const rowForFullName = async (full: string): Promise<GemVersion | undefined> => {
    for (let i = full.indexOf('-'); i > 0; i = full.indexOf('-', i + 1)) {
      const name = full.slice(0, i);
      if (!GEM_NAME.test(name)) continue;
      for (const v of await versionsOf(name)) if (gemFullName(v.facts) === full) return v;
    }
    return opts.proxy ? observeFullName(full) : undefined;
  };

  /** observeFullName: through the proxy, an upstream gem's file is fetched, checked and logged on first sight. */
  const observeFullName = async (full: string): Promise<GemVersion | undefined> => {
    const proxy = opts.proxy!;
    for (let i = full.indexOf('-'); i > 0; i = full.indexOf('-', i + 1)) {
      const name = full.slice(0, i);
      const rest = full.slice(i + 1);
      const dash = rest.indexOf('-');
      const version = dash < 0 ? rest : rest.slice(0, dash);
      const platform = dash < 0 ? 'ruby' : rest.slice(dash + 1);
      if (!GEM_NAME.test(name) || !/^[0-9]/.test(version) || !(await proxy.resolves(name)))
        continue;
      const lines = await proxy.upstream.info(name);
      if (!lines?.some((l) => l.version === version && l.platform === platform)) continue;
      const row = await proxy.observe.observe(gemPurl(name, version, platform));
      if (!row) continue;
      const facts = await cachedGemFacts(row.sha256, row.filename, () =>
        storedBytes(blobs, row.sha256),
      );
      if (facts) return { row, facts };
    }
    return undefined;
  };

  // ---- compact index ------------------------------------------------------------

  // /versions and /info bodies change only when a gem is published, yanked or un-yanked: cached
  // per generation (the number of published gems — releases are never removed — and the yanks
  // with their log indexes), read from the shared storage, so a publish or yank on another
  // replica is seen here at once. A new process reads each gem's metadata once
  // (cachedGemFacts), so its first /versions costs O(gems) YAML parses.
  let generation = '';
  const bodies = new Map<string, string>();
  const cached = async (
    key: string,
    make: (yanked: ReadonlyMap<string, string>) => Promise<string>,
  ): Promise<string> => {
    const [count, yanks] = await Promise.all([
      releases.count('gem'),
      packages.yanksWithPrefix('pkg:gem/'),
    ]);
    const g = `${count}:${md5(yanks.map((y) => `${y.purl} ${y.logIndex} ${y.yankedAt}`).join('\n'))}`;
    if (g !== generation) {
      generation = g;
      bodies.clear();
    }
    let body = bodies.get(key);
    if (body === undefined) {
      body = await make(new Map(yanks.map((y) => [y.purl, y.reason])));
      if (bodies.size < 100_000) bodies.set(key, body);
    }
    return body;
  };

  app.get('/versions', async function versionsFile(_req, reply) {
    // Through the proxy: the hosted gems, then the upstream's lines for every other name.
    const body = opts.proxy
      ? `${await cached(' hosted versions', (yanked) => versionsBody(yanked, true))}${(await opts.proxy.versionsLines()).map((l) => `${l}\n`).join('')}`
      : await cached(' versions', (yanked) => versionsBody(yanked));
    return reply
      .header('etag', `"${md5(body)}"`)
      .type('text/plain; charset=utf-8')
      .send(body);
  });
  const versionsBody = async (
    yanked: ReadonlyMap<string, string>,
    hostedOnly = false,
  ): Promise<string> => {
    const lines: string[] = [];
    let newest = '1970-01-01T00:00:00Z';
    for (const [name, vs] of await allVersions(yanked)) {
      if (hostedOnly && vs.every((v) => isObservedRow(v.row))) continue;
      if (vs.length === 0) continue;
      for (const v of vs) if (v.row.publishedAt > newest) newest = v.row.publishedAt;
      lines.push(
        `${name} ${vs.map((v) => (v.facts.platform === 'ruby' ? v.facts.version : `${v.facts.version}-${v.facts.platform}`)).join(',')} ${md5(infoBody(vs))}`,
      );
    }
    return `created_at: ${newest}\n---\n${lines.join('\n')}${lines.length ? '\n' : ''}`;
  };

  app.get<{ Params: { name: string } }>(
    '/info/:name',
    { schema: { params: GEM_PARAMS }, schemaErrorFormatter: noSuchGem },
    async function infoFile(req, reply) {
      const { name } = req.params;
      if (opts.proxy && (await opts.proxy.resolves(name))) {
        const lines: string[] = [];
        for (const l of (await opts.proxy.info(name)) ?? []) {
          if (l.kind === 'line') lines.push(l.text);
          else {
            const facts = await cachedGemFacts(l.row.sha256, l.row.filename, () =>
              storedBytes(blobs, l.row.sha256),
            );
            if (facts) lines.push(infoLine(facts, l.row.sha256));
          }
        }
        if (lines.length === 0)
          throw notFound(`${name} is on neither this registry nor its upstream`);
        const body = `---\n${lines.join('\n')}\n`;
        return reply
          .header('etag', `"${md5(body)}"`)
          .type('text/plain; charset=utf-8')
          .send(body);
      }
      const body = await cached(name, async (yanked) => {
        const vs = await versionsOf(name, yanked);
        return vs.length === 0 ? '' : infoBody(vs);
      });
      if (body === '') throw notFound(`${name} is not published on this registry`);
      return reply
        .header('etag', `"${md5(body)}"`)
        .type('text/plain; charset=utf-8')
        .send(body);
    },
  );

  // `gem install` probes the source root (HEAD) and resolves with the compact index (/info) when it
  // answers, else with the full index (specs.4.8.gz), which cannot list an upstream's gems.
  if (opts.proxy)
    app.get('/', async function sourceRoot(_req, reply) {
      return reply
        .type('text/plain; charset=utf-8')
        .send('Sigil RubyGems source (compact index)\n');
    });

  app.get('/names', async function namesFile(_req, reply) {
    return reply.type('text/plain; charset=utf-8').send(`---\n${(await names()).join('\n')}\n`);
  });

  // ---- full index ------------------------------------------------------------------

  const specsFile = async (which: 'all' | 'latest' | 'prerelease') => {
    const tuples: RubyValue[] = [];
    for (let vs of (await allVersions(await gemYanks())).values()) {
      const pre = (v: GemVersion) => /[a-zA-Z]/.test(v.facts.version);
      vs = vs.filter((v) => (which === 'prerelease' ? pre(v) : !pre(v)));
      if (which === 'latest' && vs.length > 0) vs = [vs[vs.length - 1]!]; // newest published release (per name)
      for (const v of vs)
        tuples.push([
          v.facts.name,
          { $user: 'Gem::Version', data: [v.facts.version] },
          v.facts.platform,
        ]);
    }
    return gzipSync(marshalDump(tuples));
  };
  app.get('/specs.4.8.gz', async function allSpecs(_req, reply) {
    return reply.type('application/octet-stream').send(await specsFile('all'));
  });
  app.get('/latest_specs.4.8.gz', async function latestSpecs(_req, reply) {
    return reply.type('application/octet-stream').send(await specsFile('latest'));
  });
  app.get('/prerelease_specs.4.8.gz', async function prereleaseSpecs(_req, reply) {
    return reply.type('application/octet-stream').send(await specsFile('prerelease'));
  });

  app.get<{ Params: { file: string } }>(
    '/quick/Marshal.4.8/:file',
    async function gemspecFile(req, reply) {
      const m = /^(.+)\.gemspec\.rz$/.exec(req.params.file);
      const v = m ? await rowForFullName(m[1]!) : undefined;
      if (!v) throw notFound(`no specification ${req.params.file}`);
      return reply
        .header('cache-control', IMMUTABLE)
        .type('application/octet-stream')
        .send(deflateSync(marshalSpec(v.facts, v.row.publishedAt)));
    },
  );

  app.get<{ Params: { file: string } }>('/gems/:file', async function gemFile(req, reply) {
    const m = /^(.+)\.gem$/.exec(req.params.file);
    const v = m ? await rowForFullName(m[1]!) : undefined;
    if (!v) throw notFound(`${req.params.file} is not published on this registry`);
    const bytes = await artifactOf(blobs, v.row);
    return reply.header('cache-control', IMMUTABLE).type('application/octet-stream').send(bytes);
  });

  // ---- gem push ---------------------------------------------------------------------

  const writeHook = writeAuthHook(
    auth,
    render,
    `sigil publish <name>-<version>.gem --otp <code> --server ${ctx.baseUrl || '<this registry>'} uploads with it`,
  );

  app.post(
    '/api/v1/gems',
    { bodyLimit: opts.maxUploadBytes, ...writeHook },
    async function pushGem(req, reply) {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0)
        throw new RegistryError(
          400,
          'GEM_PUSH_INVALID',
          'the body must be a .gem file',
          'push with `gem push <file>.gem --host <this registry>/rubygems`',
        );
      let facts: GemFacts;
      try {
        facts = await gemFacts('upload.gem', req.body);
      } catch (e) {
        if (e instanceof InputError)
          throw new RegistryError(
            400,
            'ARTIFACT_INVALID',
            e.message.replace(/^upload\.gem: /, ''),
            'push a .gem made by `gem build`',
          );
        throw e;
      }
      const filename = `${gemFullName(facts)}.gem`;
      const existingNames = (await names()).filter(
        (n) => n.toLowerCase() === facts.name.toLowerCase() && n !== facts.name,
      );
      if (existingNames.length > 0)
        throw new RegistryError(
          403,
          'GEM_NAME_TAKEN',
          `${facts.name} is too similar to the published gem ${existingNames[0]} (names differing only in case are one gem here)`,
          `push as ${existingNames[0]} or choose another name`,
        );
      const outcome = await publishClientUpload(
        ctx,
        auth,
        req,
        { filename, artifact: req.body, bundle: null, type: 'gem' },
        {
          versionExists: {
            message: `Repushing of gem versions is not allowed. ${gemFullName(facts)} is already published with other bytes`,
            hint: 'versions are immutable; bump the version in the gemspec',
          },
          signatureRequired: {
            message: `${facts.name} only accepts releases signed by its authors with Sigil, and \`gem push\` cannot send a Sigil signature`,
            hint: `sigil publish ${filename} --key <your .key> --server ${ctx.baseUrl || '<this registry>'} (see docs/rubygems.md)`,
          },
        },
      );
      const purl = makePurl(
        'gem',
        undefined,
        facts.name,
        facts.version,
        facts.platform === 'ruby' ? undefined : { platform: facts.platform },
      );
      return reply
        .code(200)
        .type('text/plain; charset=utf-8')
        .send(
          outcome.status === 201
            ? `Successfully registered gem: ${facts.name} (${facts.version}) as ${purl}`
            : `${facts.name} (${facts.version}) was already published with these bytes`,
        );
    },
  );

  // ---- gem yank, gem owner -----------------------------------------------------------

  app.delete<{ Body: { gem_name: string; version: string; platform?: string } }>(
    '/api/v1/gems/yank',
    {
      bodyLimit: 16 * 1024,
      ...writeHook,
      preValidation: formFields,
      schema: { body: YANK_FORM },
      schemaErrorFormatter: refuseInvalid(
        'give gem_name and version',
        'BAD_REQUEST',
        'gem yank <name> -v <version>',
      ),
    },
    async function yankGem(req, reply) {
      const { gem_name: name, version } = req.body;
      const platform = req.body.platform || 'ruby';
      if (auth)
        await auth.guard.authorizeNamespace(
          req,
          versionlessPurl('gem', undefined, name),
          'publish',
        );
      const v = (await versionsOf(name)).find(
        (x) => x.facts.version === version && x.facts.platform === platform,
      );
      if (!v)
        throw notFound(
          `${name} ${version}${platform === 'ruby' ? '' : ` (${platform})`} is not published on this registry`,
        );
      if ((await packages.yankOf(v.row.purl)) !== undefined)
        throw new RegistryError(
          422,
          'ALREADY_YANKED',
          `${name} (${version}) has already been yanked`,
        );
      await recordYank(
        ctx,
        v.row.purl,
        [v.row],
        true,
        '',
        req.sigilAuth?.principal.account ?? null,
      );
      // The .gem stays downloadable (lockfiles that pin it keep working); indexes drop the version.
      return reply
        .type('text/plain; charset=utf-8')
        .send(
          `Successfully deleted gem: ${name} (${version}${platform === 'ruby' ? '' : `-${platform}`})`,
        );
    },
  );

  /** The gem's namespace for owner commands: the caller must be allowed to publish it. */
  const ownedGem = async (req: FastifyRequest<{ Params: { name: string } }>): Promise<string> => {
    const { name } = req.params;
    if ((await releases.versions('gem', '', name)).length === 0)
      throw notFound(`${name} is not published on this registry`);
    if (!auth)
      throw new RegistryError(
        404,
        'NO_ACCOUNTS',
        'this registry runs without accounts, so gems have no owners',
        'start `sigil serve` with accounts (docs/auth.md)',
      );
    const ns = versionlessPurl('gem', undefined, name);
    await auth.guard.authorizeNamespace(req, ns, 'publish');
    return ns;
  };
  app.get<{ Params: { name: string } }>(
    '/api/v1/gems/:name/owners.yaml',
    { ...writeHook, schema: { params: GEM_PARAMS }, schemaErrorFormatter: noSuchGem },
    async function listOwners(req, reply) {
      const owners = await ownersOf(ctx.storage.grants, await ownedGem(req));
      // gem prints `email || handle || id`; accounts here have names, not e-mail addresses.
      return reply
        .type('text/yaml; charset=utf-8')
        .send(`---\n${owners.map((o) => `- handle: ${JSON.stringify(o)}\n`).join('')}`);
    },
  );
  app.post<{ Params: { name: string }; Body: { email: string } }>(
    '/api/v1/gems/:name/owners',
    { bodyLimit: 16 * 1024, ...writeHook, preValidation: formFields, ...ownerRoute },
    async function addGemOwner(req, reply) {
      const ns = await ownedGem(req);
      await addOwners(auth!.service, ns, [req.body.email]);
      return reply.type('text/plain; charset=utf-8').send('Owner added successfully.');
    },
  );
  app.delete<{ Params: { name: string }; Body: { email: string } }>(
    '/api/v1/gems/:name/owners',
    { bodyLimit: 16 * 1024, ...writeHook, preValidation: formFields, ...ownerRoute },
    async function removeGemOwner(req, reply) {
      const ns = await ownedGem(req);
      await removeOwners(ctx.storage.grants, ns, [req.body.email]);
      return reply.type('text/plain; charset=utf-8').send('Owner removed successfully.');
    },
  );
}
