/**
 * The registry's HTTP API (JSON). Handlers are thin: parse, call the library
 * (publish.ts, records.ts), map RegistryError to a status and a JSON body.
 *
 *   POST /api/v1/publish                 upload: {filename, artifact (base64), bundle|null, keyEvents?, type?, namespace?, name?, version?}
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
import { npmKeyId } from '../core/keys.js';
import { canonicalPurl } from '../core/purl.js';
import type { DsseEnvelope } from '../core/dsse.js';
import { RegistryError } from './errors.js';
import { publishRelease, type RegistryContext } from './publish.js';
import { buildBatchJson, buildRecord } from './records.js';
import type { ReleaseRow } from '../store/registry/releases.js';
import type { LedgerAuthority } from './ledger-authority.js';
import {
  claimPatternFirst,
  publishClaims,
  sendAuthError,
  toAuthError,
  type AuthGuard,
} from './auth/http.js';
import type { AuthService } from './auth/service.js';
import { parseKeyEventEnvelope } from '../ledger/event.js';
import { checkpointSize } from './records.js';
import { findRelease } from './release-keys.js';
import { provenLedgers } from './ledger-proofs.js';
import { isStorageFull } from '../store/storage-full.js';
import {
  DEFAULT_LOOKUP_LIMITS,
  LookupLimiter,
  type LookupLimits,
  planLookup,
} from './batch-lookup.js';

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
  /** On-demand lookup of a purl without a record (the proxy's observe: fetch upstream, log); undefined without upstreams. */
  readonly resolve?: (purl: string) => Promise<ReleaseRow | undefined>;
  /** Ecosystems with an upstream (keys.json `observes`: clients fail closed on a missing record there). */
  readonly observes?: readonly string[];
  /** Limits of POST /api/v1/releases/lookup (default DEFAULT_LOOKUP_LIMITS of batch-lookup.ts). */
  readonly lookupLimits?: Partial<LookupLimits>;
}

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
  const claim = (req: FastifyRequest, namespace: string) => {
    if (auth && req.sigilAuth?.unclaimed)
      auth.service.claimNamespace(req.sigilAuth.principal.account, namespace);
  };

  app.post(
    '/api/v1/publish',
    { bodyLimit: opts.maxUploadBytes, ...writeHook('publish') },
    async (req, reply) => {
      const body = req.body as Record<string, unknown> | null;
      if (typeof body !== 'object' || body === null)
        throw new RegistryError(400, 'BAD_REQUEST', 'the body must be a JSON object');
      const problems: string[] = [];
      if (
        typeof body['filename'] !== 'string' ||
        body['filename'] === '' ||
        /[/\\]/.test(body['filename'])
      )
        problems.push('filename must be a plain file name');
      if (typeof body['artifact'] !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body['artifact']))
        problems.push('artifact must be base64');
      if (
        body['bundle'] !== null &&
        body['bundle'] !== undefined &&
        typeof body['bundle'] !== 'object'
      )
        problems.push('bundle must be a Sigstore bundle object or null');
      if (body['keyEvents'] !== undefined && !Array.isArray(body['keyEvents']))
        problems.push('keyEvents must be an array of DSSE envelopes');
      for (const f of ['type', 'namespace', 'name', 'version'] as const)
        if (body[f] !== undefined && typeof body[f] !== 'string')
          problems.push(`${f} must be a string`);
      if (problems.length > 0)
        throw new RegistryError(
          400,
          'BAD_REQUEST',
          `invalid publish request: ${problems.join('; ')}`,
        );
      const artifact = Buffer.from(body['artifact'] as string, 'base64');
      if (opts.maxArtifactBytes !== undefined && artifact.length > opts.maxArtifactBytes)
        throw tooLarge();
      const account = req.sigilAuth?.principal.account;
      const claims = publishClaims(auth, req); // the package, and the namespace of every key event sent along
      const outcome = await publishRelease(ctx, {
        filename: body['filename'] as string,
        artifact,
        bundle: body['bundle'] ?? null,
        keyEvents: (body['keyEvents'] as DsseEnvelope[] | undefined) ?? [],
        ...(typeof body['type'] === 'string' ? { type: body['type'] } : {}),
        ...(typeof body['namespace'] === 'string' ? { namespace: body['namespace'] } : {}),
        ...(typeof body['name'] === 'string' ? { name: body['name'] } : {}),
        ...(typeof body['version'] === 'string' ? { version: body['version'] } : {}),
        ...(account ? { account } : {}),
        ...(claims.authorize ? { authorize: claims.authorize } : {}),
      });
      claims.commit();
      return reply.code(outcome.status).send(outcome.record);
    },
  );

  app.post('/api/v1/releases/lookup', { bodyLimit: 4 * 1024 * 1024 }, async (req, reply) => {
    const purls = (req.body as { purls?: unknown } | null)?.purls;
    if (!Array.isArray(purls) || purls.some((p) => typeof p !== 'string'))
      throw new RegistryError(400, 'BAD_REQUEST', 'the body must be {"purls": ["pkg:…", …]}');
    // Amplification: each canonical purl is looked up and built once; batch, repeats, answer size
    // and per-client volume are bounded (batch-lookup.ts).
    const plan = planLookup(purls as string[], lookupLimits);
    lookupLimiter.take(req.ip, plan.distinct.length);
    const byCanonical = new Map(plan.distinct.map((c) => [c, findRelease(ctx.store, c)] as const));
    const rows = new Map<string, ReleaseRow | undefined>();
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
    return reply
      .type('application/json; charset=utf-8')
      .send(
        await buildBatchJson(ctx, rows, opts.ledgerFacts, {
          maxBytes: lookupLimits.maxResponseBytes,
        }),
      );
  });

  app.get('/api/v1/releases/*', async (req, reply) => {
    const purl = parsePurlParam((req.params as { '*': string })['*']);
    const row =
      findRelease(ctx.store, purl) ?? (opts.resolve ? await opts.resolve(purl) : undefined);
    if (!row)
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
  });

  app.get('/api/v1/releases', async (req, reply) => {
    const sha256 = (req.query as { sha256?: string }).sha256;
    if (!sha256 || !/^[0-9a-f]{64}$/.test(sha256))
      throw new RegistryError(400, 'BAD_REQUEST', 'give ?sha256=<64 hex digits>');
    const checkpoint = await ctx.log.latestCheckpoint();
    return reply.send({
      checkpoint,
      records: await Promise.all(
        ctx.store.bySha256(sha256).map((r) => buildRecord(ctx, r, checkpoint)),
      ),
    });
  });

  const sendBlob = async (req: FastifyRequest, reply: FastifyReply) => {
    const { hex } = req.params as { hex: string };
    if (!/^[0-9a-f]{64}$/.test(hex))
      throw new RegistryError(400, 'BAD_REQUEST', 'blob ids are 64 lowercase hex digits');
    const bytes = ctx.store.readBlob(hex);
    if (!bytes || ctx.store.bySha256(hex).length === 0)
      throw new RegistryError(404, 'BLOB_NOT_FOUND', `no published artifact has sha256 ${hex}`);
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .type('application/octet-stream')
      .send(bytes);
  };
  app.get('/api/v1/blobs/sha256/:hex', sendBlob);
  app.get('/api/v1/blobs/sha256/:hex/:filename', sendBlob);

  const registryPem = String(ctx.registryKey.publicKey.key.export({ type: 'spki', format: 'pem' }));
  app.get('/.well-known/sigil/keys.json', async (_req, reply) =>
    reply.header('cache-control', 'public, max-age=300').send({
      keys: [
        {
          keyid: ctx.registryKey.publicKey.keyId,
          npmKeyId: npmKeyId(ctx.registryKey.publicKey.keyId),
          algorithm: ctx.registryKey.algorithm,
          pem: registryPem,
          use: 'registry',
        },
      ],
      log: { origin: ctx.log.origin, vkey: ctx.log.verifierKey, url: `${ctx.baseUrl}/log` },
      ...(opts.observes && opts.observes.length > 0 ? { observes: opts.observes } : {}),
      ...(opts.openpgp
        ? {
            openpgp: {
              fingerprint: opts.openpgp.fingerprint,
              armored: opts.openpgp.armored,
              use: 'repository (apt InRelease)',
              url: `${ctx.baseUrl}/debian/sigil-archive-keyring.asc`,
            },
          }
        : {}),
      ...(opts.ledger ? { ledger: { url: `${ctx.baseUrl}/api/v1/ledger` } } : {}),
    }),
  );
  app.get('/-/npm/v1/keys', async (_req, reply) =>
    reply.send({
      keys: [
        {
          expires: null,
          keyid: npmKeyId(ctx.registryKey.publicKey.keyId),
          keytype: 'ecdsa-sha2-nistp256',
          scheme: 'ecdsa-sha2-nistp256',
          key: ctx.registryKey.publicKey.key
            .export({ type: 'spki', format: 'der' })
            .toString('base64'),
        },
      ],
    }),
  );

  const ledger = opts.ledger;
  if (ledger) {
    app.get('/api/v1/ledger/*', async (req, reply) => {
      let raw: string;
      try {
        raw = decodeURIComponent((req.params as { '*': string })['*']);
      } catch {
        throw new RegistryError(
          400,
          'BAD_REQUEST',
          'the namespace is not validly percent-encoded',
          'percent-encode the namespace purl as one path segment',
        );
      }
      const checkpoint = await ctx.log.latestCheckpoint();
      const size = checkpointSize(checkpoint);
      const keys = await ledger.keysFor(raw.endsWith('/*') ? raw : raw.replace(/@[^/]*$/, ''));
      const events = ledger.loggedEvents(keys.namespace);
      const proofs = await Promise.all(
        events.map(async (e) => ({
          ...e,
          hashes: (await ctx.log.inclusionProof(e.logIndex, size)).map((h) =>
            Buffer.from(h).toString('base64'),
          ),
        })),
      );
      return reply.send({
        namespace: raw,
        ledger: keys.namespace,
        keys: keys.keys.map((k) => ({
          keyId: k.keyId,
          algorithm: k.algorithm,
          pem: String(k.key.export({ type: 'spki', format: 'pem' })),
        })),
        resetInHistory: keys.resetInHistory,
        head: ledger.ledger.head(keys.namespace),
        history: ledger
          .history(keys.namespace)
          .map((h) => ({
            logIndex: h.logIndex,
            status: h.status,
            code: h.code,
            reason: h.reason,
            action: h.action,
            firstUse: h.firstUse,
            reset: h.reset,
            signers: h.signers,
          })),
        events: proofs,
        checkpoint,
      });
    });

    // Many namespaces at once (lockfile verification replays every dependency's ledger).
    // With treeSize: each namespace's own events with leaves, inclusion proofs and a signed
    // ledger head for that tree (ledger-proofs.ts); without: the governing ledger's events only.
    app.post('/api/v1/ledger/lookup', { bodyLimit: 4 * 1024 * 1024 }, async (req, reply) => {
      const namespaces = (req.body as { namespaces?: unknown } | null)?.namespaces;
      if (!Array.isArray(namespaces) || namespaces.some((n) => typeof n !== 'string'))
        throw new RegistryError(
          400,
          'BAD_REQUEST',
          'the body must be {"namespaces": ["pkg:…", …]}',
        );
      if (namespaces.length > maxBatch)
        throw new RegistryError(
          413,
          'BATCH_TOO_LARGE',
          `at most ${maxBatch} namespaces per lookup (got ${namespaces.length})`,
          'split the lookup',
          { limit: maxBatch },
        );
      lookupLimiter.take(req.ip, new Set(namespaces as string[]).size);
      const treeSize = (req.body as { treeSize?: unknown }).treeSize;
      if (treeSize !== undefined)
        return reply.send(
          await provenLedgers(
            ledger,
            ctx.log,
            ctx.registryKey,
            namespaces as string[],
            treeSize as number,
          ),
        );
      const size = checkpointSize(await ctx.log.latestCheckpoint());
      // Built as JSON text: each governing ledger's events serialized once however many
      // namespaces (or spellings) share it, the answer bounded (batch-lookup.ts), and no
      // namespace string can act as an object key like "__proto__".
      const eventsJson = new Map<string, string>();
      const parts: string[] = [];
      let bytes = 16;
      for (const ns of new Set(namespaces as string[])) {
        const governing = ledger.ledger.ledgerFor(ns, size) ?? ns;
        let events = eventsJson.get(governing);
        if (events === undefined)
          eventsJson.set(governing, (events = JSON.stringify(ledger.loggedEvents(governing))));
        const item = `${JSON.stringify(ns)}:{"ledger":${JSON.stringify(governing)},"events":${events}}`;
        if ((bytes += item.length + 1) > lookupLimits.maxResponseBytes) {
          throw new RegistryError(
            413,
            'RESPONSE_TOO_LARGE',
            `the answer would be larger than this registry's limit of ${lookupLimits.maxResponseBytes} bytes`,
            'split the lookup into smaller batches',
            { limit: lookupLimits.maxResponseBytes },
          );
        }
        parts.push(item);
      }
      return reply.type('application/json; charset=utf-8').send(`{"ledgers":{${parts.join(',')}}}`);
    });

    app.post(
      '/api/v1/key-events',
      { bodyLimit: 256 * 1024, ...writeHook('keys') },
      async (req, reply) => {
        const envelope = (req.body as { envelope?: unknown } | null)?.envelope;
        if (typeof envelope !== 'object' || envelope === null)
          throw new RegistryError(
            400,
            'BAD_REQUEST',
            'the body must be {"envelope": <DSSE envelope of a key event>}',
          );
        const parsed = parseKeyEventEnvelope(envelope);
        if (!parsed.ok)
          throw new RegistryError(
            400,
            `KEY_EVENT_${parsed.code}`,
            `key event refused: ${parsed.reason}`,
          );
        const namespace = parsed.value.statement.predicate.namespace;
        if (auth) auth.guard.authorizeNamespace(req, namespace, 'keys');
        // A ledger makes a name hosted here: not for a public name (observed/shadowing.ts).
        await ctx.upstreamNames?.checkPublish(namespace);
        if (auth) claimPatternFirst(auth.service, req, namespace);
        const r = await ledger.submitKeyEvent(envelope as DsseEnvelope);
        claim(req, namespace);
        return reply.code(201).send(r);
      },
    );
  }
}
