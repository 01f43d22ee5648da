// Property tests (fast-check): proofs round-trip and any single-bit change breaks them; the
// incremental integrate agrees with the stored-hash tree; parsers throw only our InputError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import {
  appendEntryBundles,
  formatEntryBundle,
  parseEntryBundle,
} from '../../src/log/entry-bundle.js';
import { type Hash, recordHash } from '../../src/log/hash.js';
import { edgeRoot, emptyEdge, integrate } from '../../src/log/integrate.js';
import { ExpandedTile } from '../../src/log/expanded-tile.js';
import {
  hashReaderFromArray,
  readExactly,
  splitStoredHashIndex,
  storedHashCount,
  storedHashes,
  storedHashIndex,
  treeHash,
} from '../../src/log/merkle.js';
import { parseSignerKey, parseVerifierKey } from '../../src/log/note-key.js';
import { parseNote, verifyNote } from '../../src/log/note.js';
import {
  checkConsistency,
  checkInclusion,
  inclusionProofFromHashes,
  inclusionProofIndexes,
  proveConsistency,
  proveInclusion,
} from '../../src/log/proof.js';
import { formatTilePath, parseTilePath } from '../../src/log/tile-path.js';
import { readTileData, tileHashReader, tilesForSize } from '../../src/log/tile.js';

const MAX = 600;
// One tree of MAX leaves, built with tlog-style stored hashes.
const leafHashes: Hash[] = [];
const stored: Hash[] = [];
const reader = hashReaderFromArray(stored);
for (let i = 0; i < MAX; i++) {
  const h = recordHash(Buffer.from(`leaf ${i}`));
  leafHashes.push(h);
  stored.push(...storedHashes(i, h, reader));
}
const roots: Hash[] = Array.from({ length: MAX + 1 }, (_, n) => treeHash(n, reader));

const flip = (proof: readonly Hash[], bit: number): Hash[] =>
  proof.map((h, j) => {
    if (j !== Math.floor(bit / 256)) return h;
    const c = new Uint8Array(h);
    c[(bit % 256) >> 3] = c[(bit % 256) >> 3]! ^ (1 << (bit & 7));
    return c;
  });

const sizeAndIndex = fc
  .integer({ min: 1, max: MAX })
  .chain((size) => fc.tuple(fc.constant(size), fc.integer({ min: 0, max: size - 1 })));
const twoSizes = fc
  .integer({ min: 1, max: MAX })
  .chain((s2) => fc.tuple(fc.integer({ min: 0, max: s2 }), fc.constant(s2)));

describe('stored hashes', () => {
  it('storedHashIndex and splitStoredHashIndex are inverse; counts match', () => {
    expect(stored.length).toBe(storedHashCount(MAX));
    for (let i = 0; i < stored.length; i++) {
      const [level, n] = splitStoredHashIndex(i);
      expect(storedHashIndex(level, n)).toBe(i);
    }
  });
});

describe('inclusion proofs', () => {
  it('prove/check round-trips for every size and index', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const p = proveInclusion(index, size, reader);
        expect(checkInclusion(p, index, size, leafHashes[index]!, roots[size]!).code).toBe(
          'INCLUSION_PROOF_VALID',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('proofs folded with one shared memo of subtree hashes equal proofs without it', () => {
    const ranges = new Map<string, Hash>();
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const hashes = readExactly(reader, inclusionProofIndexes(index, size));
        expect(inclusionProofFromHashes(index, size, hashes, ranges)).toEqual(
          proveInclusion(index, size, reader),
        );
      }),
      { numRuns: 400 },
    );
    expect(ranges.size).toBeGreaterThan(0);
  });

  it('any single-bit change of the proof, leaf or root fails', () => {
    fc.assert(
      fc.property(sizeAndIndex, fc.nat(), ([size, index], r) => {
        const p = proveInclusion(index, size, reader);
        const bits = 256 * (p.length + 2);
        const bit = r % bits;
        let c;
        if (bit < 256 * p.length)
          c = checkInclusion(flip(p, bit), index, size, leafHashes[index]!, roots[size]!);
        else if (bit < 256 * (p.length + 1))
          c = checkInclusion(
            p,
            index,
            size,
            flip([leafHashes[index]!], bit % 256)[0]!,
            roots[size]!,
          );
        else
          c = checkInclusion(
            p,
            index,
            size,
            leafHashes[index]!,
            flip([roots[size]!], bit % 256)[0]!,
          );
        expect(c.status).toBe('fail');
        expect(c.code).toBe('PROOF_ROOT_MISMATCH');
      }),
      { numRuns: 300 },
    );
  });

  it('forged proofs: wrong length, wrong index, wrong size are rejected with a code', () => {
    fc.assert(
      fc.property(sizeAndIndex, ([size, index]) => {
        const p = proveInclusion(index, size, reader);
        const leaf = leafHashes[index]!;
        expect(checkInclusion([...p, leaf], index, size, leaf, roots[size]!).code).toBe(
          'PROOF_WRONG_LENGTH',
        );
        if (p.length > 0)
          expect(checkInclusion(p.slice(1), index, size, leaf, roots[size]!).code).toBe(
            'PROOF_WRONG_LENGTH',
          );
        if (size > 1) {
          const other = index === 0 ? 1 : index - 1;
          expect(checkInclusion(p, other, size, leaf, roots[size]!).status).toBe('fail');
        }
        if (size < MAX)
          expect(checkInclusion(p, index, size + 1, leaf, roots[size + 1]!).status).toBe('fail');
        expect(checkInclusion(p, size, size, leaf, roots[size]!).code).toBe('PROOF_BAD_INPUT');
        expect(checkInclusion(p, -1, size, leaf, roots[size]!).code).toBe('PROOF_BAD_INPUT');
        expect(checkInclusion(p, 0.5, size, leaf, roots[size]!).code).toBe('PROOF_BAD_INPUT');
      }),
      { numRuns: 200 },
    );
  });
});

describe('consistency proofs', () => {
  it('prove/check round-trips for every pair of sizes', () => {
    fc.assert(
      fc.property(twoSizes, ([s1, s2]) => {
        const p = proveConsistency(s1, s2, reader);
        expect(checkConsistency(p, s1, s2, roots[s1]!, roots[s2]!).code).toBe(
          'CONSISTENCY_PROOF_VALID',
        );
      }),
      { numRuns: 300 },
    );
  });

  it('any single-bit change of the proof or either root fails', () => {
    fc.assert(
      fc.property(twoSizes, fc.nat(), ([s1, s2], r) => {
        fc.pre(s1 > 0 && s1 < s2);
        const p = proveConsistency(s1, s2, reader);
        const bit = r % (256 * (p.length + 2));
        let c;
        if (bit < 256 * p.length)
          c = checkConsistency(flip(p, bit), s1, s2, roots[s1]!, roots[s2]!);
        else if (bit < 256 * (p.length + 1))
          c = checkConsistency(p, s1, s2, flip([roots[s1]!], bit % 256)[0]!, roots[s2]!);
        else c = checkConsistency(p, s1, s2, roots[s1]!, flip([roots[s2]!], bit % 256)[0]!);
        expect(c.code).toBe('PROOF_ROOT_MISMATCH');
      }),
      { numRuns: 300 },
    );
  });

  it('forged proofs: wrong length, wrong sizes, rollback are rejected with a code', () => {
    fc.assert(
      fc.property(twoSizes, ([s1, s2]) => {
        const p = proveConsistency(s1, s2, reader);
        expect(checkConsistency([...p, roots[s1]!], s1, s2, roots[s1]!, roots[s2]!).code).toBe(
          'PROOF_WRONG_LENGTH',
        );
        if (s1 < s2)
          expect(checkConsistency(p, s2, s1, roots[s2]!, roots[s1]!).code).toBe('PROOF_BAD_INPUT');
        if (s1 > 1 && s1 < s2)
          expect(checkConsistency(p, s1 - 1, s2, roots[s1 - 1]!, roots[s2]!).status).toBe('fail');
        if (s2 < MAX && s1 > 0)
          expect(checkConsistency(p, s1, s2 + 1, roots[s1]!, roots[s2 + 1]!).status).toBe('fail');
      }),
      { numRuns: 200 },
    );
  });

  it('same size needs equal roots and an empty proof', () => {
    expect(checkConsistency([], 5, 5, roots[5]!, roots[5]!).code).toBe('CONSISTENCY_PROOF_VALID');
    expect(checkConsistency([], 5, 5, roots[5]!, roots[6]!).code).toBe('PROOF_ROOT_MISMATCH');
    expect(checkConsistency([roots[1]!], 5, 5, roots[5]!, roots[5]!).code).toBe(
      'PROOF_WRONG_LENGTH',
    );
    expect(checkConsistency([roots[1]!], 0, 5, roots[0]!, roots[5]!).code).toBe(
      'PROOF_WRONG_LENGTH',
    );
    expect(checkConsistency([new Uint8Array(31)], 3, 5, roots[3]!, roots[5]!).code).toBe(
      'PROOF_BAD_HASH',
    );
  });
});

describe('integrate and tiles', () => {
  it('an expansion is reused only for a prefix of the same tile', () => {
    const tile = (from: number, n: number) =>
      Buffer.concat(leafHashes.slice(from, from + n).map((h) => Buffer.from(h)));
    const grown = tile(0, 200);
    const fresh = new ExpandedTile(grown).levels;
    // A real prefix: reused, same result.
    expect(new ExpandedTile(grown, new ExpandedTile(tile(0, 77))).levels).toEqual(fresh);
    // Not a prefix (another tile, or a longer one): ignored, same result.
    expect(new ExpandedTile(grown, new ExpandedTile(tile(1, 77))).levels).toEqual(fresh);
    expect(new ExpandedTile(tile(0, 77), new ExpandedTile(grown)).levels).toEqual(
      new ExpandedTile(tile(0, 77)).levels,
    );
    // An edge whose expansion was swapped for another tile's still gives the right root.
    const r = integrate(emptyEdge(), leafHashes.slice(0, 77));
    const wrong = { ...r.edge, expanded: [new ExpandedTile(tile(5, 77))] };
    expect(edgeRoot(wrong)).toEqual(roots[77]);
  });

  it('batched integration gives the same roots and tiles as the stored-hash tree', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 6 }),
        (batches) => {
          let edge = emptyEdge();
          const latest = new Map<string, Uint8Array>();
          for (const k of batches) {
            const n = Math.min(k, MAX - edge.size);
            const r = integrate(edge, leafHashes.slice(edge.size, edge.size + n));
            for (const t of r.tiles) latest.set(formatTilePath(t.tile), t.data);
            expect(Buffer.from(r.root).equals(Buffer.from(roots[r.size]!))).toBe(true);
            // The expansions carried from batch to batch equal fresh ones of the same tiles.
            r.edge.tiles.forEach((data, level) => {
              const kept = r.edge.expanded?.[level];
              if (data.length === 0) expect(kept).toBeUndefined();
              else expect(kept?.levels).toEqual(new ExpandedTile(data).levels);
            });
            edge = r.edge;
          }
          for (const t of tilesForSize(edge.size)) {
            expect(
              Buffer.from(latest.get(formatTilePath(t))!).equals(
                Buffer.from(readTileData(t, reader)),
              ),
            ).toBe(true);
          }
          // Proofs served from tiles alone equal proofs from stored hashes.
          if (edge.size > 0) {
            const tr = tileHashReader(edge.size, (t) => latest.get(formatTilePath(t))!);
            const i = edge.size >> 1;
            expect(proveInclusion(i, edge.size, tr)).toEqual(proveInclusion(i, edge.size, reader));
            expect(treeHash(edge.size, tr)).toEqual(roots[edge.size]);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

// Parsers meet arbitrary input: they return or throw InputError, nothing else.
function onlyInputError(f: () => unknown): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
}

describe('parsers never throw anything but InputError', () => {
  const pathish = fc.oneof(
    fc.string(),
    fc
      .array(
        fc.constantFrom(
          'tile',
          'entries',
          '0',
          '1',
          '63',
          '64',
          'x001',
          'x000',
          '000',
          '001',
          '.p',
          '000.p',
          '255',
          '256',
          '01',
          'x1234',
          '',
        ),
        { maxLength: 8 },
      )
      .map((a) => a.join('/')),
  );
  it('parseTilePath (and round-trips what it accepts)', () => {
    fc.assert(
      fc.property(pathish, (p) => {
        onlyInputError(() => expect(formatTilePath(parseTilePath(p))).toBe(p));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: -1, max: 63 }),
        fc.maxSafeNat(),
        fc.integer({ min: 1, max: 256 }),
        (level, index, width) => {
          const t = { level, index, width };
          expect(parseTilePath(formatTilePath(t))).toEqual(t);
        },
      ),
    );
  });

  it('parseEntryBundle (and round-trips what it accepts)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (b) => {
        onlyInputError(() => {
          const entries = parseEntryBundle(b);
          expect(Buffer.from(formatEntryBundle(entries)).equals(Buffer.from(b))).toBe(true);
        });
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 300 }), (entries) => {
        const r = appendEntryBundles(0, [], entries);
        const back = r.bundles.flatMap((b) =>
          parseEntryBundle(b.data, b.tile.width).map((e) => Buffer.from(e).toString('hex')),
        );
        expect(back).toEqual(entries.map((e) => Buffer.from(e).toString('hex')));
      }),
      { numRuns: 100 },
    );
  });

  const noteish = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc
      .tuple(fc.string(), fc.array(fc.tuple(fc.string(), fc.base64String()), { maxLength: 20 }))
      .map(([text, sigs]) => `${text}\n\n${sigs.map(([n, s]) => `\u2014 ${n} ${s}\n`).join('')}`),
  );
  it('parseNote / verifyNote', () => {
    const v = parseVerifierKey(
      'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k',
    );
    fc.assert(
      fc.property(noteish, (s) => {
        onlyInputError(() => parseNote(s));
        onlyInputError(() => parseNote(Buffer.from(s, 'utf8')));
        const r = verifyNote(s, [v]);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => onlyInputError(() => parseNote(b))),
      { numRuns: 500 },
    );
  });

  it('parseCheckpoint', () => {
    const lines = fc.array(
      fc.oneof(
        fc.string(),
        fc.constantFrom(
          '0',
          '01',
          '-1',
          '+1',
          '1e3',
          '9007199254740993',
          '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
          '',
        ),
      ),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(lines, (ls) => {
        onlyInputError(() => parseCheckpoint(`${ls.join('\n')}\n`));
      }),
      { numRuns: 2000 },
    );
  });

  it('parseVerifierKey / parseSignerKey', () => {
    const keyish = fc
      .array(
        fc.oneof(fc.string(), fc.base64String(), fc.constantFrom('PRIVATE', 'KEY', '530d903a')),
        { maxLength: 6 },
      )
      .map((a) => a.join('+'));
    fc.assert(
      fc.property(keyish, (k) => {
        onlyInputError(() => parseVerifierKey(k));
        onlyInputError(() => parseSignerKey(k));
      }),
      { numRuns: 1000 },
    );
  });
});
