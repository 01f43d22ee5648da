// Witness and monitor benchmarks (issue 20), each figure beside the machine's own limit
// measured in the same run (the Ed25519 verify rate: a witness verifies one log signature
// per request, a monitor none):
//   1. witness add-checkpoint requests/s over HTTP (signature + consistency proof verified,
//      cosignature made, SQLite commit fsync'd), and the same decision without HTTP
//   2. added latency of publishing a checkpoint with 3 witnesses (loopback)
//   3. monitor catch-up: entries/s replayed from tiles (bundles read, hashes integrated
//      onto the saved edge, root recomputed, dsse entries parsed)
// SIGIL_BENCH_WITNESS_REQUESTS (default 2000), SIGIL_BENCH_MONITOR_ENTRIES (default 100 000;
// the issue's figure is 1 000 000).
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const { openFileLog, MemoryLog } = await import(dist('store/index.js'));
const { createLogServer } = await import(dist('registry/log-routes.js'));
const { formatAddCheckpointRequest, parseAddCheckpointRequest } = await import(
  dist('log/add-checkpoint.js')
);
const { signCheckpoint } = await import(dist('log/checkpoint.js'));
const { recordHash } = await import(dist('log/hash.js'));
const { hashReaderFromArray, storedHashes, treeHash } = await import(dist('log/merkle.js'));
const { ed25519NoteSigner, formatVerifierKey } = await import(dist('log/note-key.js'));
const { proveConsistency } = await import(dist('log/proof.js'));
const { parseTlogPolicy } = await import(dist('log/policy.js'));
const { dsseLogEntry } = await import(dist('log/rekor/dsse-entry.js'));
const { createWitnessKey } = await import(dist('witness/key.js'));
const { createWitnessServer } = await import(dist('witness/server.js'));
const { WitnessStore } = await import(dist('witness/store.js'));
const { WitnessedLog } = await import(dist('witness/witnessed-log.js'));
const { pollOnce } = await import(dist('monitor/monitor.js'));
const { httpFetcher } = await import(dist('client/fetcher.js'));

const REQUESTS = Number(process.env.SIGIL_BENCH_WITNESS_REQUESTS ?? 2000);
const ENTRIES = Number(process.env.SIGIL_BENCH_MONITOR_ENTRIES ?? 100_000);
const row = (what, value, limit, note) =>
  console.log(`  ${what.padEnd(48)} ${value.padStart(16)}   limit ${limit.padStart(16)}   ${note}`);
const fmt = (n, unit, d = 0) => `${n.toFixed(d)} ${unit}`;
const secs = (t) => Number(process.hrtime.bigint() - t) / 1e9;
const root = mkdtempSync(join(tmpdir(), 'sigil-bench-witness-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));

// ---- machine limit: Ed25519 verify ------------------------------------------
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const msg = Buffer.alloc(128, 7);
const sig = sign(null, msg, privateKey);
let n = 0;
let t = process.hrtime.bigint();
while (secs(t) < 1) for (let i = 0; i < 1000; i++, n++) verify(null, msg, publicKey, sig);
const verifyRate = n / secs(t);

// ---- 1. witness add-checkpoint -------------------------------------------------
console.log(
  `\nwitness (C2SP tlog-witness; SQLite WAL synchronous=FULL; ${REQUESTS} checkpoints, each one leaf more)`,
);
const origin = 'bench.witness.test/log';
const logSigner = ed25519NoteSigner(origin, Buffer.alloc(32, 1));
const stored = [];
const sizes = REQUESTS + 1;
for (let i = 0; i < sizes; i++)
  stored.push(
    ...storedHashes(i, recordHash(Buffer.from(`leaf ${i}`)), hashReaderFromArray(stored)),
  );
const reader = hashReaderFromArray(stored);
const bodies = [];
for (let s = 1; s <= REQUESTS; s++) {
  const cp = signCheckpoint({ origin, size: s, hash: treeHash(s, reader), extensions: [] }, [
    logSigner,
  ]);
  bodies.push(
    formatAddCheckpointRequest({
      oldSize: s - 1,
      proof: s - 1 === 0 ? [] : proveConsistency(s - 1, s, reader),
      checkpoint: cp,
    }),
  );
}
const wkey = await createWitnessKey(join(root, 'w0'), 'w0.bench.test', undefined, {
  unencrypted: true,
});
const store = new WitnessStore(join(root, 'w0'));
store.addLog(formatVerifierKey(logSigner));
const app = createWitnessServer({ store, key: wkey });
const wurl = await app.listen({ host: '127.0.0.1', port: 0 });
t = process.hrtime.bigint();
for (const body of bodies) {
  const r = await fetch(`${wurl}/add-checkpoint`, { method: 'POST', body });
  if (r.status !== 200) throw new Error(`witness answered ${r.status}: ${await r.text()}`);
  await r.arrayBuffer();
}
const httpRate = REQUESTS / secs(t);
row(
  'add-checkpoint over HTTP, durable',
  fmt(httpRate, 'req/s'),
  fmt(verifyRate, 'verify/s'),
  `(${((httpRate / verifyRate) * 100).toFixed(1)} % of the Ed25519 verify rate; one fsync'd commit each)`,
);
// The same decisions again on a fresh store, without HTTP.
const store2 = new WitnessStore(join(root, 'w1'));
store2.addLog(formatVerifierKey(logSigner));
const parsed = bodies.map((b) => parseAddCheckpointRequest(b));
t = process.hrtime.bigint();
for (const p of parsed) if (!store2.addCheckpoint(p, wkey.signer).ok) throw new Error('refused');
const directRate = REQUESTS / secs(t);
row(
  'add-checkpoint, store only (no HTTP)',
  fmt(directRate, 'req/s'),
  fmt(verifyRate, 'verify/s'),
  '(verify + proof + cosign + durable commit)',
);
// The decision alone (log signature, consistency proof, cosignature), state in memory: the CPU cost.
const { decideAddCheckpoint } = await import(dist('log/add-checkpoint.js'));
const { cosign } = await import(dist('log/cosignature.js'));
const logKeys = store2.logKeys(origin);
let memState;
t = process.hrtime.bigint();
for (const p of parsed) {
  const d = decideAddCheckpoint(
    p,
    () => logKeys,
    () => memState,
  );
  if (!d.ok) throw new Error(d.message);
  cosign(p.checkpoint.slice(0, p.checkpoint.lastIndexOf('\n\n') + 1), wkey.signer);
  memState = d.next;
}
const pureRate = REQUESTS / secs(t);
row(
  'add-checkpoint decision only (in memory)',
  fmt(pureRate, 'req/s'),
  fmt(verifyRate, 'verify/s'),
  '(1 signature verify + 1 sign + proof hashes per request)',
);
await app.close();
store.close();
store2.close();

// ---- 2. publishing latency with 3 witnesses -----------------------------------
const wlog = await openFileLog(join(root, 'log'), {
  origin: 'latency.bench.test/log',
  batchIntervalMs: 0,
});
const witnesses = [];
for (let i = 1; i <= 3; i++) {
  const k = await createWitnessKey(join(root, `lw${i}`), `lw${i}.bench.test`, undefined, {
    unencrypted: true,
  });
  const s = new WitnessStore(join(root, `lw${i}`));
  s.addLog(wlog.verifierKey);
  const a = createWitnessServer({ store: s, key: k });
  witnesses.push({ k, s, a, url: await a.listen({ host: '127.0.0.1', port: 0 }) });
}
const policy = parseTlogPolicy(
  `${witnesses.map((w, i) => `witness w${i} ${w.k.vkey} ${w.url}`).join('\n')}\ngroup g 2 w0 w1 w2\nquorum g\n`,
);
const witnessed = new WitnessedLog(wlog, { policy });
const lat = async (l, count) => {
  const xs = [];
  for (let i = 0; i < count; i++) {
    const t0 = process.hrtime.bigint();
    await l.append(
      Buffer.from(`latency ${l === wlog ? 'plain' : 'witnessed'} ${i} ${Math.random()}`),
    );
    xs.push(secs(t0) * 1000);
  }
  xs.sort((a, b) => a - b);
  return { p50: xs[Math.floor(xs.length / 2)], p99: xs[Math.floor(xs.length * 0.99)] };
};
await lat(witnessed, 5); // warm up: witnesses learn the log's size
const plain = await lat(wlog, 200);
const withW = await lat(witnessed, 200);
console.log(
  `\npublishing one entry, sequential (durable file log; 3 loopback witnesses, 2-of-3, in this process)`,
);
row(
  'append p50 / p99 without witnesses',
  `${plain.p50.toFixed(1)} / ${plain.p99.toFixed(1)} ms`,
  '',
  '',
);
row(
  'append p50 / p99 with 3 witnesses',
  `${withW.p50.toFixed(1)} / ${withW.p99.toFixed(1)} ms`,
  '',
  `(+${(withW.p50 - plain.p50).toFixed(1)} ms at p50: one parallel round trip + 3 fsync'd witness commits)`,
);
for (const w of witnesses) {
  await w.a.close();
  w.s.close();
}
await wlog.close();

// ---- 3. monitor catch-up -------------------------------------------------------
console.log(
  `\nmonitor catch-up (${ENTRIES.toLocaleString('en')} Rekor v2 dsse entries, tiles over loopback HTTP)`,
);
const mlog = new MemoryLog({
  origin: 'monitor.bench.test/log',
  batchSize: 4096,
  maxPending: 1 << 20,
  batchIntervalMs: 1,
});
const key = {
  kind: 'publicKey',
  rawBytes: Buffer.from(publicKey.export({ type: 'spki', format: 'der' })),
  keyDetails: 'PKIX_ED25519',
  key: publicKey,
};
const pending = [];
for (let i = 0; i < ENTRIES; i++) {
  const payload = Buffer.from(`{"n":${i}}`);
  const leaf = dsseLogEntry({
    payload,
    payloadType: 'application/vnd.in-toto+json',
    signatures: [
      {
        sig: sign(
          null,
          Buffer.concat([
            Buffer.from(`DSSEv1 28 application/vnd.in-toto+json ${payload.length} `),
            payload,
          ]),
          privateKey,
        ),
        keyid: '',
      },
    ],
    verifiers: [key],
  }).body;
  pending.push(mlog.append(leaf));
  if (pending.length >= 8192) await Promise.all(pending.splice(0));
}
await Promise.all(pending);
const server = createLogServer({ log: mlog });
const lurl = await server.listen({ host: '127.0.0.1', port: 0 });
t = process.hrtime.bigint();
const r = await pollOnce(
  {
    server: lurl,
    logUrl: lurl,
    vkey: mlog.verifierKey,
    watch: ['pkg:npm/nothing'],
    fetcher: httpFetcher(),
  },
  undefined,
);
const catchUp = ENTRIES / secs(t);
if (r.state.edge.size !== ENTRIES || r.events.some((e) => e.type === 'inconsistent_checkpoint'))
  throw new Error(`monitor did not catch up: ${JSON.stringify(r.events.slice(0, 3))}`);
row(
  'entries replayed per second',
  fmt(catchUp, 'entries/s'),
  '',
  `(${(ENTRIES / catchUp).toFixed(1)} s for ${ENTRIES.toLocaleString('en')})`,
);
await server.close();
await mlog.close();
