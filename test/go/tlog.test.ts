// Go's own implementation checks ours, and ours checks Go's: golang.org/x/mod/sumdb/tlog and
// sumdb/note (Debian golang-golang-x-mod-dev, built in GOPATH mode) — see test/go/tlogcheck/main.go.
// Under CI=true a missing `go` is a failure; locally the suite is skipped, loudly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { formatCheckpoint, parseCheckpoint, verifyCheckpoint } from '../../src/log/checkpoint.js';
import { type Hash, recordHash } from '../../src/log/hash.js';
import { emptyEdge, integrate } from '../../src/log/integrate.js';
import { treeHash } from '../../src/log/merkle.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../src/log/note-key.js';
import { signNote, verifyNote } from '../../src/log/note.js';
import {
  checkConsistency,
  checkInclusion,
  proveConsistency,
  proveInclusion,
} from '../../src/log/proof.js';
import { formatTilePath, type Tile } from '../../src/log/tile-path.js';
import { tileHashReader } from '../../src/log/tile.js';

const GOPATH_LIB = '/usr/share/gocode';
const goProgram = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go golang-golang-x-mod-dev',
  'test/go/tlog.test.ts',
  { mustExitZero: true },
);

const b64 = (h: Uint8Array): string => Buffer.from(h).toString('base64');
const unb64 = (s: string): Hash => new Uint8Array(Buffer.from(s, 'base64'));
const flipBit = (h: Hash, bit: number): Hash => {
  const c = new Uint8Array(h);
  c[bit >> 3] = c[bit >> 3]! ^ (1 << (bit & 7));
  return c;
};

// Deterministic pseudo-random numbers, so a failure can be replayed.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

// 66,000 leaves: three tile levels (level 2 has one hash), many partial widths.
const N = 66_000;
const leaves = Array.from({ length: N }, (_, i) => Buffer.from(`leaf ${i}`));

let dir = '';
let bin = '';
function runGo(request: unknown): any {
  const out = execFileSync(bin, [], { input: JSON.stringify(request), maxBuffer: 256 << 20 });
  return JSON.parse(out.toString('utf8'));
}

describe.skipIf(skipUnlessPresent(goProgram))("Go's sumdb/tlog and sumdb/note", () => {
  // Our side: integrate in random batches, keeping every tile's newest data and the roots seen.
  const tiles = new Map<string, { tile: Tile; data: Uint8Array }>();
  const roots = new Map<number, Hash>();
  // Tiles of the final tree only (a narrower partial tile is a prefix of the wider one).
  const finalTiles = new Map<string, Uint8Array>();
  function buildOurs(): void {
    let edge = emptyEdge();
    const rand = rng(2024);
    while (edge.size < N) {
      const k = Math.min(N - edge.size, 1 + Math.floor(rand() * 700));
      const r = integrate(edge, leaves.slice(edge.size, edge.size + k).map(recordHash));
      for (const t of r.tiles) tiles.set(formatTilePath(t.tile), t);
      roots.set(r.size, r.root);
      edge = r.edge;
    }
    for (const { tile, data } of tiles.values()) {
      const key = `${tile.level}/${tile.index}`;
      const prev = finalTiles.get(key);
      if (prev === undefined || prev.length < data.length) finalTiles.set(key, data);
    }
  }
  const reader = (size: number) =>
    tileHashReader(size, (t) => finalTiles.get(`${t.level}/${t.index}`)!.subarray(0, t.width * 32));
  const rootOf = (size: number): Hash => {
    const r = roots.get(size);
    if (r) return r;
    // Sizes between batches: computed from the tiles.
    return treeHash(size, reader(size));
  };

  beforeAll(() => {
    goProgram.require();
    buildOurs();
    dir = mkdtempSync(join(tmpdir(), 'sigil-go-'));
    bin = join(dir, 'tlogcheck');
    execFileSync('go', ['build', '-o', bin, '.'], {
      cwd: join(import.meta.dirname, 'tlogcheck'),
      env: {
        ...process.env,
        GO111MODULE: 'off',
        GOPATH: `${join(dir, 'gp')}:${GOPATH_LIB}`,
        GOCACHE: join(dir, 'cache'),
        GOFLAGS: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
  }, 120_000);
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Go agrees with our roots, every tile, and serves authenticated proofs from our tiles', () => {
    const res = runGo({
      leaves: leaves.map((l) => l.toString('base64')),
      roots: [...roots].map(([size, hash]) => ({ size, hash: b64(hash) })),
      tiles: [...tiles.values()].map(({ tile, data }) => ({
        path: formatTilePath(tile),
        data: b64(data),
      })),
      tileTree: { size: N, hash: b64(roots.get(N)!) },
    });
    expect(res.roots.length).toBe(roots.size);
    expect(res.roots.filter((r: string) => r !== '')).toEqual([]);
    expect(res.tiles.length).toBe(tiles.size);
    expect(res.tiles.filter((r: string) => r !== '')).toEqual([]);
    expect(res.tileProofs).toBe('');
  });

  it('Go accepts our inclusion and consistency proofs (identical to its own) and rejects forged ones', () => {
    const r = rng(7);
    const inclusion: unknown[] = [];
    const expectOk: boolean[] = [];
    for (let i = 0; i < 30; i++) {
      const size = 1 + Math.floor(r() * (N - 1));
      const index = Math.floor(r() * size);
      const proof = proveInclusion(index, size, reader(size));
      const root = rootOf(size);
      const q = (p: Hash[], idx: number, sz: number, rt: Hash = root) => ({
        index: idx,
        size: sz,
        proof: p.map(b64),
        root: b64(rt),
        leaf: leaves[index]!.toString('base64'),
      });
      inclusion.push(q(proof, index, size));
      expectOk.push(true);
      if (proof.length > 0) {
        inclusion.push(
          q(
            proof.map((h, j) => (j === proof.length - 1 ? flipBit(h, 0) : h)),
            index,
            size,
          ),
        );
        expectOk.push(false);
        inclusion.push(q(proof.slice(0, -1), index, size)); // wrong length
        expectOk.push(false);
        inclusion.push(q(proof, index ^ 1, size)); // wrong index
        expectOk.push(false);
      }
      inclusion.push(q(proof, index, size + 1, rootOf(size + 1))); // wrong size (claims the bigger tree)
      expectOk.push(false);
    }
    const consistency: unknown[] = [];
    const cOk: boolean[] = [];
    for (let i = 0; i < 30; i++) {
      const size2 = 2 + Math.floor(r() * (N - 1));
      const size1 = 1 + Math.floor(r() * (size2 - 1));
      const proof = proveConsistency(size1, size2, reader(size2));
      const q = (p: Hash[], s1: number, root1: Hash) => ({
        size1: s1,
        size2,
        proof: p.map(b64),
        root1: b64(root1),
        root2: b64(rootOf(size2)),
      });
      consistency.push(q(proof, size1, rootOf(size1)));
      cOk.push(true);
      consistency.push(
        q(
          proof.map((h, j) => (j === 0 ? flipBit(h, 255) : h)),
          size1,
          rootOf(size1),
        ),
      );
      cOk.push(false);
      consistency.push(q([...proof, proof[0]!], size1, rootOf(size1)));
      cOk.push(false);
      consistency.push(q(proof, size1, flipBit(rootOf(size1), 3))); // forked old root
      cOk.push(false);
    }
    const res = runGo({ leaves: leaves.map((l) => l.toString('base64')), inclusion, consistency });
    expect(res.inclusion.map((e: string) => e === '')).toEqual(expectOk);
    expect(
      res.sameInclusion.filter(
        (_: boolean, i: number) => expectOk[i] && (inclusion[i] as { size: number }).size <= N,
      ),
    ).not.toContain(false);
    expect(res.consistency.map((e: string) => e === '')).toEqual(cOk);
  });

  it('Go verifies our signed notes with our vkey, and rejects altered ones', () => {
    const key = generateNoteKey('sigil.example/log');
    const signer = parseSignerKey(key.signerKey);
    const other = parseSignerKey(generateNoteKey('witness.example/w1').signerKey);
    const body = formatCheckpoint({
      origin: 'sigil.example/log',
      size: N,
      hash: roots.get(N)!,
      extensions: [],
    });
    const signed = signNote(body, [signer]);
    const twoSigs = signNote(body, [other, signer]);
    const altered = signed.replace(String(N), String(N + 1));
    const wrongKey = signNote(body, [
      parseSignerKey(generateNoteKey('sigil.example/log').signerKey),
    ]);
    const res = runGo({
      leaves: [],
      notes: [signed, twoSigs, altered, wrongKey].map((msg) => ({ vkey: key.verifierKey, msg })),
    });
    expect(res.notes[0]).toBe('sigil.example/log');
    expect(res.notes[1]).toBe('sigil.example/log');
    expect(res.notes[2]).toMatch(/^error: /);
    expect(res.notes[3]).toMatch(/^error: /);
  });

  it("we verify Go's keys, signed notes and proofs, reproduce its signature, and reject altered copies", () => {
    const body = formatCheckpoint({
      origin: 'go.example/log',
      size: 1000,
      hash: roots.get(N)!,
      extensions: [],
    });
    const pairs: [number, number][] = [
      [0, 1],
      [0, 2],
      [5, 8],
      [999, 1000],
      [255, 256],
      [256, 257],
      [1234, 65_536],
      [65_999, N],
      [31_337, 50_000],
    ];
    const tree: [number, number][] = [
      [1, 2],
      [3, 8],
      [7, 8],
      [8, 9],
      [256, 65_536],
      [1000, N],
      [65_535, 65_537],
    ];
    const res = runGo({
      leaves: leaves.map((l) => l.toString('base64')),
      genName: 'go.example/log',
      genText: body,
      goInclusion: pairs.map(([a, b]) => ({ a, b })),
      goConsistency: tree.map(([a, b]) => ({ a, b })),
    });
    // Keys and note: Go's vkey parses, its note verifies, our signer (from Go's skey) gives the same bytes.
    const v = parseVerifierKey(res.genVkey);
    const ok = verifyCheckpoint(res.genMsg, [v], { origin: 'go.example/log' });
    expect(ok.ok && ok.checkpoint.size).toBe(1000);
    expect(signNote(body, [parseSignerKey(res.genSkey)])).toBe(res.genMsg);
    const altered = res.genMsg.replace('\n1000\n', '\n1001\n');
    const bad = verifyNote(altered, [v]);
    expect(bad.ok).toBe(false);
    expect(bad.check.code).toBe('NOTE_INVALID_SIGNATURE');
    expect(parseCheckpoint(body).size).toBe(1000);

    for (const p of res.goInclusion) {
      const proof = (p.proof as string[]).map(unb64);
      const leaf = unb64(p.leafHash);
      const root = unb64(p.rootB);
      expect(b64(root)).toBe(b64(rootOf(p.b)));
      expect(checkInclusion(proof, p.a, p.b, leaf, root).code).toBe('INCLUSION_PROOF_VALID');
      if (proof.length > 0) {
        expect(
          checkInclusion(
            proof.map((h, j) => (j === 0 ? flipBit(h, 7) : h)),
            p.a,
            p.b,
            leaf,
            root,
          ).code,
        ).toBe('PROOF_ROOT_MISMATCH');
        expect(checkInclusion(proof.slice(1), p.a, p.b, leaf, root).code).toBe(
          'PROOF_WRONG_LENGTH',
        );
      }
      expect(checkInclusion(proof, p.a, p.a, leaf, root).code).toBe('PROOF_BAD_INPUT');
    }
    for (const p of res.goConsistency) {
      const proof = (p.proof as string[]).map(unb64);
      const [r1, r2] = [unb64(p.rootA), unb64(p.rootB)];
      expect(checkConsistency(proof, p.a, p.b, r1, r2).code).toBe('CONSISTENCY_PROOF_VALID');
      expect(
        checkConsistency(
          proof.map((h, j) => (j === proof.length - 1 ? flipBit(h, 1) : h)),
          p.a,
          p.b,
          r1,
          r2,
        ).code,
      ).toBe('PROOF_ROOT_MISMATCH');
      expect(checkConsistency([...proof, r1], p.a, p.b, r1, r2).code).toBe('PROOF_WRONG_LENGTH');
      expect(checkConsistency(proof, p.b, p.a, r2, r1).code).toBe('PROOF_BAD_INPUT');
    }
  });
});
