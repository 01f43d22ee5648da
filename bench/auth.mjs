// Auth per request (issue 19, step 1): what the auth guard costs every write request of the
// embedded default (`sigil serve`, SQLite) — per-IP rate take, token lookup by SHA-256,
// per-account rate take, grants of the namespace, second-factor state — measured on the
// registry's own composition (`openRegistry` from dist/, its AuthService and database), called
// in-process so that HTTP does not blur it. Since the rate buckets, tokens and TOTP state moved
// behind AuthState (shared by replicas), the two rate takes are SQLite commits (a second
// connection at synchronous=NORMAL: no fsync); before, they were in-process maps. Measured back to
// back on 2 shared cores at load 7-9 (10,000 checks each): main b3d263d 98-155 µs CPU and 227-482 µs
// wall per check; s13-auth 269-301 µs CPU and 537-968 µs wall. Switching the registry's own
// connection to NORMAL around each take instead of a second connection measured the same
// (277-288 µs CPU), so the cost is the two commits and the WAL they keep non-empty, not the handle.
// Limit, measured the same way in the same run: the irreducible part of authenticating a request,
// one SHA-256 of the token plus one indexed SELECT of its row (better-sqlite3, prepared, same
// table shape) — a check can never cost less than finding the token.
// SIGIL_BENCH_AUTH_CHECKS overrides the number of timed checks (default 20,000).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { noise, section } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openRegistry } = await import(dist('registry/server.js'));
const { createAuthGuard } = await import(dist('registry/auth/http.js'));

const N = Number(process.env.SIGIL_BENCH_AUTH_CHECKS ?? 20_000);
const row = (what, value, limit, note) =>
  console.log(`  ${what.padEnd(44)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);
const us = (s) => `${(s * 1e6).toFixed(1)} µs`;

/** timeEach runs fn n times (awaiting each), returns wall and CPU seconds per call. */
async function timeEach(n, fn) {
  for (let i = 0; i < Math.min(1000, n); i++) await fn(i); // warm: JIT, statement cache, pages
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await fn(i);
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const u = process.cpuUsage(c);
  return { wall: wall / n, cpu: (u.user + u.system) / 1e6 / n };
}

const s = section(
  `auth check per write request (embedded default: SQLite; ${N.toLocaleString('en')} sequential checks in this process)`,
);
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-auth-'));
process.env.SIGIL_SERVER_PASSPHRASE ??= '';
const registry = await openRegistry({
  dataDir: dir,
  host: '127.0.0.1',
  port: 0,
  origin: 'bench.sigil.test/log',
});
try {
  const auth = registry.auth;
  await auth.grant('admin', 'pkg:generic/bench');
  const guard = createAuthGuard({
    auth,
    limits: { perIp: { burst: 1e9, perMinute: 1e9 }, perAccount: { burst: 1e9, perMinute: 1e9 } },
  });
  const req = (i) => ({
    ip: `10.0.${(i >> 8) & 255}.${i & 255}`, // 256 × 256 client addresses: the IP buckets grow
    headers: { authorization: `Bearer ${registry.adminToken}` },
    log: { info() {} },
  });
  const check = await timeEach(N, (i) => guard.check(req(i), 'publish', 'pkg:generic/bench'));

  // The floor: hash the token, find its row (same shape as token_tokens, as many rows as accounts × 4).
  const db = new Database(join(dir, 'floor.sqlite'));
  db.pragma('journal_mode = WAL');
  db.exec(
    'CREATE TABLE t (id TEXT PRIMARY KEY, hash BLOB NOT NULL UNIQUE, account TEXT NOT NULL, namespaces TEXT NOT NULL, actions TEXT NOT NULL, revoked_at TEXT, expires_at TEXT)',
  );
  const token = registry.adminToken;
  const ins = db.prepare('INSERT INTO t VALUES (?, ?, ?, ?, ?, NULL, NULL)');
  ins.run('x', createHash('sha256').update(token).digest(), 'admin', '["*"]', '["publish"]');
  for (let i = 0; i < 3; i++) ins.run(`r${i}`, randomBytes(32), 'admin', '["*"]', '["publish"]');
  const sel = db.prepare('SELECT * FROM t WHERE hash = ?');
  const floors = [];
  for (let r = 0; r < 3; r++)
    floors.push(
      await timeEach(N, () => {
        if (!sel.get(createHash('sha256').update(token).digest())) throw new Error('no row');
      }),
    );
  db.close();
  const wallFloor = floors.map((f) => f.wall);
  const cpuFloor = floors.map((f) => f.cpu);
  const med = (xs) => [...xs].sort((a, b) => a - b)[1];
  row(
    'auth check, wall per request',
    us(check.wall),
    us(med(wallFloor)),
    `SHA-256 + one indexed SELECT of the token row (runs ${noise(wallFloor, us)})`,
  );
  row(
    'auth check, CPU per request',
    us(check.cpu),
    us(med(cpuFloor)),
    `same floor, CPU (runs ${noise(cpuFloor, us)}); the check includes 2 rate-bucket commits (no fsync)`,
  );
} finally {
  await registry.close();
  rmSync(dir, { recursive: true, force: true });
  s.end();
}
