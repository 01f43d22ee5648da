/**
 * pypiRoutes: the PyPI personality of `sigil serve`, a fastify plugin
 * registered under /pypi (docs/pypi.md).
 *
 *   GET  /simple/                          project list (PEP 503 HTML / PEP 691 JSON)
 *   GET  /simple/<project>/                files of a project; other spellings → 301 to the
 *                                          PEP 503 name (pip follows it)
 *   GET  /files/<project>/<version>/<file> the distribution (immutable)
 *   GET  /files/<project>/<version>/<file>.metadata   its METADATA (PEP 658, wheels)
 *   POST /legacy/                          upload (`twine upload --repository-url <url>/pypi/legacy/`)
 *   PUT  /yank/<project>/<version>         yank (PEP 592), body {"reason": "…"}; DELETE un-yanks
 *
 * One publish pipeline: an upload goes through publishRelease like every
 * other (author signature against the key ledger, countersignature, log).
 * Names are PEP 503-normalised everywhere: the purl carries the normalised
 * name, so two spellings are one project, one owner, one key ledger.
 *
 * Refusals: twine prints the HTTP reason phrase (that is where PyPI puts its
 * message), so the message and hint go there as well as in the JSON body.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import { makePurl } from '../../../core/purl.js';
import type { DsseEnvelope } from '../../../core/dsse.js';
import { identifyPypi } from '../../../ecosystems/pypi/identify.js';
import { normalizePypiName, PYPI_NAME, PYPI_VERSION } from '../../../ecosystems/pypi/name.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { InputError } from '../../../core/errors.js';
import { RegistryError } from '../../errors.js';
import { publishClientUpload } from '../shared/client-upload.js';
import { IMMUTABLE, notFound, type ClientRoutesOptions } from '../shared/client-routes.js';
import { findPublished, keyOf, publishedFilesOfVersion } from '../../release-keys.js';
import { writeAuthHook, installRefusals, reasonPhrase, type Refusal } from '../shared/refusal.js';
import { recordYank, yankReasons } from '../shared/yanks.js';
import { artifactOf, storedBytes } from '../shared/stored-bytes.js';
import {
  byPart,
  matching,
  notFoundWhenInvalid,
  paramsOf,
  refuseInvalid,
  schemaCompiler,
} from '../../route-schema.js';
import { distMetadata } from './metadata.js';
import {
  chooseSimpleFormat,
  projectHtml,
  projectJson,
  projectListHtml,
  projectListJson,
  type SimpleFile,
} from './simple.js';
import { checkUploadForm, pypiVersionKey } from './upload.js';
import type { PypiProxy } from '../../observed/pypi-proxy.js';
import type { ProxiedFile } from '../../observed/pypi-proxy.js';

/** Where `sigil serve` mounts this personality. */
export const PYPI_PREFIX = '/pypi';

export type PypiRoutesOptions = ClientRoutesOptions<PypiProxy>;

function render(reply: FastifyReply, r: Refusal): FastifyReply {
  const text = r.hint ? `${r.message} (hint: ${r.hint})` : r.message;
  reply.raw.statusMessage = reasonPhrase(text);
  return reply
    .code(r.status)
    .type('application/json; charset=utf-8')
    .send({ error: { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) } });
}

// Route schemas (route-schema.ts): a path whose project or version cannot be one names nothing here (404).
const projectName = matching('pypi-name', PYPI_NAME, 'a project name');
const pypiVersion = matching('pypi-version', PYPI_VERSION, 'a version');
const FILE_PARAMS = paramsOf({
  project: projectName,
  version: pypiVersion,
  file: { type: 'string', description: 'a file name' },
});
const RELEASE_PARAMS = paramsOf({ project: projectName, version: pypiVersion });
/** A yank's body: {"reason": "…"} (PEP 592's yanked reason), or none. */
const YANK_BODY = {
  type: ['object', 'null'],
  description: 'a JSON object or nothing',
  properties: { reason: { type: 'string', description: 'a string' } },
} as const;
const noSuchRelease = notFoundWhenInvalid('no such release');

export async function pypiRoutes(app: FastifyInstance, opts: PypiRoutesOptions): Promise<void> {
  const { ctx, auth } = opts;
  const { releases, blobs, packages } = ctx.storage;
  installRefusals(app, opts.maxUploadBytes, render);
  app.setValidatorCompiler(schemaCompiler);
  await app.register(multipart, {
    limits: {
      fileSize: opts.maxUploadBytes,
      files: 2,
      fields: 200,
      fieldSize: 4 * 1024 * 1024,
      parts: 202,
    },
  });

  const baseUrl = (req: FastifyRequest) =>
    `${ctx.baseUrl || `${req.protocol}://${req.headers.host ?? 'localhost'}`}${PYPI_PREFIX}`;
  const packagePurl = (norm: string) => `pkg:pypi/${norm}`;
  /** A yank is of a version (PEP 592: pip skips every file of it), whatever its spelling. */
  const yankKey = (norm: string, version: string) =>
    keyOf(makePurl('pypi', undefined, norm, version)).release!;
  /** fileRow finds a stored distribution by its exact file name (a row stored before files had purls has none). */
  const fileRow = async (norm: string, version: string, file: string) => {
    const row =
      (await findPublished(
        releases,
        makePurl('pypi', undefined, norm, version, { file_name: file }),
      )) ?? (await findPublished(releases, makePurl('pypi', undefined, norm, version)));
    return row && row.filename === file ? row : undefined;
  };
  /** The project's yanks (version keys and file purls → reason): one read for a whole page. */
  const yanksOf = (norm: string) => yankReasons(packages, `${packagePurl(norm)}@`);
  const fileUrl = (base: string, norm: string, version: string, filename: string) =>
    `${base}/files/${norm}/${encodeURIComponent(version)}/${encodeURIComponent(filename)}`;

  /** Writes need a token before the body is read (twine sends it as Basic __token__:<token>). */
  const writeHook = writeAuthHook(
    auth,
    render,
    `sigil publish dist/<file> --otp <code> --key <your .key> --server ${ctx.baseUrl || '<this registry>'} uploads with it`,
  );

  async function filesOf(
    base: string,
    norm: string,
    yanks: ReadonlyMap<string, string>,
  ): Promise<SimpleFile[]> {
    const out: SimpleFile[] = [];
    for (const row of await releases.releasesOf(packagePurl(norm), { files: true }))
      out.push(await filesOfRow(base, norm, row, yanks));
    return out;
  }

  async function filesOfRow(
    base: string,
    norm: string,
    row: ReleaseRow,
    yanks: ReadonlyMap<string, string>,
  ): Promise<SimpleFile> {
    const meta = await distMetadata(row.sha256, row.filename, () => storedBytes(blobs, row.sha256));
    const yanked = yanks.get(yankKey(norm, row.version)) ?? yanks.get(row.purl);
    return {
      filename: row.filename,
      url: fileUrl(base, norm, row.version, row.filename),
      sha256: row.sha256,
      size: row.size,
      uploadTime: row.publishedAt,
      version: row.version,
      ...(meta.requiresPython ? { requiresPython: meta.requiresPython } : {}),
      ...(meta.metadataSha256 ? { metadataSha256: meta.metadataSha256 } : {}),
      ...(yanked !== undefined ? { yanked } : {}),
      record: `${ctx.baseUrl || base.slice(0, -PYPI_PREFIX.length)}/api/v1/releases/${encodeURIComponent(row.purl)}`,
      signedByAuthor: row.authorBundle !== null,
    };
  }

  /** proxiedFile: a file of an upstream name; logged ones as stored, the others as the upstream lists them (pip checks that sha256, Sigil too before logging). */
  async function proxiedFile(
    base: string,
    norm: string,
    f: ProxiedFile,
    yanks: ReadonlyMap<string, string>,
  ): Promise<SimpleFile> {
    if (f.row) {
      const own = await filesOfRow(base, norm, f.row, yanks);
      return {
        ...own,
        ...(f.upstream?.requiresPython ? { requiresPython: f.upstream.requiresPython } : {}),
        ...(f.upstream?.yanked !== undefined ? { yanked: f.upstream.yanked } : {}),
      };
    }
    const u = f.upstream!;
    return {
      filename: u.filename,
      url: fileUrl(base, norm, u.version, u.filename),
      sha256: u.sha256 ?? '',
      size: u.size ?? 0,
      uploadTime: u.uploadTime ?? new Date(0).toISOString(),
      version: u.version,
      ...(u.requiresPython ? { requiresPython: u.requiresPython } : {}),
      ...(u.yanked !== undefined ? { yanked: u.yanked } : {}),
      record: `${ctx.baseUrl || base.slice(0, -PYPI_PREFIX.length)}/api/v1/sum/${encodeURIComponent(makePurl('pypi', undefined, norm, u.version, { file_name: u.filename }))}`,
      signedByAuthor: false,
    };
  }

  // ---- Simple API ---------------------------------------------------------

  app.get('/simple', async function simpleRedirect(_req, reply) {
    return reply.redirect(`${PYPI_PREFIX}/simple/`, 301);
  });
  app.get('/simple/', async function projectList(req, reply) {
    const names = (await releases.packagesOfType('pypi')).map((p) => p.slice('pkg:pypi/'.length));
    const f = chooseSimpleFormat(req.headers.accept);
    reply.header('vary', 'Accept').type(f.type);
    return reply.send(f.json ? projectListJson(names) : projectListHtml(names));
  });

  const project = async (
    req: FastifyRequest<{ Params: { project: string } }>,
    reply: FastifyReply,
    slash: boolean,
  ) => {
    const name = req.params.project;
    if (!PYPI_NAME.test(name)) throw notFound(`"${name}" is not a valid project name`);
    const norm = normalizePypiName(name);
    if (norm !== name || !slash) return reply.redirect(`${PYPI_PREFIX}/simple/${norm}/`, 301); // PEP 503: redirect to the normalised URL
    const proxied =
      opts.proxy && (await opts.proxy.resolves(norm)) ? await opts.proxy.files(norm) : undefined;
    const yanks = await yanksOf(norm);
    const files = proxied
      ? await Promise.all(proxied.map((f) => proxiedFile(baseUrl(req), norm, f, yanks)))
      : await filesOf(baseUrl(req), norm, yanks);
    if (files.length === 0)
      throw notFound(
        `${norm} is not published on this registry${opts.proxy ? ' nor on its upstream' : ''}`,
      );
    const f = chooseSimpleFormat(req.headers.accept);
    reply.header('vary', 'Accept').type(f.type);
    return reply.send(f.json ? projectJson(norm, files) : projectHtml(norm, files));
  };
  app.get<{ Params: { project: string } }>('/simple/:project/', function projectPage(req, reply) {
    return project(req, reply, true);
  });
  app.get<{ Params: { project: string } }>(
    '/simple/:project',
    function projectRedirect(req, reply) {
      return project(req, reply, false);
    },
  );

  app.get<{ Params: { project: string; version: string; file: string } }>(
    '/files/:project/:version/:file',
    { schema: { params: FILE_PARAMS }, schemaErrorFormatter: notFoundWhenInvalid('no such file') },
    async function distributionFile(req, reply) {
      // Every segment is checked (FILE_PARAMS); the file name must be the stored one exactly (no path ever reaches the disk).
      const { project: name, version } = req.params;
      let file = req.params.file;
      const wantMetadata = file.endsWith('.metadata');
      if (wantMetadata) file = file.slice(0, -'.metadata'.length);
      const norm = normalizePypiName(name);
      // A hosted file by its own purl (…?file_name=); through the proxy, an upstream name's file
      // is fetched, checked and logged on first sight.
      let row = await fileRow(norm, version, file);
      if (!row && opts.proxy) {
        // Each upstream file is its own observed record, logged on its first download.
        const observed = await opts.proxy.observe.observe(
          makePurl('pypi', undefined, norm, version, { file_name: file }),
        );
        row = observed && observed.filename === file ? observed : undefined;
      }
      if (!row) throw notFound(`${file} is not published on this registry`);
      if (wantMetadata) {
        const meta = await distMetadata(row.sha256, row.filename, () =>
          storedBytes(blobs, row.sha256),
        );
        if (!meta.metadata) throw notFound(`${file} has no separate metadata file`);
        return reply
          .header('cache-control', IMMUTABLE)
          .type('text/plain; charset=utf-8')
          .send(meta.metadata);
      }
      const bytes = await artifactOf(blobs, row);
      return reply.header('cache-control', IMMUTABLE).type('application/octet-stream').send(bytes);
    },
  );

  // ---- upload (twine) -------------------------------------------------------

  const upload = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.isMultipart())
      throw new RegistryError(
        400,
        'PYPI_UPLOAD_INVALID',
        'an upload must be multipart/form-data',
        'upload with `twine upload --repository-url <this registry>/pypi/legacy/`',
      );
    const fields = new Map<string, string[]>();
    const files: { filename: string; data: Buffer }[] = [];
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const data = await part.toBuffer();
        if (part.fieldname === 'content') files.push({ filename: part.filename, data });
        else if (part.fieldname !== 'gpg_signature' && part.fieldname !== 'attestations')
          throw new RegistryError(
            400,
            'PYPI_UPLOAD_INVALID',
            `invalid upload: unexpected file field "${part.fieldname}"`,
          );
      } else {
        const v = typeof part.value === 'string' ? part.value : String(part.value);
        fields.set(part.fieldname, [...(fields.get(part.fieldname) ?? []), v]);
      }
    }
    const up = checkUploadForm({ fields, files });

    // The form's name/version must be the archive's own (the one pip will install).
    let identity;
    try {
      identity = await identifyPypi(memoryArtifact(up.filename, up.data));
    } catch (e) {
      if (e instanceof InputError)
        throw new RegistryError(400, 'ARTIFACT_INVALID', e.message, e.hint);
      throw e;
    }
    if (
      normalizePypiName(identity.name) !== normalizePypiName(up.name) ||
      pypiVersionKey(identity.version) !== pypiVersionKey(up.version)
    ) {
      throw new RegistryError(
        400,
        'PYPI_PUBLISH_MISMATCH',
        `the form says ${up.name} ${up.version} but ${up.filename}'s metadata says ${identity.name} ${identity.version}`,
        'upload the files `python -m build` wrote, unchanged',
      );
    }
    const norm = normalizePypiName(identity.name);
    // Each distribution file is immutable on its own (its purl carries its file name): only the
    // same name with other bytes is VERSION_EXISTS. twine --skip-existing recognises 409
    // (twine/commands/upload.py skip_upload), and prints the reason "File already exists".
    const outcome = await publishClientUpload(
      ctx,
      auth,
      req,
      {
        filename: up.filename,
        artifact: up.data,
        bundle: up.bundle,
        keyEvents: up.keyEvents as DsseEnvelope[],
        type: 'pypi',
      },
      {
        versionExists: {
          code: 'FILE_EXISTS',
          message: `File already exists: ${up.filename} is published with other bytes`,
          hint: 'a published file never changes; build a new version (or a post release, e.g. 1.0.post1)',
        },
        signatureRequired: {
          message: `${norm} only accepts releases signed by its authors, and twine cannot sign`,
          hint: `sigil publish dist/${up.filename} --key <your .key> --server ${ctx.baseUrl || '<this registry>'} (signs and uploads in one step; see docs/pypi.md)`,
        },
      },
    );
    // PyPI answers 200 to an upload (also of an identical file again).
    return reply.code(200).send({
      ok: true,
      purl: outcome.record.purl,
      signedByAuthor: outcome.record.authorBundle !== null,
      record: `${ctx.baseUrl || baseUrl(req).slice(0, -PYPI_PREFIX.length)}/api/v1/releases/${encodeURIComponent(outcome.record.purl)}`,
    });
  };
  app.post('/legacy/', { ...writeHook }, upload);
  app.post('/legacy', { ...writeHook }, upload);

  // ---- yank (PEP 592) ---------------------------------------------------------

  const yank = async (
    req: FastifyRequest<{
      Params: { project: string; version: string };
      Body: { reason?: string } | null | undefined;
    }>,
    reply: FastifyReply,
    on: boolean,
  ) => {
    const { project: name, version } = req.params;
    const norm = normalizePypiName(name);
    if (auth) await auth.guard.authorizeNamespace(req, packagePurl(norm), 'publish');
    const versionPurl = makePurl('pypi', undefined, norm, version);
    const files = (await publishedFilesOfVersion(releases, versionPurl)) ?? [];
    if (files.length === 0) throw notFound(`${norm} ${version} is not published on this registry`);
    const reason = (req.body?.reason ?? '').slice(0, 1000);
    const logIndex = await recordYank(
      ctx,
      yankKey(norm, version),
      files,
      on,
      reason,
      req.sigilAuth?.principal.account ?? null,
    );
    return reply.send({
      ok: true,
      purl: versionPurl,
      files: files.map((f) => f.filename),
      yanked: on,
      logIndex,
    });
  };
  const yankRoute = {
    schema: { params: RELEASE_PARAMS, body: YANK_BODY },
    schemaErrorFormatter: byPart({
      params: noSuchRelease,
      body: refuseInvalid('the body must be {"reason": "<why>"} or empty'),
    }),
  };
  app.put<{ Params: { project: string; version: string }; Body: { reason?: string } | null }>(
    '/yank/:project/:version',
    { bodyLimit: 8192, ...writeHook, ...yankRoute },
    function yankRelease(req, reply) {
      return yank(req, reply, true);
    },
  );
  app.delete<{ Params: { project: string; version: string }; Body: { reason?: string } | null }>(
    '/yank/:project/:version',
    { ...writeHook, ...yankRoute },
    function unyankRelease(req, reply) {
      return yank(req, reply, false);
    },
  );
}
