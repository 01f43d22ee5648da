// Hostile input (fast-check): the witness's, the policy's and the proof parsers only ever throw
// InputError, the add-checkpoint decision never throws, and any change to a valid request is refused.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  decideAddCheckpoint,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
} from '../../src/log/add-checkpoint.js';
import { parseCosignatureLines } from '../../src/log/cosignature.js';
import { generateNoteKey, parseSignerKey, parseVerifierKey } from '../../src/log/note-key.js';
import { parseTlogPolicy } from '../../src/log/policy.js';
import { formatTlogProof, parseTlogProof } from '../../src/log/tlog-proof.js';
import { TestTree } from './tree.js';

const onlyInputErrors = (fn: () => unknown): void => {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
};
const line = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'old 0',
    'old 1',
    'quorum none',
    'log ',
    'witness a ',
    'group g any a',
    'index 0',
    'c2sp.org/tlog-proof@v1',
    '',
    'extra AAAA',
    '— a AAAAAAAA',
  ),
);
const text = fc.array(line, { maxLength: 12 }).map((ls) => ls.join('\n'));

describe('parsers of attacker-controlled text', () => {
  it('throw nothing but InputError', () => {
    fc.assert(
      fc.property(text, (t) => {
        onlyInputErrors(() => parseAddCheckpointRequest(t));
        onlyInputErrors(() => parseTlogPolicy(t));
        onlyInputErrors(() => parseTlogProof(t));
        onlyInputErrors(() => parseCosignatureLines(t));
      }),
      { numRuns: 400 },
    );
  });

  it('a tlog-proof round-trips', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 20 }),
        fc.option(fc.uint8Array({ maxLength: 100 }), { nil: undefined }),
        (index, proof, extra) => {
          const p = {
            index,
            proof,
            checkpoint: 'o\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n— o AAAAAAAA\n',
            ...(extra ? { extra } : {}),
          };
          const back = parseTlogProof(formatTlogProof(p));
          expect(back.index).toBe(index);
          expect(back.proof.map((h) => Buffer.from(h).toString('hex'))).toEqual(
            proof.map((h) => Buffer.from(h).toString('hex')),
          );
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('decideAddCheckpoint', () => {
  const k = generateNoteKey('prop.witness.test');
  const signer = parseSignerKey(k.signerKey);
  const tree = new TestTree('prop.witness.test', signer);
  for (let i = 0; i < 40; i++) tree.add(`leaf ${i}`);
  const keys = [parseVerifierKey(k.verifierKey)];

  it('accepts exactly the valid request and refuses any single-byte change of it, without throwing', () => {
    const body = formatAddCheckpointRequest({
      oldSize: 17,
      proof: tree.proof(17, 40),
      checkpoint: tree.checkpoint(40),
    });
    const state = { size: 17, hash: tree.root(17) };
    const decide = (b: string) => {
      let req;
      try {
        req = parseAddCheckpointRequest(b);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return 400;
      }
      return decideAddCheckpoint(
        req,
        (o) => (o === 'prop.witness.test' ? keys : undefined),
        () => state,
      ).status;
    };
    expect(decide(body)).toBe(200);
    fc.assert(
      fc.property(
        fc.nat({ max: body.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (pos, flip) => {
          const bytes = Buffer.from(body, 'utf8');
          if (pos >= bytes.length) return;
          bytes[pos] = bytes[pos]! ^ flip;
          const changed = bytes.toString('utf8');
          if (changed === body) return;
          expect(decide(changed)).not.toBe(200);
        },
      ),
      { numRuns: 300 },
    );
  });
});
