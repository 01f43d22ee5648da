// Byte-for-byte vectors nobody here made: a real Tessera log (test/fixtures/log/tessera-log,
// transparency-dev/tessera testdata/log @1811ae1a), the c2sp.org/signed-note worked example and
// golang.org/x/mod's note tests (test/fixtures/log/signed-note/ORIGIN.md).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from '../../src/log/checkpoint.js';
import { appendEntryBundles, parseEntryBundle } from '../../src/log/entry-bundle.js';
import { recordHash } from '../../src/log/hash.js';
import { edgeFromTiles, edgeTiles, emptyEdge, integrate } from '../../src/log/integrate.js';
import { formatVerifierKey, parseSignerKey, parseVerifierKey } from '../../src/log/note-key.js';
import { openNote, parseNote, signNote, verifyNote } from '../../src/log/note.js';
import { formatTilePath, parseTilePath } from '../../src/log/tile-path.js';

const TESSERA = join(import.meta.dirname, '../fixtures/log/tessera-log');
const NOTES = join(import.meta.dirname, '../fixtures/log/signed-note');
const LEAVES =
  'one two three four five six seven eit nain ten ileven twelf threeten fourten fivten'.split(' ');
const SKEY =
  'PRIVATE+KEY+example.com/log/testdata+33d7b496+AeymY/SZAX0jZcJ8enZ5FY1Dz+wTML2yWSkK+9DSF3eg';
const VKEY = 'example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx';
const ORIGIN = 'example.com/log/testdata';

const read = (p: string): Buffer => readFileSync(join(TESSERA, p));
const text = (p: string): string => readFileSync(p, 'utf8');

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

describe('Tessera reference log, byte for byte', () => {
  it('appending the leaves one by one reproduces every tile, entry bundle and root', () => {
    let edge = emptyEdge();
    let partial: readonly Uint8Array[] = [];
    const produced = new Map<string, Uint8Array>();
    for (const leaf of LEAVES) {
      const entry = Buffer.from(leaf);
      const r = integrate(edge, [recordHash(entry)]);
      const b = appendEntryBundles(edge.size, partial, [entry]);
      edge = r.edge;
      partial = b.partial;
      for (const t of [...r.tiles, ...b.bundles]) produced.set(formatTilePath(t.tile), t.data);
      const cp = parseCheckpoint(parseNote(read(`checkpoint.${r.size}`)).text);
      expect(cp.size).toBe(r.size);
      expect(Buffer.from(r.root).toString('base64')).toBe(Buffer.from(cp.hash).toString('base64'));
    }
    // Every tile file of the reference log was produced, with identical bytes, and nothing else.
    const files = listFiles(TESSERA, 'tile').sort();
    expect([...produced.keys()].sort()).toEqual(files);
    for (const f of files) expect(Buffer.from(produced.get(f)!).equals(read(f)), f).toBe(true);
    expect(Buffer.from(edge.tiles[0]!).equals(read('tile/0/000.p/15'))).toBe(true);
  });

  it('one batch of 15 gives the same final tiles and root as 15 batches of one', () => {
    const r = integrate(
      emptyEdge(),
      LEAVES.map((l) => recordHash(Buffer.from(l))),
    );
    expect(r.tiles.map((t) => formatTilePath(t.tile))).toEqual(['tile/0/000.p/15']);
    expect(Buffer.from(r.root).toString('base64')).toBe(
      'rKbDipCvhuX1GZ7g5BBe8sA6BbJ7ja/1nk427v383cs=',
    );
    const b = appendEntryBundles(
      0,
      [],
      LEAVES.map((l) => Buffer.from(l)),
    );
    expect(Buffer.from(b.bundles[0]!.data).equals(read('tile/entries/000.p/15'))).toBe(true);
  });

  it('the edge can be reloaded from the stored partial tile and extended', () => {
    const names = edgeTiles(7).map(formatTilePath);
    expect(names).toEqual(['tile/0/000.p/7']);
    const edge = edgeFromTiles(
      7,
      names.map((n) => read(n)),
    );
    const r = integrate(
      edge,
      LEAVES.slice(7).map((l) => recordHash(Buffer.from(l))),
    );
    expect(Buffer.from(r.tiles[0]!.data).equals(read('tile/0/000.p/15'))).toBe(true);
  });

  it('entry bundles parse back into the leaves', () => {
    expect(
      parseEntryBundle(read('tile/entries/000.p/15'), 15).map((e) => Buffer.from(e).toString()),
    ).toEqual(LEAVES);
  });

  it('signing each checkpoint body with the published test key reproduces each signature line', () => {
    const signer = parseSignerKey(SKEY);
    expect(formatVerifierKey(signer)).toBe(VKEY);
    const verifier = parseVerifierKey(VKEY);
    for (let n = 0; n <= 15; n++) {
      const original = read(`checkpoint.${n}`).toString('utf8');
      const cp = parseCheckpoint(parseNote(original).text);
      expect(cp.origin).toBe(ORIGIN);
      expect(signCheckpoint(cp, [signer])).toBe(original);
      const v = verifyCheckpoint(original, [verifier], { origin: ORIGIN });
      expect(v.ok && v.checkpoint.size).toBe(n);
      expect(formatCheckpoint(cp)).toBe(parseNote(original).text);
    }
    expect(read('checkpoint').equals(read('checkpoint.15'))).toBe(true);
  });

  it('tile paths in the reference log are canonical', () => {
    for (const f of listFiles(TESSERA, 'tile')) expect(formatTilePath(parseTilePath(f))).toBe(f);
  });
});

describe('signed-note vectors', () => {
  it('verifies the c2sp.org/signed-note worked example and rejects an altered copy', () => {
    const vkey = text(join(NOTES, 'spec-example.vkey')).trim();
    const note = readFileSync(join(NOTES, 'spec-example.note'));
    const v = parseVerifierKey(vkey);
    expect(v.keyId).toBe(0x530d903a);
    expect(formatVerifierKey(v)).toBe(vkey);
    expect(openNote(note, [v]).text).toBe('This is an example message.\n');
    const altered = Buffer.from(note);
    altered[3] = altered[3]! ^ 1;
    const r = verifyNote(altered, [v]);
    expect(r.ok).toBe(false);
    expect(r.check.code).toBe('NOTE_INVALID_SIGNATURE');
    expect(r.check.detail).toMatchObject({ keyName: 'example.com/foo', keyId: '530d903a' });
  });

  it("reproduces golang.org/x/mod's signed note and verifies both signers", () => {
    const skey = text(join(NOTES, 'go-peter.skey')).trim();
    const peter = parseVerifierKey(text(join(NOTES, 'go-peter.vkey')).trim());
    const enoch = parseVerifierKey(text(join(NOTES, 'go-enoch.vkey')).trim());
    const both = text(join(NOTES, 'go-peter-enoch.note'));
    const body = parseNote(both).text;
    const signed = signNote(body, [parseSignerKey(skey)]);
    expect(both.startsWith(signed)).toBe(true);
    const r = verifyNote(both, [peter]);
    expect(r.ok && r.note.verified.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(r.ok && r.note.unverified.map((s) => s.name)).toEqual(['EnochRoot']);
    const r2 = verifyNote(both, [peter, enoch]);
    expect(r2.ok && r2.note.verified.map((s) => s.name)).toEqual(['PeterNeumann', 'EnochRoot']);
  });
});
