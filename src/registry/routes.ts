/**
 * The registry's HTTP API (JSON). Each route declares the shape of its input
 * as a JSON schema (checked before the handler, route-schema.ts, refusals
 * naming each bad field) and has one named handler that calls the library
 * (publish.ts, records.ts, ledger-answers.ts, keys-document.ts); the error
 * handler maps RegistryError to a status and a JSON body.
 *
 *   POST /api/v1/publish                 upload: {filename, artifact (base64), bundle|null, keyEvents?, type?, namespace?, name?, version?}
 *                                        or multipart/form-data with the artifact's raw bytes (publish-form.ts)
 *   GET  /api/v1/releases/<purl>         one release record (purl percent-encoded as one segment)
 *   GET  /api/v1/releases?sha256=<hex>   releases with these bytes
 *   POST /api/v1/releases/lookup         batch: {purls: [...]} → {checkpoint, records: {purl: record|null}}
 *   GET  /api/v1/blobs/sha256/<hex>[/<filename>]   the artifact bytes
 *   GET  /.well-known/sigil/keys.json    registry and log keys
 *   GET  /-/npm/v1/keys                  the registry key in npm's shape (npm audit signatures)
 *   GET  /api/v1/ledger/<namespace>      a namespace's key history with proofs against one checkpoint
 *   POST /api/v1/key-events              submit a signed key event: {envelope}
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InputError } from '../core/errors.js';
import { canonicalPurl } from '../core/purl.js';
import type { DsseEnvelope } from '../core/dsse.js';
import { RegistryError } from './errors.js';
import { publishRelease, type RegistryContext } from './publish.js';
import { buildBatchJson, buildRecord } from './records.js';
import { PublishedRows } from './lookup-rows.js';
import type { ReleaseRow } from '../store/registry/releases.js';
import type { LedgerAuthority } from './ledger-authority.js';
import {
  claimPatternFirst,
  withPublishClaims,
  sendAuthError,
  toAuthError,
  type AuthGuard,
} from './auth/http.js';
import type { AuthService } from './auth/service.js';
import { parseKeyEventEnvelope } from '../ledger/event.js';
import { governingLedgersJson, ledgerReport } from './ledger-answers.js';
import { npmKeysDocument, sigilKeysDocument } from './keys-document.js';
import { refuseInvalid, schemaCompiler } from './route-schema.js';
import { readPublishForm } from './publish-form.js';
import { findPublished, publishedFilesOfVersion } from './release-keys.js';
import { provenLedgers } from './ledger-proofs.js';
import { isStorageFull } from '../store/storage-full.js';
import { isUnavailable, UNAVAILABLE_RETRY_SECONDS } from '../store/scale/unavailable.js';
import { StorageError } from '../store/contract.js';
import {
  DEFAULT_LOOKUP_LIMITS,
  LookupLimiter,
  type LookupLimits,
  planLookup,
} from './batch-lookup.js';
import { acceptRawBody } from './raw-body.js';

export interface RegistryRoutesOptions {
  readonly ctx: RegistryContext;
  /** The registry's OpenPGP key (apt's signed-by), listed in keys.json. */
  readonly openpgp?: { readonly fingerprint: string; readonly armored: string };
  /** Largest accepted upload body in bytes (JSON with the base64 artifact). */
  readonly maxUploadBytes: number;
  /** Largest accepted artifact in bytes (decoded), the limit the operator set; default: no check beyond the body limit. */
  readonly maxArtifactBytes?: number;
  /** Most purls in one batch lookup. */
  readonly maxBatch?: number;
  /** Accounts, tokens, 2FA and rate limits for writes; without it, writes are open (tests, private use). */
  readonly auth?: { readonly guard: AuthGuard; readonly service: AuthService };
  /** Ledger facts for records (namespace, reset flag). */
  readonly ledgerFacts?: (
    row: ReleaseRow,
  ) => Promise<{ namespace: string; resetInHistory: boolean } | undefined>;
  /** The key ledger, for its read and write API. */
  readonly ledger?: LedgerAuthority;
  /** On-demand lookup of a purl without a record (the proxy's observe: fetch upstream, log); a version that is a set of files (PyPI) answers the array of its files; undefined without upstreams. */
  readonly resolve?: (purl: string) => Promise<ReleaseRow | ReleaseRow[] | undefined>;
  /** Ecosystems with an upstream (keys.json `observes`: clients fail closed on a missing record there). */
  readonly observes?: readonly string[];
  /** Limits of POST /api/v1/releases/lookup (default DEFAULT_LOOKUP_LIMITS of batch-lookup.ts). */
  readonly lookupLimits?: Partial<LookupLimits>;
}

/** PublishBody is what PUBLISH_BODY admits. */
interface PublishBody {
  filename: string;
  artifact: string;
  bundle?: object | null;
  keyEvents?: DsseEnvelope[];
  type?: string;
  namespace?: string;
  name?: string;
  version?: string;
}

const aString = { type: 'string', description: 'a string' } as const;
const FILENAME_FIELD = {
  type: 'string',
  pattern: '^[^/\\\\]+$',
  description: 'a plain file name',
} as const;
/** The fields of an upload besides filename and artifact: the JSON form's and the multipart form's (publish-form.ts). */
const UPLOAD_FIELDS = {
  bundle: { type: ['object', 'null'], description: 'a Sigstore bundle object or null' },
  keyEvents: { type: 'array', description: 'an array of DSSE envelopes' },
  type: aString,
  namespace: aString,
  name: aString,
  version: aString,
} as const;
const PUBLISH_BODY = {
  type: 'object',
  description: 'a JSON object',
  required: ['filename', 'artifact'],
  properties: {
    filename: FILENAME_FIELD,
    artifact: { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$', description: 'base64' },
    ...UPLOAD_FIELDS,
  },
} as const;
const PUBLISH_FORM = {
  type: 'object',
  description: 'a multipart form',
  required: ['filename'],
  properties: { filename: FILENAME_FIELD, ...UPLOAD_FIELDS },
} as const;
const stringList = (what: string) =>
  ({
    type: 'array',
    description: `an array of ${what}`,
    items: { type: 'string', description: 'a string' },
  }) as const;
const LOOKUP_BODY = {
  type: 'object',
  description: 'a JSON object',
  required: ['purls'],
  properties: { purls: stringList('purls') },
} as const;
const LEDGER_LOOKUP_BODY = {
  type: 'object',
  description: 'a JSON object',
  required: ['namespaces'],
  properties: { namespaces: stringList('namespace purls') },
} as const;
const KEY_EVENT_BODY = {
  type: 'object',
  description: 'a JSON object',
  required: ['envelope'],
  properties: { envelope: { type: 'object', description: 'a DSSE envelope object' } },
} as const;
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$', description: '64 lowercase hex digits' };
const SHA256_QUERY = {
  type: 'object',
  required: ['sha256'],
  properties: { sha256: hex64 },
} as const;
const BLOB_PARAMS = { type: 'object', properties: { hex: hex64 } } as const;

function sendError(reply: FastifyReply, e: RegistryError): FastifyReply {
  if (
    (e.status === 503 || e.status === 429 || e.status === 507) &&
    typeof e.detail?.['retryAfterSeconds'] === 'number'
  )
    reply.header('retry-after', String(e.detail['retryAfterSeconds']));
  return reply.code(e.status).type('application/json').send(e.toJSON());
}

function parsePurlParam(raw: string): string {
  try {
    return canonicalPurl(decodeURIComponent(raw));
  } catch (e) {
    throw new RegistryError(
      400,
      'PURL_INVALID',
      e instanceof InputError ? e.message : `"${raw}" is not a package URL`,
      'percent-encode the purl as one path segment, e.g. pkg%3Anpm%2Fleft-pad%401.3.0',
    );
  }
}

export async function registryRoutes(
  app: FastifyInstance,
  opts: RegistryRoutesOptions,
): Promise<void> {
  const { ctx } = opts;
  app.setValidatorCompiler(schemaCompiler);
  const maxBatch = opts.maxBatch ?? 10_000;
  const lookupLimits: LookupLimits = {
    ...DEFAULT_LOOKUP_LIMITS,
    ...(opts.maxBatch !== undefined ? { maxBatch: opts.maxBatch } : {}),
    ...opts.lookupLimits,
  };
  const lookupLimiter = new LookupLimiter(lookupLimits.perClient);

  // The operator's limit is on the artifact; the body limit is derived from it (base64 + bundle).
  // Refusals name the operator's number, the one they can look up and change.
  const uploadLimit = opts.maxArtifactBytes ?? opts.maxUploadBytes;
  const tooLarge = () =>
    new RegistryError(
      413,
      'UPLOAD_TOO_LARGE',
      `the upload is larger than this registry's limit of ${uploadLimit} bytes`,
      'the limit is set with `sigil serve --max-upload-bytes`',
      { limit: uploadLimit },
    );

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    if (err instanceof RegistryError) return sendError(reply, err);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && req.routeOptions.url === '/api/v1/publish')
      return sendError(reply, tooLarge());
    const authErr = opts.auth ? toAuthError(err, req) : undefined;
    if (authErr) return sendAuthError(reply, authErr);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      const limit = req.routeOptions.bodyLimit ?? opts.maxUploadBytes;
      return sendError(
        reply,
        new RegistryError(
          413,
          'UPLOAD_TOO_LARGE',
          `the request body is larger than this endpoint's limit of ${limit} bytes`,
          undefined,
          { limit },
        ),
      );
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return sendError(reply, new RegistryError(err.statusCode, 'BAD_REQUEST', err.message));
    }
    if (err instanceof InputError)
      return sendError(reply, new RegistryError(400, err.code, err.message, err.hint)); // bad input found deep inside (fuzzing)
    if (isUnavailable(err))
      // PostgreSQL or the object store out of reach (replicas): pushback, not a full disk.
      return sendError(
        reply,
        new RegistryError(
          503,
          'STORAGE_UNAVAILABLE',
          (err as Error).message,
          `retry after ${UNAVAILABLE_RETRY_SECONDS} s`,
          { retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS },
        ),
      );
    if (isStorageFull(err)) {
      // Disk full: nothing was stored; the registry recovers by itself once space is freed (storage-full.ts).
      app.log.error(err);
      return sendError(
        reply,
        new RegistryError(
          507,
          'STORAGE_FULL',
          "the registry's storage is full: nothing was stored",
          'retry later; the operator must free disk space',
          { retryAfterSeconds: 30 },
        ),
      );
    }
    app.log.error(err);
    if (err instanceof StorageError)
      // e.g. stored bytes that do not hash to their name: never served (the personalities say the same).
      return sendError(
        reply,
        new RegistryError(
          500,
          'STORAGE_ERROR',
          "the registry's storage failed this request (a stored artifact that does not match its digest is never served)",
          'the operator finds the cause in the server log and restores the artifact from a backup',
        ),
      );
    return sendError(
      reply,
      new RegistryError(
        500,
        'INTERNAL',
        'the registry failed to handle this request',
        'see the server log',
      ),
    );
  });

  const auth = opts.auth;
  /** Refuse writes without a valid token before reading the (possibly large) body. */
  const writeHook = (action: 'publish' | 'keys') =>
    auth ? { onRequest: auth.guard.requireAuth({ action }) } : {};
  const claim = async (req: FastifyRequest, namespace: string) => {
    if (auth && req.sigilAuth?.unclaimed)
      await auth.service.claimNamespace(req.sigilAuth.principal.account, namespace);
  };

  // The JSON form (artifact in base64) and the binary form (multipart/form-data, publish-form.ts)
  // become the same request; both forms' fields pass the same schema.
  const checkForm = schemaCompiler({ schema: PUBLISH_FORM } as Parameters<
    typeof schemaCompiler
  >[0]);
  const refuseForm = refuseInvalid('invalid publish request');
  async function publish(req: FastifyRequest<{ Body: PublishBody }>, reply: FastifyReply) {
    let body: Omit<PublishBody, 'artifact'>;
    let artifact: Buffer;
    const contentType = req.headers['content-type'] ?? '';
    if (Buffer.isBuffer(req.body)) {
      // multipart/form-data, read whole by the parser below
      const form = readPublishForm(req.body, contentType, uploadLimit, tooLarge);
      if (!checkForm(form.fields)) throw refuseForm(checkForm.errors ?? [], 'body');
      body = form.fields as unknown as Omit<PublishBody, 'artifact'>;
      artifact = form.artifact;
    } else if (
      req.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === 'application/json'
    ) {
      body = req.body; // checked by PUBLISH_BODY
      artifact = Buffer.from(req.body.artifact, 'base64');
    } else
      throw new RegistryError(
        400,
        'BAD_REQUEST',
        'invalid publish request: the body must be JSON (application/json) or multipart/form-data',
        '`sigil publish` sends the upload for you',
      );
    if (opts.maxArtifactBytes !== undefined && artifact.length > opts.maxArtifactBytes)
      throw tooLarge();
    const account = req.sigilAuth?.principal.account;
    // claims: the package, and the namespace of every key event sent along
    const outcome = await withPublishClaims(auth, req, (authorize) =>
      publishRelease(ctx, {
        filename: body.filename,
        artifact,
        bundle: body.bundle ?? null,
        keyEvents: body.keyEvents ?? [],
        ...(body.type !== undefined ? { type: body.type } : {}),
        ...(body.namespace !== undefined ? { namespace: body.namespace } : {}),
        ...(body.name !== undefined ? { name: body.name } : {}),
        ...(body.version !== undefined ? { version: body.version } : {}),
        ...(account ? { account } : {}),
        ...(authorize ? { authorize } : {}),
      }),
    );
    return reply.code(outcome.status).send(outcome.record);
  }

  const { releases, blobs } = ctx.storage;
  const publishedRows = new PublishedRows(releases);
  async function lookupReleases(
    req: FastifyRequest<{ Body: { purls: string[] } }>,
    reply: FastifyReply,
  ) {
    // Amplification: each canonical purl is looked up and built once; batch, repeats, answer size
    // and per-client volume are bounded (batch-lookup.ts).
    const plan = planLookup(req.body.purls, lookupLimits);
    lookupLimiter.take(req.ip, plan.distinct.length);
    // A version that is a set of files (PyPI) answers every file of it; published rows are
    // remembered (lookup-rows.ts).
    const byCanonical = new Map(
      await Promise.all(plan.distinct.map(async (c) => [c, await publishedRows.find(c)] as const)),
    );
    const rows = new Map<string, ReleaseRow | ReleaseRow[] | undefined>();
    for (const [spelling, canonical] of plan.spellings)
      rows.set(spelling, canonical === undefined ? undefined : byCanonical.get(canonical));
    // Misses are looked up upstream (in parallel: the upstream client bounds concurrency); a
    // failed lookup answers null, like a purl the upstream does not have.
    const resolve = opts.resolve;
    if (resolve)
      await Promise.all(
        [...rows]
          .filter(([, r]) => r === undefined)
          .map(async ([p]) => rows.set(p, await resolve(p).catch(() => undefined))),
      );
    return reply.type('application/json; charset=utf-8').send(
      await buildBatchJson(ctx, rows, opts.ledgerFacts, {
        maxBytes: lookupLimits.maxResponseBytes,
      }),
    );
  }

  async function getRelease(req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) {
    const purl = parsePurlParam(req.params['*']);
    let files = await publishedFilesOfVersion(releases, purl);
    const row = files?.length
      ? undefined
      : ((await findPublished(releases, purl)) ??
        (opts.resolve ? await opts.resolve(purl) : undefined));
    if (Array.isArray(row)) files = row; // the upstream's files of a version (proxy.ts resolve)
    if (files && files.length > 0) {
      // A version that is a set of files (PyPI) answers every file of it (release-keys.ts).
      const checkpoint = await ctx.log.latestCheckpoint();
      const records = [];
      for (const f of files) {
        const l = opts.ledgerFacts ? await opts.ledgerFacts(f) : undefined;
        records.push(
          await buildRecord(ctx, f, checkpoint, l?.resetInHistory ?? false, l?.namespace),
        );
      }
      return reply.send({ purl, files: records });
    }
    if (!row || Array.isArray(row))
      throw new RegistryError(
        404,
        'RELEASE_NOT_FOUND',
        `${purl} is not published on this registry`,
      );
    const l = opts.ledgerFacts ? await opts.ledgerFacts(row) : undefined;
    return reply.send(
      await buildRecord(
        ctx,
        row,
        await ctx.log.latestCheckpoint(),
        l?.resetInHistory ?? false,
        l?.namespace,
      ),
    );
  }

  async function releasesBySha256(
    req: FastifyRequest<{ Querystring: { sha256: string } }>,
    reply: FastifyReply,
  ) {
    const checkpoint = await ctx.log.latestCheckpoint();
    return reply.send({
      checkpoint,
      records: await Promise.all(
        (await releases.bySha256(req.query.sha256)).map((r) => buildRecord(ctx, r, checkpoint)),
      ),
    });
  }

  async function getBlob(req: FastifyRequest<{ Params: { hex: string } }>, reply: FastifyReply) {
    const { hex } = req.params;
    // Published rows are the authority on which blobs are served (a pending one's bytes are not).
    const bytes = (await releases.bySha256(hex)).length > 0 ? await blobs.read(hex) : undefined;
    if (!bytes)
      throw new RegistryError(404, 'BLOB_NOT_FOUND', `no published artifact has sha256 ${hex}`);
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type('application/octet-stream')
      .send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }

  const keysOptions = {
    ...(opts.openpgp ? { openpgp: opts.openpgp } : {}),
    ...(opts.observes ? { observes: opts.observes } : {}),
    ledger: opts.ledger !== undefined,
  };
  async function getSigilKeys(_req: FastifyRequest, reply: FastifyReply) {
    return reply
      .header('cache-control', 'public, max-age=300')
      .send(sigilKeysDocument(ctx, keysOptions));
  }
  async function getNpmKeys(_req: FastifyRequest, reply: FastifyReply) {
    return reply.send(npmKeysDocument(ctx));
  }

  // Its own plugin: the multipart parser for this route only (the body whole, as bytes).
  await app.register(async (scope) => {
    acceptRawBody(scope, 'multipart/form-data', opts.maxUploadBytes);
    scope.post<{ Body: PublishBody }>(
      '/api/v1/publish',
      {
        bodyLimit: opts.maxUploadBytes,
        ...writeHook('publish'),
        schema: { body: { content: { 'application/json': { schema: PUBLISH_BODY } } } },
        schemaErrorFormatter: refuseInvalid('invalid publish request'),
      },
      publish,
    );
  });
  app.post(
    '/api/v1/releases/lookup',
    {
      bodyLimit: 4 * 1024 * 1024,
      schema: { body: LOOKUP_BODY },
      schemaErrorFormatter: refuseInvalid('the body must be {"purls": ["pkg:…", …]}'),
    },
    lookupReleases,
  );
  app.get('/api/v1/releases/*', getRelease);
  app.get(
    '/api/v1/releases',
    {
      schema: { querystring: SHA256_QUERY },
      schemaErrorFormatter: refuseInvalid('give ?sha256=<64 hex digits>'),
    },
    releasesBySha256,
  );
  const blobRoute = {
    schema: { params: BLOB_PARAMS },
    schemaErrorFormatter: refuseInvalid('blob ids are 64 lowercase hex digits'),
  };
  app.get('/api/v1/blobs/sha256/:hex', blobRoute, getBlob);
  app.get('/api/v1/blobs/sha256/:hex/:filename', blobRoute, getBlob);
  app.get('/.well-known/sigil/keys.json', getSigilKeys);
  app.get('/-/npm/v1/keys', getNpmKeys);

  const ledger = opts.ledger;
  if (!ledger) return;

  async function getLedger(req: FastifyRequest<{ Params: { '*': string } }>, reply: FastifyReply) {
    let namespace: string;
    try {
      namespace = decodeURIComponent(req.params['*']);
    } catch {
      throw new RegistryError(
        400,
        'BAD_REQUEST',
        'the namespace is not validly percent-encoded',
        'percent-encode the namespace purl as one path segment',
      );
    }
    return reply.send(await ledgerReport(ledger!, ctx.log, namespace));
  }

  // Many namespaces at once (lockfile verification replays every dependency's ledger).
  // With treeSize: each namespace's own events with leaves, inclusion proofs and a signed
  // ledger head for that tree (ledger-proofs.ts); without: the governing ledger's events only.
  async function lookupLedgers(
    req: FastifyRequest<{ Body: { namespaces: string[]; treeSize?: unknown } }>,
    reply: FastifyReply,
  ) {
    const { namespaces, treeSize } = req.body;
    if (namespaces.length > maxBatch)
      throw new RegistryError(
        413,
        'BATCH_TOO_LARGE',
        `at most ${maxBatch} namespaces per lookup (got ${namespaces.length})`,
        'split the lookup',
        { limit: maxBatch },
      );
    lookupLimiter.take(req.ip, new Set(namespaces).size);
    if (treeSize !== undefined)
      return reply.send(
        await provenLedgers(ledger!, ctx.log, ctx.registryKey, namespaces, treeSize as number),
      );
    return reply
      .type('application/json; charset=utf-8')
      .send(
        await governingLedgersJson(ledger!, ctx.log, namespaces, lookupLimits.maxResponseBytes),
      );
  }

  async function submitKeyEvent(
    req: FastifyRequest<{ Body: { envelope: object } }>,
    reply: FastifyReply,
  ) {
    const envelope = req.body.envelope;
    const parsed = parseKeyEventEnvelope(envelope);
    if (!parsed.ok)
      throw new RegistryError(
        400,
        `KEY_EVENT_${parsed.code}`,
        `key event refused: ${parsed.reason}`,
      );
    const namespace = parsed.value.statement.predicate.namespace;
    if (auth) await auth.guard.authorizeNamespace(req, namespace, 'keys');
    // A ledger makes a name hosted here: not for a public name (observed/shadowing.ts).
    await ctx.upstreamNames?.checkPublish(namespace);
    if (auth) await claimPatternFirst(auth.service, req, namespace);
    const r = await ledger!.submitKeyEvent(envelope as DsseEnvelope);
    await claim(req, namespace);
    return reply.code(201).send(r);
  }

  app.get('/api/v1/ledger/*', getLedger);
  app.post(
    '/api/v1/ledger/lookup',
    {
      bodyLimit: 4 * 1024 * 1024,
      schema: { body: LEDGER_LOOKUP_BODY },
      schemaErrorFormatter: refuseInvalid('the body must be {"namespaces": ["pkg:…", …]}'),
    },
    lookupLedgers,
  );
  app.post<{ Body: { envelope: object } }>(
    '/api/v1/key-events',
    {
      bodyLimit: 256 * 1024,
      ...writeHook('keys'),
      schema: { body: KEY_EVENT_BODY },
      schemaErrorFormatter: refuseInvalid(
        'the body must be {"envelope": <DSSE envelope of a key event>}',
      ),
    },
    submitKeyEvent,
  );
}
