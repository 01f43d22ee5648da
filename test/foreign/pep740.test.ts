// PEP 740 provenance (PyPI's Integrity API), verified offline with the bundled Sigstore
// public-good root, on real provenance from the reference implementation's test assets
// (test/fixtures/pep740/ORIGIN.md). Every tampered case is derived from a real one here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../../src/foreign/sigstore/index.js';
import { verifyPep740Provenance } from '../../src/foreign/sigstore/pep740.js';
import { runCli } from '../helpers/cli.js';

const DIR = 'test/fixtures/pep740/';
const bytes = (f: string) => readFileSync(DIR + f);
const json = (f: string) => JSON.parse(readFileSync(DIR + f, 'utf8')) as Prov;

interface Prov {
  version: number;
  attestation_bundles: {
    publisher: Record<string, unknown>;
    attestations: {
      version: number;
      envelope: { statement: string; signature: string };
      verification_material: { certificate: string; transparency_entries: unknown[] };
    }[];
  }[];
}

const GH_FILE = 'pypi_attestations-0.0.19.tar.gz';
const GL_FILE = 'gitlab_oidc_project-0.0.3.tar.gz';
const gh = () => json(`${GH_FILE}.provenance`);
const gl = () => json(`${GL_FILE}.provenance`);
const failed = (r: { checks: readonly { status: string; code: string }[] }) =>
  r.checks.filter((c) => c.status === 'fail').map((c) => c.code);

describe('PEP 740 provenance: real ones verify', () => {
  it('GitHub Trusted Publisher: pypi-attestations 0.0.19 sdist', () => {
    const r = verifyPep740Provenance(gh(), GH_FILE, bytes(GH_FILE));
    expect(failed(r)).toEqual([]);
    expect(r.outcome).toBe('valid');
    expect(r.publisher).toEqual({
      kind: 'GitHub',
      repository: 'trailofbits/pypi-attestations',
      workflow: 'release.yml',
    });
    expect(r.checks.map((c) => c.code)).toEqual(
      expect.arrayContaining([
        'SIGSTORE_CERT_CHAIN_VALID',
        'SIGSTORE_TLOG_INCLUDED',
        'SIGSTORE_SIGNATURE_VALID',
        'SIGSTORE_SUBJECT_MATCH',
        'PEP740_STATEMENT_VALID',
        'PEP740_PUBLISHER_MATCH',
      ]),
    );
  });

  it('GitLab Trusted Publisher: gitlab_oidc_project 0.0.3 sdist', () => {
    const r = verifyPep740Provenance(gl(), GL_FILE, bytes(GL_FILE));
    expect(failed(r)).toEqual([]);
    expect(r.outcome).toBe('valid');
    expect(r.checks.find((c) => c.name === 'publisher')?.reason).toMatch(
      /GitLab facutuesca\/gitlab-oidc-project \(\.gitlab-ci\.yml\)/,
    );
  });

  it('a file name spelled with another project-name normalisation still matches', () => {
    const r = verifyPep740Provenance(gh(), 'PyPI-Attestations-0.0.19.tar.gz', bytes(GH_FILE));
    expect(r.outcome).toBe('valid');
  });
});

describe('PEP 740 provenance: tampered, misplaced or from someone else fails', () => {
  it('the file changed by one byte: subject digest mismatch', () => {
    const file = Buffer.from(bytes(GH_FILE));
    file[file.length - 1] = file[file.length - 1]! ^ 1;
    const r = verifyPep740Provenance(gh(), GH_FILE, file);
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toEqual(['SIGSTORE_SUBJECT_MISMATCH', 'PEP740_SUBJECT_MISMATCH']);
  });

  it('the statement edited to name another digest: the signature no longer verifies', () => {
    const p = gh();
    const a = p.attestation_bundles[0]!.attestations[0]!;
    const st = JSON.parse(Buffer.from(a.envelope.statement, 'base64').toString('utf8'));
    st.subject[0].digest.sha256 = '0'.repeat(64);
    a.envelope.statement = Buffer.from(JSON.stringify(st)).toString('base64');
    const r = verifyPep740Provenance(p, GH_FILE, bytes(GH_FILE));
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toContain('SIGSTORE_SIGNATURE_INVALID');
  });

  it('the signature changed: fails, naming the attestation', () => {
    const p = gh();
    const a = p.attestation_bundles[0]!.attestations[0]!;
    const sig = Buffer.from(a.envelope.signature, 'base64');
    sig[sig.length - 3] = sig[sig.length - 3]! ^ 0x40;
    a.envelope.signature = sig.toString('base64');
    const r = verifyPep740Provenance(p, GH_FILE, bytes(GH_FILE));
    expect(r.outcome).toBe('invalid');
    expect(r.checks.find((c) => c.status === 'fail')?.reason).toMatch(
      /^attestation_bundles\[0\]\.attestations\[0\]: /,
    );
  });

  it('a real provenance served for another file: subject name and digest mismatch', () => {
    const r = verifyPep740Provenance(gh(), GL_FILE, bytes(GL_FILE));
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toContain('PEP740_SUBJECT_MISMATCH');
    expect(r.checks.find((c) => c.code === 'PEP740_SUBJECT_MISMATCH')?.reason).toMatch(
      /is for pypi_attestations-0\.0\.19\.tar\.gz, not for gitlab_oidc_project-0\.0\.3\.tar\.gz/,
    );
  });

  it('the right bytes under another file name of the same project: name mismatch', () => {
    const r = verifyPep740Provenance(gh(), 'pypi_attestations-0.0.20.tar.gz', bytes(GH_FILE));
    expect(failed(r)).toEqual(['PEP740_SUBJECT_MISMATCH']);
  });

  it.each([
    [
      'another repository',
      { repository: 'evil/pypi-attestations' },
      /source repository is https:\/\/github\.com\/trailofbits\/pypi-attestations, expected https:\/\/github\.com\/evil\/pypi-attestations/,
    ],
    [
      'another workflow',
      { workflow: 'wrong.yml' },
      /build config .*release\.yml@refs\/tags\/v0\.0\.19 is not workflow wrong\.yml/,
    ],
    [
      'another kind (GitLab)',
      { kind: 'GitLab', workflow_filepath: 'release.yml' },
      /issuer is https:\/\/token\.actions\.githubusercontent\.com, expected https:\/\/gitlab\.com/,
    ],
    [
      'a Google account',
      { kind: 'Google', email: 'release@example.iam.gserviceaccount.com' },
      /expected release@example\.iam\.gserviceaccount\.com/,
    ],
  ])('a publisher naming %s: the certificate is not that publisher', (_what, change, why) => {
    const p = gh();
    Object.assign(p.attestation_bundles[0]!.publisher, change);
    const r = verifyPep740Provenance(p, GH_FILE, bytes(GH_FILE));
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toEqual(['PEP740_PUBLISHER_MISMATCH']);
    expect(r.checks.find((c) => c.status === 'fail')?.reason).toMatch(why);
  });

  it('a second bundle whose attestation belongs to another file spoils the whole provenance', () => {
    const p = gh();
    p.attestation_bundles.push(gl().attestation_bundles[0]!);
    const r = verifyPep740Provenance(p, GH_FILE, bytes(GH_FILE));
    expect(r.outcome).toBe('invalid');
  });

  it('a real attestation signed on Sigstore staging: the public-good root refuses its certificate', () => {
    const att = JSON.parse(
      readFileSync(`${DIR}rfc8785-0.1.2-py3-none-any.whl.publish.attestation`, 'utf8'),
    );
    const p = {
      version: 1,
      attestation_bundles: [
        {
          publisher: {
            kind: 'GitHub',
            repository: 'trailofbits/rfc8785.py',
            workflow: 'release.yml',
          },
          attestations: [att],
        },
      ],
    };
    const file = 'rfc8785-0.1.2-py3-none-any.whl';
    const r = verifyPep740Provenance(p, file, bytes(file));
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toContain('SIGSTORE_CERT_INVALID');
    expect(r.checks.find((c) => c.name === 'publisher')?.status).toBe('skip');
  });

  it('a trusted root without the Fulcio CA that issued the certificate: refused', () => {
    const root = structuredClone(PUBLIC_GOOD_TRUSTED_ROOT) as unknown as {
      certificateAuthorities: unknown[];
    };
    root.certificateAuthorities = [];
    const r = verifyPep740Provenance(gh(), GH_FILE, bytes(GH_FILE), { trustedRoot: root });
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toContain('SIGSTORE_CERT_INVALID');
  });

  it('an unknown publisher kind: signatures checked, outcome unverified (never valid)', () => {
    const p = gh();
    p.attestation_bundles[0]!.publisher = { kind: 'ActiveState', organization: 'x' };
    const r = verifyPep740Provenance(p, GH_FILE, bytes(GH_FILE));
    expect(r.ok).toBe(true);
    expect(r.outcome).toBe('unverified');
    expect(r.checks.find((c) => c.name === 'publisher')?.code).toBe('PEP740_PUBLISHER_UNKNOWN');
  });
});

describe('PEP 740 provenance: hostile shapes are a failed check, never a throw', () => {
  const gfile = bytes(GH_FILE);
  it.each<[string, (p: Prov) => unknown]>([
    ['not an object', () => 'nope'],
    ['version 2', (p) => ({ ...p, version: 2 })],
    ['no bundles', (p) => ({ ...p, attestation_bundles: [] })],
    [
      'too many bundles',
      (p) => ({ ...p, attestation_bundles: Array(17).fill(p.attestation_bundles[0]) }),
    ],
    [
      'no publisher',
      (p) => ({
        ...p,
        attestation_bundles: [{ attestations: p.attestation_bundles[0]!.attestations }],
      }),
    ],
    [
      'GitHub publisher without workflow',
      (p) => ({
        ...p,
        attestation_bundles: [
          { ...p.attestation_bundles[0], publisher: { kind: 'GitHub', repository: 'a/b' } },
        ],
      }),
    ],
    [
      'no attestations',
      (p) => ({ ...p, attestation_bundles: [{ ...p.attestation_bundles[0], attestations: [] }] }),
    ],
    [
      'attestation without certificate',
      (p) => {
        const a = p.attestation_bundles[0]!.attestations[0]!;
        return {
          ...p,
          attestation_bundles: [
            {
              ...p.attestation_bundles[0],
              attestations: [{ ...a, verification_material: { transparency_entries: [] } }],
            },
          ],
        };
      },
    ],
    [
      'two transparency entries',
      (p) => {
        const a = p.attestation_bundles[0]!.attestations[0]!;
        const e = a.verification_material.transparency_entries[0];
        return {
          ...p,
          attestation_bundles: [
            {
              ...p.attestation_bundles[0],
              attestations: [
                {
                  ...a,
                  verification_material: {
                    ...a.verification_material,
                    transparency_entries: [e, e],
                  },
                },
              ],
            },
          ],
        };
      },
    ],
  ])('%s → PEP740_MALFORMED', (_what, make) => {
    const r = verifyPep740Provenance(make(gh()), GH_FILE, gfile);
    expect(r.outcome).toBe('invalid');
    expect(failed(r)).toEqual(['PEP740_MALFORMED']);
    expect(r.checks[0]!.reason).toMatch(/^not a PEP 740 provenance object: /);
  });

  it.each<[string, (p: Prov) => void]>([
    [
      'certificate not DER',
      (p) =>
        (p.attestation_bundles[0]!.attestations[0]!.verification_material.certificate = 'AAAA'),
    ],
    [
      'statement not JSON',
      (p) =>
        (p.attestation_bundles[0]!.attestations[0]!.envelope.statement =
          Buffer.from('{{').toString('base64')),
    ],
    [
      'log entry garbage',
      (p) =>
        (p.attestation_bundles[0]!.attestations[0]!.verification_material.transparency_entries = [
          { logIndex: 'x' },
        ]),
    ],
  ])('%s → a failing check, no exception', (_what, spoil) => {
    const p = gh();
    spoil(p);
    const r = verifyPep740Provenance(p, GH_FILE, gfile);
    expect(r.outcome).toBe('invalid');
    expect(failed(r).length).toBeGreaterThan(0);
  });
});

describe('sigil verify --scheme sigstore <dist> -b <dist>.provenance', () => {
  const file = `${DIR}${GH_FILE}`;
  const prov = `${DIR}${GH_FILE}.provenance`;
  it('verifies offline; the publisher is named and, unpinned, a warning says to pin it', async () => {
    const r = await runCli(['verify', '--scheme', 'sigstore', file, '-b', prov, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const v = JSON.parse(r.stdout) as { ok: boolean; checks: { code: string; reason: string }[] };
    expect(v.checks.find((c) => c.code === 'PEP740_PUBLISHER_MATCH')).toBeDefined();
    expect(v.checks.find((c) => c.code === 'SIGSTORE_IDENTITY_UNCHECKED')?.reason).toMatch(
      /published by GitHub trailofbits\/pypi-attestations \(release\.yml\), as the provenance itself says/,
    );
  });

  it('a pinned identity is checked per attestation: the right one passes, another fails', async () => {
    const ok = await runCli([
      'verify',
      '--scheme',
      'sigstore',
      file,
      '-b',
      prov,
      '--cert-oidc-issuer',
      'https://token.actions.githubusercontent.com',
      '--cert-identity-regexp',
      '^https://github\\.com/trailofbits/pypi-attestations/',
    ]);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    const bad = await runCli([
      'verify',
      '--scheme',
      'sigstore',
      file,
      '-b',
      prov,
      '--cert-identity-regexp',
      '^https://github\\.com/evil/',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/expected \/\^https:\\\/\\\/github\\\.com\\\/evil\\\//);
  });

  it('another file fails; the provenance alone is a usage error naming what to give', async () => {
    const other = await runCli(['verify', '--scheme', 'sigstore', `${DIR}${GL_FILE}`, '-b', prov]);
    expect(other.code).toBe(1);
    expect(other.stdout + other.stderr).toContain('is for pypi_attestations-0.0.19.tar.gz');
    const alone = await runCli(['verify', '--scheme', 'sigstore', prov, '-b', prov]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/is a PEP 740 provenance: give the distribution file it is for/);
  });
});
