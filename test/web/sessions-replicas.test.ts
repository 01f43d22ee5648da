// Web UI sessions across replicas: two Fastify apps serving the same registry's UI, each with its
// own handle on the shared session state (a second SQLite handle on registry.sqlite, as a second
// process; or two PostgreSQL pools, as two replicas). A browser signed in on one is signed in on
// the other, a CSRF token from one is accepted by the other, a 2FA enrolment started on one is
// shown on the other, and signing out on one ends the session on both. The cookie's id is never
// what the table holds.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { SqliteWebSessionState } from '../../src/store/registry/sqlite-web-session-state.js';
import type { WebSessionState } from '../../src/store/registry/web-session-state.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { PgWebSessionState } from '../../src/store/scale/pg-web-session-state.js';
import { mountWebUi } from '../../src/web/routes.js';
import { SESSION_COOKIE } from '../../src/web/sessions.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';

const pgProgram = needsPostgres('test/web/sessions-replicas.test.ts');
const skipPg = skipUnlessPresent(pgProgram);

let dir: string;
let reg: Registry;
let token: string;
let cluster: PostgresCluster | undefined;
const pools: pg.Pool[] = [];
const apps: FastifyInstance[] = [];
let databases = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-web-sessions-'));
  reg = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    batchIntervalMs: 1,
  });
  await reg.app.ready();
  await reg.auth.createAccount('alice');
  token = (await reg.auth.createToken('alice', { actions: ['publish'], label: 'web' })).token;
  if (!skipPg) {
    pgProgram.require();
    cluster = await startPostgres();
  }
});

afterAll(async () => {
  for (const a of apps) await a.close();
  for (const p of pools) await p.end();
  await reg?.close();
  await cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** replica: another app serving the same registry's UI, with its own handle on the sessions. */
async function replica(sessions: WebSessionState): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await mountWebUi(app, {
    storage: { ...reg.storage, webSessions: sessions },
    log: reg.log,
    ledger: reg.ledger,
    auth: reg.auth,
    baseUrl: () => '',
  });
  await app.ready();
  apps.push(app);
  return app;
}

/** A browser: one cookie jar, any replica. */
class Browser {
  readonly cookies = new Map<string, string>();
  private header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  private keep(set: string | string[] | undefined) {
    for (const c of typeof set === 'string' ? [set] : (set ?? [])) {
      const [pair, ...attrs] = c.split(';');
      const [k, v] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (v === '' || attrs.some((a) => /max-age=0|expires=thu, 01 jan 1970/i.test(a)))
        this.cookies.delete(k);
      else this.cookies.set(k, v);
    }
  }
  async get(app: FastifyInstance, path: string) {
    const r = await app.inject({ method: 'GET', url: path, headers: { cookie: this.header() } });
    this.keep(r.headers['set-cookie']);
    return r;
  }
  async post(app: FastifyInstance, path: string, form: Record<string, string>) {
    const r = await app.inject({
      method: 'POST',
      url: path,
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
    this.keep(r.headers['set-cookie']);
    return r;
  }
  /** csrf: the token of the page just served by `app`. */
  async csrf(app: FastifyInstance) {
    const page = await this.get(app, '/ui/account');
    return /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
  }
}

const title = (body: string) => /<h1>([^<]*)<\/h1>/.exec(body)?.[1];

describe.each([
  {
    name: 'sqlite (the embedded default and a second process)',
    skip: false,
    pair: async () => [
      reg.app,
      await replica(new SqliteWebSessionState(join(dir, 'data', 'registry.sqlite'))),
    ],
  },
  {
    name: 'postgresql (two replicas)',
    skip: skipPg,
    pair: async () => {
      const url = await cluster!.createDatabase(`websessions_${++databases}`);
      const [p1, p2] = [openPostgres(url, 4), openPostgres(url, 4)];
      pools.push(p1, p2);
      await migrate(p1);
      return [await replica(new PgWebSessionState(p1)), await replica(new PgWebSessionState(p2))];
    },
  },
])('web sessions across replicas: $name', ({ skip, pair }) => {
  it.skipIf(skip)(
    'signed in on A is signed in on B; enrolment shown on both; signed out on B is out on A',
    async () => {
      const [a, b] = (await pair()) as [FastifyInstance, FastifyInstance];
      const browser = new Browser();
      // Sign in on A with a CSRF token B served: the double-submit check needs no shared server state.
      const signIn = await browser.post(a, '/ui/account/sign-in', {
        _csrf: await browser.csrf(b),
        token,
      });
      expect(signIn.statusCode, signIn.body).toBe(303);
      const id = browser.cookies.get(SESSION_COOKIE)!;
      expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(title((await browser.get(b, '/ui/account')).body)).toBe('Account alice');
      expect(title((await browser.get(a, '/ui/account')).body)).toBe('Account alice');

      // The embedded table holds the id's hash, never the id.
      if (a === reg.app) {
        const db = new Database(join(dir, 'data', 'registry.sqlite'), { readonly: true });
        const rows = db.prepare('SELECT id_hash, account FROM web_session').all() as {
          id_hash: Buffer;
          account: string;
        }[];
        db.close();
        const hash = createHash('sha256').update(id).digest();
        expect(rows.some((r) => r.id_hash.equals(hash) && r.account === 'alice')).toBe(true);
        expect(rows.some((r) => r.id_hash.toString().includes(id))).toBe(false);
      }

      // A two-factor enrolment started on B is shown again by A (same secret) until confirmed.
      const enable = await browser.post(b, '/ui/account/2fa/enable', {
        _csrf: await browser.csrf(b),
      });
      const secretOn = (body: string) => /class="totp-secret">([A-Z2-7 ]+)</.exec(body)?.[1];
      const secret = secretOn(enable.body);
      expect(secret, enable.body).toBeDefined();
      expect(secretOn((await browser.get(a, '/ui/account')).body)).toBe(secret);

      // Signing out on B ends the session on A at once.
      const out = await browser.post(b, '/ui/account/sign-out', { _csrf: await browser.csrf(b) });
      expect(out.statusCode).toBe(303);
      expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
      const stale = new Browser();
      stale.cookies.set(SESSION_COOKIE, id); // a copy of the old cookie
      expect(title((await stale.get(a, '/ui/account')).body)).toBe('Sign in');
      expect(title((await stale.get(b, '/ui/account')).body)).toBe('Sign in');
    },
  );

  it.skipIf(skip)(
    'a forged or malformed session cookie signs nobody in on any replica',
    async () => {
      const [a, b] = (await pair()) as [FastifyInstance, FastifyInstance];
      for (const forged of [
        'x'.repeat(43),
        "'; DROP TABLE web_session; --",
        '',
        'A'.repeat(5000),
      ]) {
        const browser = new Browser();
        browser.cookies.set(SESSION_COOKIE, encodeURIComponent(forged));
        for (const app of [a, b]) {
          const r = await browser.get(app, '/ui/account');
          expect(r.statusCode).toBe(200);
          expect(title(r.body)).toBe('Sign in');
        }
      }
    },
  );
});
