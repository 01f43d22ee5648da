// Trust levels (author > registry > logged > none) and issue 13 item 1: a run in which nothing was
// verified never looks like success; the human output tells "no record" from "published, not
// signed by its author".
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/verify-project/policy.js';
import { formatHuman } from '../../src/verify-project/report.js';
import { requiredLevel } from '../../src/verify-project/levels.js';
import { makeRegistry, policy, purlOf, run } from './helpers.js';

describe('levels', () => {
  it('nothing verified: exit-1 verdict with a plain summary, unless the policy allows it explicitly', async () => {
    const { source, entries } = makeRegistry(['ms', 'inherits'], {
      unpublished: ['ms', 'inherits'],
    });
    const r = await run(source, entries);
    expect(r.ok).toBe(false);
    expect(r.summary).toEqual({ verified: 0, notVerified: 2 });
    expect(r.project.find((c) => c.code === 'NOTHING_VERIFIED')?.reason).toMatch(
      /none of the 2 dependencies was verified \(2 without a record on the server\).*"levels": \{"\*": "none"\}/,
    );
    expect(formatHuman(r)).toMatch(/verified 0 of 2 .*NOT verified: 2/);
    expect(formatHuman(r)).toMatch(/the server has no record of any of them/);
    const allowed = await run(source, entries, { policy: policy({ levels: { '*': 'none' } }) });
    expect(allowed.ok).toBe(true);
  });

  it('registry-published without an author signature counts as verified at level registry; the output separates it from no record', async () => {
    const { source, entries } = makeRegistry(['a', 'b'], {
      unsignedByAuthor: ['a'],
      unpublished: ['b'],
    });
    const r = await run(source, entries);
    expect(r.ok).toBe(true);
    expect(r.summary).toEqual({ verified: 1, notVerified: 1 });
    expect(r.kinds).toEqual({
      'author-signed': 0,
      'registry-published': 1,
      observed: 0,
      'no-record': 1,
    });
    const text = formatHuman(r);
    expect(text).toMatch(/the server has no record: b@1\.0\.0/);
    expect(text).toMatch(/published, but not signed by its author: a@1\.0\.0/);
  });

  it('a level per pattern fails what does not reach it; the most specific pattern wins', async () => {
    const { source, entries } = makeRegistry(['@acme/core', 'left-pad', 'old'], {
      unsignedByAuthor: ['@acme/core', 'left-pad'],
      unpublished: ['old'],
    });
    const r = await run(source, entries, {
      policy: policy({ levels: { '*': 'registry', '@acme/*': 'author', old: 'none' } }),
    });
    const by = (n: string) => r.dependencies.find((d) => d.purl === purlOf(n, '1.0.0'))!;
    expect(by('@acme/core').status).toBe('failed');
    expect(by('@acme/core').reason).toMatch(
      /published on the registry, not signed by its author; the policy requires level author \(levels "@acme\/\*": "author"\)/,
    );
    expect(by('left-pad').status).toBe('unsigned');
    expect(by('old').status).toBe('unsigned');
  });

  it('a server that observes an ecosystem makes "logged" the default there (fail-closed)', () => {
    const p = parsePolicy('{}', 'p.json');
    expect(requiredLevel(p, 'pkg:npm/x@1.0.0', ['npm'])).toMatchObject({
      level: 'logged',
      explicit: false,
    });
    expect(requiredLevel(p, 'pkg:pypi/x@1.0.0', ['npm'])).toBeUndefined();
    expect(() => parsePolicy('{"levels": {"*": "signed"}}', 'p.json')).toThrow(
      /levels\.\*: expected "author", "registry", "logged" or "none"/,
    );
  });
});
