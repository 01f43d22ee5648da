// The in-toto header (_type, predicateType) is checked by one function for release and key-event statements.
import { describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import {
  IN_TOTO_STATEMENT_TYPE,
  RELEASE_PREDICATE_TYPE,
  makeReleaseStatement,
  parseReleaseStatement,
} from '../../src/core/statement.js';
import { ValidationError } from '../../src/core/errors.js';
import {
  KEY_EVENT_PREDICATE_TYPE,
  keyEventStatement,
  parseKeyEventStatement,
} from '../../src/ledger/event.js';

const bytes = (doc: unknown) => Buffer.from(JSON.stringify(doc));
const release = makeReleaseStatement('pkg:npm/left-pad@1.0.0', {
  sha256: 'ab'.repeat(32),
  sha512: 'cd'.repeat(64),
});
const keyEvent = keyEventStatement({
  namespace: 'pkg:npm/left-pad',
  previous: null,
  action: 'add',
  keys: [generateKey().publicKey],
});

describe('in-toto statement header', () => {
  it('a release statement with both wrong lists both problems', () => {
    let err: unknown;
    try {
      parseReleaseStatement(bytes({ ...release, _type: 'x', predicateType: 'y' }), 'a.sigil.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).fields).toEqual([
      `_type is "x", expected "${IN_TOTO_STATEMENT_TYPE}"`,
      `predicateType is "y", expected "${RELEASE_PREDICATE_TYPE}"`,
    ]);
    expect(parseReleaseStatement(bytes(release)).predicate.purl).toBe('pkg:npm/left-pad@1.0.0');
  });

  it('a key event carrying the release predicate type is refused, naming the expected one', () => {
    const r = parseKeyEventStatement(bytes({ ...keyEvent, predicateType: RELEASE_PREDICATE_TYPE }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toContain(
      `predicateType is "${RELEASE_PREDICATE_TYPE}", expected "${KEY_EVENT_PREDICATE_TYPE}"`,
    );
    expect(parseKeyEventStatement(bytes(keyEvent)).ok).toBe(true);
  });
});
