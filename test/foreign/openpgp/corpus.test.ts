// Every case of the real-signature corpus (test/fixtures/openpgp/corpus, from
// Debian's archive; see its README): Sigil's default verdict must equal
// `expected` (sqv's) with the reason the corpus names, and the legacy policy
// must equal gpgv's.
import { describe, expect, it } from 'vitest';
import { verifyDetached } from '../../../src/foreign/openpgp/index.js';
import { CASES, CORPUS_DATE, load } from './corpus.js';

// The corpus says "no-upstream-key-in-debian" for why there is no key; Sigil says "nokey".
const REASON_ALIASES: Record<string, string> = { 'no-upstream-key-in-debian': 'nokey' };

describe('OpenPGP corpus (real upstream signatures)', () => {
  it('holds cases', () => expect(CASES.length).toBeGreaterThanOrEqual(12));

  for (const c of CASES) {
    it(`${c.package}: default policy says ${c.expected} (${c.reason})`, async () => {
      const { data, sig, key } = load(c);
      const r = await verifyDetached(data, sig, key, { now: CORPUS_DATE, subject: c.artifact });
      expect(r.openpgpVerdict).toBe(c.expected);
      expect(r.reason).toBe(REASON_ALIASES[c.reason] ?? c.reason);
      expect(r.ok).toBe(c.expected === 'good');
      expect(r.policy).toBe('standard');
      expect(r.message).toContain('Sequoia standard policy');
      if (c.expected === 'good') expect(r.signer?.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    });

    it(`${c.package}: legacy policy says what gpgv says (${c.gpgv})`, async () => {
      const { data, sig, key } = load(c);
      const r = await verifyDetached(data, sig, key, { now: CORPUS_DATE, policy: 'legacy' });
      expect(r.openpgpVerdict).toBe(c.gpgv);
      expect(r.message).toContain('gpgv');
    });
  }
});
