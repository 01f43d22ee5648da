/**
 * mountWebUi: the web UI of `sigil serve` under /ui, and `/` for browsers.
 *
 * Content negotiation happens only at `/` (a browser asking for text/html is
 * sent to /ui/); every other path answers exactly as before, whatever Accept
 * says, because npm, pip, cargo, go… own them. Helmet (CSP), cookies, CSRF and
 * form parsing are registered inside the /ui plugin, so they touch no other route.
 */
import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { SigilError } from '../core/errors.js';
import { checkpointSize } from '../registry/records.js';
import type { LedgerAuthority } from '../registry/ledger-authority.js';
import type { AuthService } from '../registry/auth/service.js';
import type { TransparencyLog } from '../log/service.js';
import type { RegistryStorage } from '../store/registry/registry-storage.js';
import { recentReleases, searchReleases } from './catalogue.js';
import { CSP_DIRECTIVES } from './csp.js';
import { html, type Html } from './html.js';
import { layout } from './layout.js';
import { logEntries } from './log-view.js';
import { wantsHtml } from './negotiation.js';
import { packageView } from './package-view.js';
import { UI_PREFIX } from './paths.js';
import { homePage, searchPage } from './pages/home.js';
import { ledgerPage } from './pages/ledger.js';
import { entryPage, logPage } from './pages/log.js';
import { packagePage } from './pages/package.js';
import { verifyPage } from './pages/verify.js';
import { accountRoutes } from './account-routes.js';
import { Sessions } from './sessions.js';
import { statementOf } from './statement-of.js';

export interface WebUiOptions {
  /** Everything the registry keeps (releases, package state, web sessions), on any replica. */
  readonly storage: RegistryStorage;
  readonly log: TransparencyLog;
  /** Where the log's public files live (the checkpoint's age is its file's age). */
  readonly logPublicDir?: string;
  readonly ledger: LedgerAuthority;
  readonly auth: AuthService;
  readonly baseUrl: () => string;
}

/** assetsDir: the built islands bundle and stylesheet (scripts/build-web.mjs writes dist/web/assets). */
export function assetsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const beside = join(here, 'assets');
  if (existsSync(join(beside, 'islands.js'))) return beside;
  return join(here, '..', '..', 'dist', 'web', 'assets'); // running from src/ (tests): the build's output
}

export async function mountWebUi(app: FastifyInstance, opts: WebUiOptions): Promise<void> {
  app.addHook('onRequest', async (req, reply) => {
    if (
      (req.method === 'GET' || req.method === 'HEAD') &&
      req.url === '/' &&
      wantsHtml(req.headers.accept)
    )
      return reply.redirect(`${UI_PREFIX}/`, 303);
  });
  await app.register(webUi, { ...opts, prefix: UI_PREFIX });
}

export function sendPage(
  reply: FastifyReply,
  title: string,
  body: Html,
  extra: { islands?: boolean; query?: string; status?: number } = {},
) {
  return reply
    .code(extra.status ?? 200)
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(
      layout({
        title,
        body,
        ...(extra.islands ? { islands: true } : {}),
        ...(extra.query !== undefined ? { query: extra.query } : {}),
      }).text,
    );
}

function pathRest(req: FastifyRequest): string {
  const raw = (req.params as { '*': string })['*'];
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

async function webUi(app: FastifyInstance, opts: WebUiOptions): Promise<void> {
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    crossOriginEmbedderPolicy: false,
    hsts: false, // the operator's TLS front decides; a local http registry must stay reachable
  });
  await app.register(fastifyCookie);
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { path: UI_PREFIX, sameSite: 'strict', httpOnly: true, secure: 'auto' },
  });
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifyStatic, {
    root: assetsDir(),
    prefix: '/assets/',
    decorateReply: false,
    maxAge: '1h',
  });

  const { storage } = opts;
  const sessions = new Sessions(storage.webSessions);

  app.setErrorHandler(async (err, _req, reply) => {
    // Bad input (a malformed purl in the path…) gets a page that says what to do, never a stack.
    const sigil = err instanceof SigilError;
    const status = sigil ? 400 : ((err as { statusCode?: number }).statusCode ?? 500);
    const message =
      sigil || status < 500
        ? (err as Error).message
        : 'something went wrong on the server; see its log';
    if (status >= 500) app.log.error(err);
    return sendPage(
      reply,
      'Error',
      html`<h1>That did not work</h1>
        <p class="error">${message}</p>`,
      { status },
    );
  });

  app.get('/', async (_req, reply) => {
    const checkpoint = await opts.log.latestCheckpoint();
    let ageSeconds: number | undefined;
    if (opts.logPublicDir) {
      const s = await stat(join(opts.logPublicDir, 'checkpoint')).catch(() => undefined);
      if (s) ageSeconds = Math.max(0, Math.round((Date.now() - s.mtimeMs) / 1000));
    }
    return sendPage(
      reply,
      'Home',
      homePage(
        { origin: opts.log.origin, size: checkpointSize(checkpoint), ageSeconds },
        await recentReleases(storage.releases),
      ),
    );
  });

  app.get('/search', async (req, reply) => {
    const q = String((req.query as { q?: unknown }).q ?? '').slice(0, 200);
    return sendPage(
      reply,
      `Search ${q}`,
      searchPage(q, await searchReleases(storage.releases, q)),
      { query: q },
    );
  });

  app.get('/package/*', async (req, reply) => {
    const purl = pathRest(req);
    const view = await packageView(
      {
        storage,
        ledger: opts.ledger,
        baseUrl: opts.baseUrl(),
      },
      purl.startsWith('pkg:') ? purl : `pkg:${purl}`,
    );
    if (!view)
      return sendPage(
        reply,
        'Not found',
        html`<h1>Not found</h1>
          <p>
            ${purl} has no release on this registry.
            <a href="${UI_PREFIX}/search?q=${purl}">Search for it</a>.
          </p>`,
        { status: 404 },
      );
    return sendPage(reply, view.name, packagePage(view));
  });

  app.get('/ledger/*', async (req, reply) => {
    const namespace = pathRest(req);
    const envelopes = new Map(
      (await opts.ledger.loggedEvents(namespace)).map((e) => [e.logIndex, e.envelope]),
    );
    const history = opts.ledger.history(namespace); // after loggedEvents: caught up on replicas
    const events = history.map((entry) => {
      const st = statementOf(JSON.stringify(envelopes.get(entry.logIndex) ?? null));
      const c = st?.predicate['compromisedSince'];
      return { entry, compromisedSince: typeof c === 'number' ? c : undefined };
    });
    return sendPage(reply, `Key ledger ${namespace}`, ledgerPage(namespace, events));
  });

  app.get('/log', async (req, reply) => {
    const checkpoint = await opts.log.latestCheckpoint();
    const size = checkpointSize(checkpoint);
    const q = req.query as { start?: string };
    const start = /^[0-9]{1,15}$/.test(q.start ?? '') ? Number(q.start) : Math.max(0, size - 100);
    return sendPage(
      reply,
      'Log',
      logPage({
        origin: opts.log.origin,
        checkpoint,
        size,
        vkey: opts.log.verifierKey,
        entries: await logEntries(storage, start, start + 100),
        start,
      }),
      { islands: true },
    );
  });

  app.get('/log/entry/:index', async (req, reply) => {
    const raw = (req.params as { index: string }).index;
    const size = checkpointSize(await opts.log.latestCheckpoint());
    if (!/^[0-9]{1,15}$/.test(raw) || Number(raw) >= size)
      return sendPage(
        reply,
        'Not found',
        html`<h1>Not found</h1>
          <p>
            The log has ${size} entries, numbered 0 to ${size - 1}; “${raw}” is not one of them.
          </p>`,
        { status: 404 },
      );
    const index = Number(raw);
    return sendPage(
      reply,
      `Log entry ${index}`,
      entryPage({ index, size, entry: (await logEntries(storage, index, index + 1))[0] }),
      { islands: true },
    );
  });

  // What the islands fetch: raw material only. The browser checks it; nothing here is trusted.
  app.get('/api/inclusion/:index', async (req, reply) => {
    const index = Number((req.params as { index: string }).index);
    const checkpoint = await opts.log.latestCheckpoint();
    const size = checkpointSize(checkpoint);
    if (!Number.isSafeInteger(index) || index < 0 || index >= size)
      return reply.code(404).send({
        error: { code: 'ENTRY_NOT_FOUND', message: `no entry ${index} in a log of size ${size}` },
      });
    const leaf = await opts.log.readEntry(index);
    const hashes = await opts.log.inclusionProof(index, size);
    return reply.header('cache-control', 'no-store').send({
      index,
      size,
      leaf: leaf ? Buffer.from(leaf).toString('base64') : null,
      hashes: hashes.map((h) => Buffer.from(h).toString('base64')),
      checkpoint,
      vkey: opts.log.verifierKey,
    });
  });

  app.get('/api/consistency', async (req, reply) => {
    const q = req.query as { size1?: string };
    const checkpoint = await opts.log.latestCheckpoint();
    const size2 = checkpointSize(checkpoint);
    const size1 = Number(q.size1);
    if (!/^[0-9]{1,15}$/.test(q.size1 ?? '') || size1 > size2)
      return reply
        .code(400)
        .send({ error: { code: 'BAD_REQUEST', message: `give ?size1=N with N ≤ ${size2}` } });
    const hashes = await opts.log.consistencyProof(size1, size2);
    return reply.header('cache-control', 'no-store').send({
      size1,
      size2,
      hashes: hashes.map((h) => Buffer.from(h).toString('base64')),
      checkpoint,
      vkey: opts.log.verifierKey,
    });
  });

  app.get('/verify', async (req, reply) => {
    const purl = String((req.query as { purl?: unknown }).purl ?? '').slice(0, 500);
    return sendPage(reply, 'Verify a file', verifyPage(purl), { islands: true });
  });

  await app.register(accountRoutes, { auth: opts.auth, sessions });

  app.get('/*', async (req, reply) =>
    sendPage(
      reply,
      'Not found',
      html`<h1>Not found</h1>
        <p>There is no page at ${req.url}. <a href="${UI_PREFIX}/">Start here</a>.</p>`,
      { status: 404 },
    ),
  );
}
