// The Sigstore client conformance suite's bundle-verification cases
// (sigstore/sigstore-conformance, test/assets/bundle-verify; see
// test/fixtures/sigstore-conformance/ORIGIN), each run through `sigil verify`
// the way the suite drives a client: a case whose name ends in `_fail` must
// be refused (exit 1 or 2, a message, no stack trace); every other case must
// verify (exit 0).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const ROOT = fileURLToPath(new URL('./fixtures/sigstore-conformance/', import.meta.url));
const DEFAULT_IDENTITY =
  'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
const DEFAULT_ISSUER = 'https://token.actions.githubusercontent.com';

const cases = readdirSync(ROOT)
  .filter((name) => statSync(join(ROOT, name)).isDirectory())
  .sort();

/** argsFor builds the `sigil verify` command line the suite's client wrapper would run for a case. */
function argsFor(dir: string): string[] {
  const at = (f: string): string | undefined =>
    existsSync(join(dir, f)) ? join(dir, f) : undefined;
  const artifact = at('artifact') ?? join(ROOT, 'a.txt');
  const args = ['verify', artifact, '--bundle', join(dir, 'bundle.sigstore.json')];
  const root = at('trusted_root.json');
  if (root !== undefined) args.push('--trusted-root', root);
  const key = at('key.pub');
  if (key !== undefined) {
    args.push('-k', key);
  } else {
    const identity = at('identity');
    const issuer = at('issuer');
    args.push(
      '--cert-identity',
      identity ? readFileSync(identity, 'utf8').trim() : DEFAULT_IDENTITY,
    );
    args.push('--cert-oidc-issuer', issuer ? readFileSync(issuer, 'utf8').trim() : DEFAULT_ISSUER);
  }
  return args;
}

describe('Sigstore conformance: bundle verification', () => {
  it('has every case of the suite (70 at the pinned commit)', () => {
    expect(cases.length).toBe(70);
  });

  for (const name of cases) {
    const dir = join(ROOT, name);
    const mustFail = name.endsWith('_fail');
    it(`${name} ${mustFail ? 'is refused' : 'verifies'}`, async () => {
      const r = await runCli([...argsFor(dir), '--json']);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      if (mustFail) {
        expect([1, 2], `${name}: exit ${r.code}\n${r.stdout}${r.stderr}`).toContain(r.code);
      } else {
        expect(r.code, `${name}: exit ${r.code}\n${r.stdout}${r.stderr}`).toBe(0);
      }
    });
  }
});
