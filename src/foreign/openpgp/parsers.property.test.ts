// Hostile input: the parser entry points throw nothing but Sigil errors on
// arbitrary bytes, and the verifiers never throw at all.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SigilError } from '../../core/errors.js';
import {
  parseArmor,
  parseCleartext,
  parseKeyring,
  parseSignaturePacket,
  readPackets,
  verifyCleartext,
  verifyDetached,
} from './index.js';

const armoredish = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(
      fc.constantFrom('SIGNATURE', 'PUBLIC KEY BLOCK', 'SIGNED MESSAGE', 'ARMORED FILE'),
      fc.string({ maxLength: 200 }),
      fc.boolean(),
    )
    .map(
      ([label, body, end]) =>
        new Uint8Array(
          Buffer.from(
            `-----BEGIN PGP ${label}-----\n\n${body}\n${end ? `-----END PGP ${label}-----\n` : ''}`,
          ),
        ),
    ),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => {
    const c = new Uint8Array(b);
    c[0] = 0xc2;
    return c;
  }),
  fc.uint8Array({ minLength: 1, maxLength: 200 }).map((b) => {
    const c = new Uint8Array(b);
    c[0] = 0x99;
    return c;
  }),
);

function onlySigilErrors(f: () => unknown) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SigilError);
  }
}
async function onlySigilErrorsAsync(f: () => Promise<unknown>) {
  try {
    await f();
  } catch (e) {
    expect(e).toBeInstanceOf(SigilError);
  }
}

describe('OpenPGP parsers on arbitrary bytes', () => {
  it('parseArmor, parseCleartext, readPackets, parseSignaturePacket', () => {
    fc.assert(
      fc.property(armoredish, (b) => {
        onlySigilErrors(() => parseArmor(b));
        onlySigilErrors(() => parseCleartext(b));
        onlySigilErrors(() => readPackets(b));
        parseSignaturePacket(b); // never throws
      }),
      { numRuns: 500 },
    );
  });

  it('parseKeyring', async () => {
    await fc.assert(
      fc.asyncProperty(armoredish, async (b) => {
        await onlySigilErrorsAsync(() => parseKeyring(b));
      }),
      { numRuns: 300 },
    );
  });

  it('verifyDetached and verifyCleartext never throw', async () => {
    await fc.assert(
      fc.asyncProperty(armoredish, armoredish, async (sig, ring) => {
        const r = await verifyDetached(new Uint8Array([1, 2, 3]), sig, ring);
        expect(['bad', 'nokey']).toContain(r.openpgpVerdict);
        const c = await verifyCleartext(sig, ring);
        expect(['bad', 'nokey']).toContain(c.openpgpVerdict);
      }),
      { numRuns: 300 },
    );
  });
});
