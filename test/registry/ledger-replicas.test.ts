// The key ledger across replicas (issue 19): two registry processes' LedgerAuthorities over one
// PostgreSQL database (shared key events, a turn held as an advisory lock) and one log on
// PostgreSQL + S3 (s3rver). Raced first `add`s of one namespace on both replicas: exactly one is
// logged, every round, and the other replica refuses the loser — never two ledgers for one name.
// A rotation on one replica is what the other answers next. A replica that died between logging a
// key event and recording its index is finished by the next replica's turn. A replica whose turn
// session died cannot stage, so cannot log, the event it judged on what is now a stale ledger.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { ed25519NoteSigner, formatVerifierKey } from '../../src/log/note-key.js';
import { tablesJournal } from '../../src/registry/key-event-journal.js';
import { LedgerAuthority } from '../../src/registry/ledger-authority.js';
import { ContentStore } from '../../src/store/scale/objects.js';
import { migrate, openPostgres } from '../../src/store/scale/pg.js';
import { PgReleaseTables } from '../../src/store/scale/pg-release-tables.js';
import { KEY_EVENT_TURN, pgKeyEventTurns } from '../../src/store/scale/pg-turn.js';
import { parseObjectsUrl, S3Objects } from '../../src/store/scale/s3-objects.js';
import { SharedLog } from '../../src/store/scale/shared-log.js';
import { needsPostgres, type PostgresCluster, startPostgres } from '../helpers/postgres.js';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { type S3Server, startS3 } from '../helpers/s3.js';

const pgProgram = needsPostgres('test/registry/ledger-replicas.test.ts');
const skipPg = skipUnlessPresent(pgProgram);
let cluster: PostgresCluster | undefined;
let s3: S3Server | undefined;
const cleanups: (() => Promise<void>)[] = [];
beforeAll(async () => {
  if (skipPg) return;
  pgProgram.require();
  [cluster, s3] = await Promise.all([startPostgres(), startS3('ledger')]);
});
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await cluster?.destroy();
  await s3?.destroy();
});

const registryKey = generateKey('ecdsa-p256');
const origin = 'ledger.sigil.test/log';
const signer = ed25519NoteSigner(origin, randomBytes(32));

/** replicas opens `n` registry processes' ledgers over one fresh database and bucket prefix. */
async function replicas(n: number, db: string) {
  const url = await cluster!.createDatabase(db);
  const setup = openPostgres(url, 1);
  await migrate(setup);
  await setup.end();
  const out = [];
  for (let i = 0; i < n; i++) {
    const pool = openPostgres(url, 6);
    const log = await SharedLog.open({
      origin,
      signers: [signer],
      verifierKey: formatVerifierKey(signer),
      pool,
      content: new ContentStore(new S3Objects({ ...parseObjectsUrl(s3!.url), prefix: `${db}/` })),
      databaseUrl: url,
      batchIntervalMs: 5,
      pollMs: 10,
      electionMs: 100,
    });
    const tables = new PgReleaseTables(pool);
    const journal = tablesJournal(tables, pgKeyEventTurns(pool));
    const ledger = await LedgerAuthority.open(log, journal, [registryKey.publicKey]);
    cleanups.push(async () => {
      await log.close();
      await pool.end();
    });
    out.push({ log, tables, journal, ledger, pool });
  }
  return out;
}

const add = (namespace: string, key = generateKey()) => ({
  key,
  event: buildKeyEvent({ namespace, previous: null, action: 'add', keys: [key.publicKey] }, [key]),
});

it.skipIf(skipPg)(
  "raced first adds of one namespace on two replicas: exactly one ledger, and each replica answers the winner's key",
  { timeout: 90_000 },
  async () => {
    const [a, b] = await replicas(2, 'race');
    for (let round = 0; round < 8; round++) {
      const ns = `pkg:npm/race-${round}`;
      const alice = add(ns);
      const bob = add(ns);
      const results = await Promise.allSettled([
        a!.ledger.submitKeyEvent(alice.event.envelope),
        b!.ledger.submitKeyEvent(bob.event.envelope),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const said = results
        .map((r) => (r.status === 'fulfilled' ? 'logged' : String(r.reason?.code ?? r.reason)))
        .join(', ');
      expect(won, `round ${round}: ${said}`).toHaveLength(1);
      const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(lost.reason).toMatchObject({ status: 403 });
      expect(String(lost.reason.code)).toMatch(/^KEY_EVENT_/);
      const winner = results[0]!.status === 'fulfilled' ? alice : bob;
      for (const r of [a!, b!]) {
        const keys = await r.ledger.keysFor(ns);
        expect(keys.keys.map((k) => k.keyId)).toEqual([winner.key.publicKey.keyId]);
        expect((await r.ledger.loggedEvents(ns)).map((e) => e.logIndex)).toHaveLength(1);
      }
      expect(await a!.tables.keyEventsFor(ns)).toHaveLength(1); // one row, one log entry
    }
  },
);

it.skipIf(skipPg)(
  "a rotation on one replica is the other's next answer; a dead replica's logged-but-unrecorded event is finished by the next turn",
  { timeout: 90_000 },
  async () => {
    const [a, b] = await replicas(2, 'rotate');
    const ns = 'pkg:npm/widget';
    const first = add(ns);
    await a!.ledger.submitKeyEvent(first.event.envelope);
    const carol = generateKey();
    const rotate = buildKeyEvent(
      {
        namespace: ns,
        previous: first.event.digest,
        action: 'rotate',
        from: first.key.publicKey.keyId,
        to: carol.publicKey,
      },
      [first.key],
    );
    await a!.ledger.submitKeyEvent(rotate.envelope);
    expect((await b!.ledger.keysFor(ns)).keys.map((k) => k.keyId)).toEqual([carol.publicKey.keyId]);
    // The old key is refused on b at once: its ledger caught up before judging.
    const stale = buildKeyEvent(
      {
        namespace: ns,
        previous: first.event.digest,
        action: 'add',
        keys: [generateKey().publicKey],
      },
      [first.key],
    );
    await expect(b!.ledger.submitKeyEvent(stale.envelope)).rejects.toMatchObject({ status: 403 });

    // A replica dies after its staged event reached the log and before it recorded the index:
    // withKeyEvents itself never discards (the pipeline does, and a killed process does not).
    const dave = add('pkg:npm/gadget');
    let crashedIndex = -1;
    await a!.ledger
      .withKeyEvents([dave.event.envelope], async (plan) => {
        await plan.stage();
        const [pending] = await a!.tables.pendingKeyEvents();
        crashedIndex = (await a!.log.append(pending!.entry)).index; // logged, then "killed"
        throw new Error('replica a: killed');
      })
      .catch((e: Error) => expect(e.message).toBe('replica a: killed'));
    expect(await b!.tables.pendingKeyEvents()).toHaveLength(1);
    // b's next turn finishes it (same index: the log deduplicates the leaf) before judging its own.
    const erin = add('pkg:npm/other');
    await b!.ledger.submitKeyEvent(erin.event.envelope);
    expect(await b!.tables.pendingKeyEvents()).toEqual([]);
    expect((await b!.tables.keyEventsFor('pkg:npm/gadget')).map((e) => e.logIndex)).toEqual([
      crashedIndex,
    ]);
    expect((await b!.ledger.keysFor('pkg:npm/gadget')).keys.map((k) => k.keyId)).toEqual([
      dave.key.publicKey.keyId,
    ]);
    expect((await a!.ledger.keysFor('pkg:npm/gadget')).keys.map((k) => k.keyId)).toEqual([
      dave.key.publicKey.keyId,
    ]);
  },
);

it.skipIf(skipPg)(
  'a replica whose turn session died cannot log the event it judged: the replica that took the turn since wins',
  { timeout: 90_000 },
  async () => {
    const [a, b] = await replicas(2, 'fence');
    const ns = 'pkg:npm/fenced';
    const alice = add(ns);
    const bob = add(ns);
    const outcome = a!.ledger.withKeyEvents([alice.event.envelope], async (plan) => {
      // a judged alice's add as the namespace's first event. Now its turn's session dies (a network
      // cut, an idle timeout) while the process lives on; b takes the turn and logs bob's add.
      const killed = await b!.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = $1 AND granted`,
        [KEY_EVENT_TURN],
      );
      expect(killed.rowCount).toBe(1);
      await b!.ledger.submitKeyEvent(bob.event.envelope);
      await plan.stage(); // through the dead session: refused
      return plan.commit();
    });
    await expect(outcome).rejects.toMatchObject({ retryAfterSeconds: 5 }); // StorageUnavailableError: 503
    expect(await a!.tables.keyEventsFor(ns)).toHaveLength(1);
    expect(await a!.tables.pendingKeyEvents()).toEqual([]);
    for (const r of [a!, b!])
      expect((await r.ledger.keysFor(ns)).keys.map((k) => k.keyId)).toEqual([
        bob.key.publicKey.keyId,
      ]);
    // a's next key event takes a fresh turn and works.
    const other = add('pkg:npm/after-fence');
    expect((await a!.ledger.submitKeyEvent(other.event.envelope)).namespace).toBe(
      'pkg:npm/after-fence',
    );
  },
);
