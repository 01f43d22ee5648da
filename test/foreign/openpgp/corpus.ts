// The real-signature corpus (test/fixtures/openpgp/corpus) as data, for the tests that run it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CorpusCase {
  package: string;
  artifact: string;
  signature: string;
  key: string | null;
  expected: 'good' | 'bad' | 'nokey';
  sqv: string;
  gpgv: string;
  reason: string;
}

export const CORPUS = join(import.meta.dirname, '../../fixtures/openpgp/corpus');
export const CASES: CorpusCase[] = JSON.parse(readFileSync(join(CORPUS, 'cases.json'), 'utf8'));
/** The corpus was evaluated on this date; cutoffs and "expired since" are judged then. */
export const CORPUS_DATE = new Date('2026-11-24T12:00:00Z');

export function load(c: CorpusCase) {
  const dir = join(CORPUS, c.package);
  return {
    data: new Uint8Array(readFileSync(join(dir, c.artifact))),
    sig: new Uint8Array(readFileSync(join(dir, c.signature))),
    key: c.key ? new Uint8Array(readFileSync(join(dir, c.key))) : new Uint8Array(0),
  };
}
