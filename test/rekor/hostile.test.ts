// Hostile input never escapes as a raw exception: property tests over
// CreateEntryRequest bodies and TransparencyLogEntry JSON.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  checkTransparencyLogEntry,
  parseTransparencyLogEntry,
  prepareDsseEntry,
  RekorEntryError,
} from '../../src/log/rekor/index.js';
import { parseVerifierKey } from '../../src/log/index.js';
import { MemoryLog } from '../helpers/memory-log.js';

const b64 = fc.uint8Array({ maxLength: 80 }).map((b) => Buffer.from(b).toString('base64'));
const junk = fc.oneof(
  fc.string(),
  b64,
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
);

describe('hostile CreateEntryRequests', () => {
  it('any bytes: a RekorEntryError with status 400/413, nothing else', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.json().map((s) => Buffer.from(s)),
        ),
        (body) => {
          try {
            prepareDsseEntry(body, { maxBytes: 200 });
          } catch (e) {
            expect(e).toBeInstanceOf(RekorEntryError);
            expect([400, 413]).toContain((e as RekorEntryError).status);
            return;
          }
          throw new Error('accepted junk');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('well-shaped requests with junk values: a RekorEntryError naming a field', () => {
    const req = fc.record({
      dsseRequestV002: fc.record({
        envelope: fc.record({
          payload: junk,
          payloadType: junk,
          signatures: fc.array(fc.record({ sig: junk, keyid: junk }), { maxLength: 3 }),
        }),
        verifiers: fc.array(
          fc.record({
            publicKey: fc.record({ rawBytes: junk }),
            keyDetails: fc.oneof(junk, fc.constantFrom('PKIX_ED25519', 'PKIX_ECDSA_P256_SHA_256')),
          }),
          { maxLength: 3 },
        ),
      }),
    });
    fc.assert(
      fc.property(req, (r) => {
        try {
          prepareDsseEntry(JSON.stringify(r));
        } catch (e) {
          expect(e).toBeInstanceOf(RekorEntryError);
          expect((e as RekorEntryError).fields.length).toBeGreaterThan(0);
          return;
        }
        throw new Error('accepted junk');
      }),
      { numRuns: 300 },
    );
  });
});

describe('hostile TransparencyLogEntry JSON', () => {
  it('parse throws only InputError; check never throws and never passes', async () => {
    const log = new MemoryLog();
    const v = parseVerifierKey(log.verifierKey);
    const entry = fc.record(
      {
        logIndex: junk,
        logId: fc.record({ keyId: junk }),
        kindVersion: fc.record({ kind: junk, version: junk }),
        inclusionProof: fc.record({
          logIndex: junk,
          rootHash: junk,
          treeSize: junk,
          hashes: fc.array(junk, { maxLength: 3 }),
          checkpoint: fc.record({ envelope: junk }),
        }),
        canonicalizedBody: junk,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(entry, fc.anything()), (e) => {
        try {
          parseTransparencyLogEntry(e);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
        }
        expect(checkTransparencyLogEntry(e, { verifiers: [v] }).ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
