// Key events parse into the union of actions (issue 15 item 7): what buildKeyEvent was given is
// what replay reads back, field for field, and a predicate that mixes actions' fields is refused.
import { describe, expect, it } from 'vitest';
import { generateKey, type PublicKey } from '../../src/core/keys.js';
import {
  buildKeyEvent,
  type KeyEventInput,
  parseKeyEventEnvelope,
} from '../../src/ledger/event.js';

const [a, b] = [generateKey(), generateKey()];
const ns = 'pkg:npm/left-pad';
const prev = 'ab'.repeat(32);
const ids = (v: unknown): unknown =>
  JSON.parse(
    JSON.stringify(v, (_k, x: unknown) =>
      x && typeof x === 'object' && 'keyId' in x && 'key' in x ? (x as PublicKey).keyId : x,
    ),
  );

const inputs: KeyEventInput[] = [
  { namespace: ns, previous: null, action: 'add', keys: [a.publicKey, b.publicKey] },
  { namespace: ns, previous: prev, action: 'revoke', keyId: a.publicKey.keyId },
  {
    namespace: ns,
    previous: prev,
    action: 'revoke',
    keyId: a.publicKey.keyId,
    compromisedSince: 4,
    reason: 'laptop lost',
  },
  { namespace: ns, previous: prev, action: 'rotate', from: a.publicKey.keyId, to: b.publicKey },
  { namespace: ns, previous: prev, action: 'reset', keys: [b.publicKey], threshold: 1 },
  { namespace: ns, previous: prev, action: 'threshold', threshold: 2 },
];

describe('key events as a union', () => {
  it.each(inputs.map((i) => [i.action, i] as const))(
    '%s: parses back to what was built',
    (_, input) => {
      const { envelope } = buildKeyEvent(input, [a]);
      const parsed = parseKeyEventEnvelope(JSON.stringify(envelope));
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      expect(ids(parsed.value.event)).toEqual(ids(input));
    },
  );

  it('refuses a predicate that carries another action’s fields', () => {
    const { statement } = buildKeyEvent(inputs[5]!, [a]);
    const mixed = { ...statement, predicate: { ...statement.predicate, from: a.publicKey.keyId } };
    const envelope = {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(JSON.stringify(mixed)).toString('base64'),
      signatures: [],
    };
    const r = parseKeyEventEnvelope(envelope);
    expect(r).toMatchObject({ ok: false, code: 'EVENT_INVALID' });
    expect(r.ok ? '' : r.reason).toMatch(/predicate\.from is not allowed in a threshold event/);
  });
});
