// An observed record whose own evidence says the upstream's registry signature or provenance did
// not verify is never a pass for `sigil verify` (proxies refuse such files now; a log written
// before that may still hold them). The countersignature check has passed by the time levels are
// applied, so the statement here stands for one the registry really signed.
import { describe, expect, it } from 'vitest';
import { OBSERVED_PREDICATE_TYPE } from '../../src/core/observed.js';
import type { DependencyResult } from '../../src/verify-project/check-dependency.js';
import { applyLevel } from '../../src/verify-project/levels.js';
import { policy } from './helpers.js';

const purl = 'pkg:npm/left-pad@1.3.0';

function observedRecord(signature: string, provenance: string) {
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: purl, digest: { sha256: 'ab'.repeat(32) } }],
    predicateType: OBSERVED_PREDICATE_TYPE,
    predicate: {
      purl,
      upstream: 'https://registry.npmjs.org',
      observedAt: '2026-11-01T00:00:00.000Z',
      evidence: {
        registrySignature: { verdict: signature, reason: 'as the upstream check found' },
        provenance: { verdict: provenance, reason: 'as the upstream check found' },
      },
    },
  };
  return {
    publishStatement: { payload: Buffer.from(JSON.stringify(statement)).toString('base64') },
  } as never;
}

const unsignedResult: DependencyResult = {
  purl,
  display: 'left-pad@1.3.0',
  status: 'unsigned',
  reason: 'logged, not signed by its author',
  checks: [],
};

describe('observed records with contradicting evidence', () => {
  it('valid, missing or none evidence: logged, not failed', () => {
    for (const [sig, prov] of [
      ['valid', 'valid'],
      ['missing', 'none'],
      ['unverifiable', 'unverified'],
    ]) {
      const r = applyLevel(unsignedResult, observedRecord(sig!, prov!), policy({}), undefined);
      expect(r.status, `${sig}/${prov}`).toBe('unsigned');
      expect(r.level).toBe('logged');
    }
  });

  it('an invalid registry signature or provenance fails the dependency, naming which', () => {
    for (const [sig, prov, named] of [
      ['invalid', 'valid', 'registry signature'],
      ['valid', 'invalid', 'provenance'],
    ]) {
      const r = applyLevel(unsignedResult, observedRecord(sig!, prov!), policy({}), undefined);
      expect(r.status).toBe('failed');
      expect(r.level).toBe('none');
      expect(r.reason).toContain(`upstream's ${named} did not verify`);
      expect(r.checks.map((c) => `${c.status}:${c.code}`)).toContain(
        'fail:OBSERVED_EVIDENCE_INVALID',
      );
    }
  });
});
