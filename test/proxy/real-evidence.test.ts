// The upstream's own evidence, checked on data registry.npmjs.org really served (this machine
// reaches only a mirror that serves neither signatures nor attestations; the data and its
// origin are in test/fixtures/npm-upstream-evidence/ORIGIN.md):
//   - SLSA provenance: the real @playwright/cli@0.1.1 tarball and the registry's attestations
//     document, served by a local upstream; through Sigil the observed record says "valid" with
//     the repository and workflow; each tampered piece is refused (502, nothing logged);
//   - registry signatures: real `dist.signatures` (current key and the expired one) against the
//     registry's real keys; each tampered piece says "invalid", no keys "unverifiable";
//   - the proxy policy with the real npm client: require provenance, require a registry
//     signature, deny a version that is already logged — npm prints each refusal.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observedPredicateOf } from '../../src/registry/observed/observe.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { UpstreamClient } from '../../src/registry/upstream/http.js';
import { NpmUpstream } from '../../src/registry/upstream/npm.js';
import { isolatedNpm, npmAvailable, runNpm } from '../npm/npm-cli.js';
import {
  cachedLockPackages,
  startStaticNpmUpstream,
  type StaticNpmUpstream,
} from './static-npm-upstream.js';

const FIX = 'test/fixtures/npm-upstream-evidence';
const PW = '@playwright/cli';
const PW_PURL = 'pkg:npm/%40playwright/cli@0.1.1';
const pwBytes = readFileSync(join(FIX, 'playwright-cli-0.1.1.tgz'));
const attestationsText = readFileSync(join(FIX, 'playwright-cli-0.1.1-attestations.json'), 'utf8');
const npmjsKeys = JSON.parse(
  readFileSync('test/fixtures/npm-registry/npmjs-keys.json', 'utf8'),
) as unknown;
const mustRun = process.env['CI'] === 'true';

type Attestations = {
  attestations: {
    predicateType: string;
    bundle: { dsseEnvelope: { payload: string; signatures: { sig: string }[] } };
  }[];
};
const slsaOf = (doc: Attestations) =>
  doc.attestations.find((a) => a.predicateType === 'https://slsa.dev/provenance/v1')!.bundle;
/** Tampered copies of the registry's attestations document, one piece changed in each. */
const TAMPERED: Record<string, (doc: Attestations) => void> = {
  'the statement names other bytes': (doc) => {
    const env = slsaOf(doc).dsseEnvelope;
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as {
      subject: { digest: { sha512: string } }[];
    };
    st.subject[0]!.digest.sha512 = 'ff'.repeat(64);
    env.payload = Buffer.from(JSON.stringify(st)).toString('base64');
  },
  'the signature is not the signer’s': (doc) => {
    const sig = Buffer.from(slsaOf(doc).dsseEnvelope.signatures[0]!.sig, 'base64');
    sig[sig.length - 5]! ^= 0x01;
    slsaOf(doc).dsseEnvelope.signatures[0]!.sig = sig.toString('base64');
  },
  'the Rekor entry is another one': (doc) => {
    const b = slsaOf(doc) as unknown as {
      verificationMaterial: { tlogEntries: { integratedTime: string }[] };
    };
    const e = b.verificationMaterial.tlogEntries[0]!;
    e.integratedTime = String(Number(e.integratedTime) + 1);
  },
};
const tampered = (how: string) => {
  const doc = JSON.parse(attestationsText) as Attestations;
  TAMPERED[how]!(doc);
  return JSON.stringify(doc);
};

let dir: string;
let realUpstream: StaticNpmUpstream; // the real @playwright/cli tarball, attestations, npm's keys
let attestationsServed = attestationsText;
const open: Registry[] = [];

async function sigil(
  name: string,
  doc: Record<string, unknown>,
): Promise<{ reg: Registry; url: string }> {
  const reg = await openRegistry({
    dataDir: join(dir, name),
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    batchIntervalMs: 1,
    proxy: parseProxyConfig({ limits: { indexTtlMs: 0 }, ...doc }, 'test'),
  });
  open.push(reg);
  return { reg, url: await reg.listen() };
}

async function npmInstall(name: string, url: string, deps: Record<string, string>) {
  const project = join(dir, `project-${name}`);
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: `app-${name}`, version: '1.0.0', private: true, dependencies: deps }),
  );
  const r = await runNpm(
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--fetch-retries=0'],
    project,
    isolatedNpm(join(dir, `npm-${name}`), url).env,
  );
  return { ...r, project };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-real-evidence-'));
  realUpstream = await startStaticNpmUpstream([
    { name: PW, version: '0.1.1', bytes: pwBytes, time: '2026-02-15T00:00:00.000Z' },
  ]);
  realUpstream.decorate = (m) => {
    // The registry's own dist.attestations link, pointing at this upstream; dependencies are
    // left out so that `npm install` fetches this one real tarball (playwright itself is 100 MB).
    (m['dist'] as Record<string, unknown>)['attestations'] = {
      url: `${realUpstream.url}/-/npm/v1/attestations/@playwright%2fcli@0.1.1`,
      provenance: { predicateType: 'https://slsa.dev/provenance/v1' },
    };
    delete m['dependencies'];
  };
  realUpstream.fault = (req, res) => {
    const path = decodeURIComponent(req.url ?? '');
    if (path === '/-/npm/v1/keys')
      return (void res.writeHead(200).end(JSON.stringify(npmjsKeys)), true);
    if (path === `/-/npm/v1/attestations/${PW}@0.1.1`)
      return (void res.writeHead(200).end(attestationsServed), true);
    return false;
  };
}, 60_000);

afterAll(async () => {
  for (const r of open) await r.close();
  await realUpstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('real SLSA provenance through the proxy', () => {
  it('@playwright/cli@0.1.1: the observed record says provenance valid, with its repository and workflow (npm`s own signature: missing here, said so)', async () => {
    attestationsServed = attestationsText;
    const { reg, url } = await sigil('prov-ok', { upstreams: { npm: realUpstream.url } });
    const res = await fetch(`${url}/api/v1/releases/${encodeURIComponent(PW_PURL)}`);
    expect(res.status, await res.clone().text()).toBe(200);
    const pred = observedPredicateOf(reg.store.get(PW_PURL)!)!;
    expect(pred.evidence.provenance).toMatchObject({
      verdict: 'valid',
      repository: 'https://github.com/microsoft/playwright-cli',
    });
    expect(pred.evidence.provenance.workflow).toMatch(/^\.github\/workflows\/.+\.ya?ml$/);
    expect(pred.evidence.registrySignature.verdict).toBe('missing'); // the fixture has no dist.signatures of this version
    expect(pred.native['sri-sha512']).toBe(
      `sha512-${createHash('sha512').update(pwBytes).digest('base64')}`,
    );
  });

  for (const how of Object.keys(TAMPERED))
    it(`tampered: ${how} → refused (provenance offered but invalid), the reason named, nothing logged`, async () => {
      attestationsServed = tampered(how);
      const name = `prov-${Object.keys(TAMPERED).indexOf(how)}`;
      const { reg, url } = await sigil(name, { upstreams: { npm: realUpstream.url } });
      const res = await fetch(`${url}/api/v1/releases/${encodeURIComponent(PW_PURL)}`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(res.status, JSON.stringify(body)).toBe(502);
      expect(body.error.code).toBe('UPSTREAM_EVIDENCE_INVALID');
      expect(body.error.message).toMatch(
        /offers a provenance for pkg:npm\/%40playwright\/cli@0\.1\.1 that does not verify \(.{10,}\); refused, nothing logged/,
      );
      expect(reg.store.get(PW_PURL)).toBeUndefined();
      // The same upstream with its real attestations again: the next request logs it (nothing stuck).
      attestationsServed = attestationsText;
      expect((await fetch(`${url}/api/v1/releases/${encodeURIComponent(PW_PURL)}`)).status).toBe(
        200,
      );
      expect(observedPredicateOf(reg.store.get(PW_PURL)!)!.evidence.provenance.verdict).toBe(
        'valid',
      );
    });
});

describe('real npm registry signatures, checked by the npm upstream', () => {
  const x402 = JSON.parse(readFileSync(join(FIX, 'x402-stellar-2.12.0.manifest.json'), 'utf8')) as {
    name: string;
    version: string;
    dist: { integrity: string; signatures: { keyid: string; sig: string }[] };
  };
  const tool5 = JSON.parse(
    readFileSync('test/fixtures/npm-registry/tool5-5.0.1.manifest.json', 'utf8'),
  ) as typeof x402;
  const evidenceOf = async (
    manifest: typeof x402,
    publishedAt: string | null,
    keys: unknown = npmjsKeys, // null: none configured
  ) => {
    const up = new NpmUpstream({
      url: realUpstream.url.replace(/:\d+$/, ':9'), // never asked: the keys come from the config
      client: new UpstreamClient({ timeoutMs: 1000, concurrency: 1 }),
      limits: { maxArtifactBytes: 1 << 20, maxIndexBytes: 1 << 20 },
      ...(keys !== null ? { keys } : {}),
    });
    const purl = `pkg:npm/${manifest.name.replace('@', '%40')}@${manifest.version}`;
    return up.evidence(
      { purl, url: '', filename: 'x.tgz', indexDigest: null, publishedAt, meta: manifest },
      manifest.dist.integrity,
    );
  };
  const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

  it('valid: @x402/stellar@2.12.0 (current key) and tool5@5.0.1 (signed before its key expired)', async () => {
    const a = await evidenceOf(x402, '2026-05-13T15:47:24.712Z');
    expect(a.registrySignature).toMatchObject({
      verdict: 'valid',
      keyid: 'SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U',
    });
    const b = await evidenceOf(tool5, '2024-10-09T23:57:17.000Z');
    expect(b.registrySignature.verdict).toBe('valid');
  });

  it('tampered: another integrity, another version, a flipped signature byte, the other key → invalid', async () => {
    const integrity = clone(x402);
    integrity.dist.integrity = tool5.dist.integrity;
    const version = clone(x402);
    version.version = '2.12.1';
    const sig = clone(x402);
    const raw = Buffer.from(sig.dist.signatures[0]!.sig, 'base64');
    raw[raw.length - 3]! ^= 0x01;
    sig.dist.signatures[0]!.sig = raw.toString('base64');
    const key = clone(x402);
    key.dist.signatures[0]!.keyid = tool5.dist.signatures[0]!.keyid;
    for (const m of [integrity, version, sig, key]) {
      const e = await evidenceOf(m, '2026-05-13T15:47:24.712Z');
      expect(e.registrySignature.verdict, JSON.stringify(e.registrySignature)).toBe('invalid');
      expect(e.registrySignature.reason).not.toBe('');
    }
    // Signed with the old key after it expired: invalid too.
    expect((await evidenceOf(tool5, '2025-06-01T00:00:00.000Z')).registrySignature.verdict).toBe(
      'invalid',
    );
  });

  it('no keys anywhere → unverifiable; no dist.signatures → missing (never valid)', async () => {
    expect((await evidenceOf(x402, null, null)).registrySignature.verdict).toBe('unverifiable');
    const bare = clone(x402) as { dist: Record<string, unknown> };
    delete bare.dist['signatures'];
    expect((await evidenceOf(bare as typeof x402, null)).registrySignature.verdict).toBe('missing');
  });
});

describe.skipIf(!npmAvailable && !mustRun)('proxy policy with the real npm client', () => {
  const small = () => {
    const pkgs = cachedLockPackages();
    const pick = (n: string) => pkgs.find((p) => p.name === n)!;
    return { ms: pick('ms'), inherits: pick('inherits'), wrappy: pick('wrappy') };
  };

  it('require provenance: the real provenance installs; a tampered one is refused with a message npm prints, nothing logged', async () => {
    attestationsServed = attestationsText;
    const policy = { requireProvenance: ['pkg:npm/%40playwright/*'] };
    const ok = await sigil('npm-prov-ok', { upstreams: { npm: realUpstream.url }, policy });
    const good = await npmInstall('prov-ok', ok.url, { [PW]: '0.1.1' });
    expect(good.code, good.stderr).toBe(0);
    expect(
      JSON.parse(readFileSync(join(good.project, 'node_modules', PW, 'package.json'), 'utf8'))
        .version,
    ).toBe('0.1.1');

    attestationsServed = tampered('the statement names other bytes');
    const bad = await sigil('npm-prov-bad', { upstreams: { npm: realUpstream.url }, policy });
    const refused = await npmInstall('prov-bad', bad.url, { [PW]: '0.1.1' });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(
      /403 Forbidden - GET .*cli-0\.1\.1\.tgz - pkg:npm\/%40playwright\/cli@0\.1\.1 has no valid provenance \(invalid: .+\); this proxy requires it \(requireProvenance: pkg:npm\/%40playwright\/\*\)/,
    );
    expect(bad.reg.log.size).toBe(0);
    attestationsServed = attestationsText;
  }, 120_000);

  it('require a registry signature: signed installs; unsigned (missing) and signed by a key not the upstream’s (invalid) are refused, npm prints why', async () => {
    const { ms, wrappy, inherits } = small();
    const signed = await startStaticNpmUpstream([ms], { sign: true });
    const unsigned = await startStaticNpmUpstream([wrappy]);
    const otherKey = await startStaticNpmUpstream([inherits], { sign: true, serveKeys: false });
    try {
      const policy = { requireRegistrySignature: ['pkg:npm/*'] };
      const a = await sigil('sig-ok', { upstreams: { npm: signed.url }, policy });
      const ok = await npmInstall('sig-ok', a.url, { ms: ms.version });
      expect(ok.code, ok.stderr).toBe(0);
      expect(
        observedPredicateOf(a.reg.store.get(`pkg:npm/ms@${ms.version}`)!)!.evidence
          .registrySignature.verdict,
      ).toBe('valid');

      const b = await sigil('sig-missing', { upstreams: { npm: unsigned.url }, policy });
      const missing = await npmInstall('sig-missing', b.url, { wrappy: wrappy.version });
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(
        /403 Forbidden - GET .*wrappy-1\.0\.2\.tgz - pkg:npm\/wrappy@1\.0\.2 has no valid upstream registry signature \(missing: .+\); this proxy requires one \(requireRegistrySignature: pkg:npm\/\*\)/,
      );
      expect(b.reg.log.size).toBe(0);

      // The config says the upstream's keys are npm's real ones; these signatures are by another key.
      const c = await sigil('sig-invalid', {
        upstreams: { npm: { url: otherKey.url, keys: npmjsKeys } },
        policy,
      });
      const invalid = await npmInstall('sig-invalid', c.url, { inherits: inherits.version });
      expect(invalid.code).not.toBe(0);
      expect(invalid.stderr).toMatch(
        /403 Forbidden - GET .*inherits-2\.0\.4\.tgz - pkg:npm\/inherits@2\.0\.4 has no valid upstream registry signature \(invalid: /,
      );
      expect(c.reg.log.size).toBe(0);
    } finally {
      await Promise.all([signed.close(), unsigned.close(), otherKey.close()]);
    }
  }, 180_000);

  it('deny a version that is already logged: npm is refused with the deny rule printed; the record stays in the log', async () => {
    const { ms } = small();
    const up = await startStaticNpmUpstream([ms], { sign: true });
    try {
      const first = await sigil('deny-later', { upstreams: { npm: up.url } });
      const ok = await npmInstall('deny-first', first.url, { ms: ms.version });
      expect(ok.code, ok.stderr).toBe(0);
      const purl = `pkg:npm/ms@${ms.version}`;
      const logged = first.reg.store.get(purl)!;
      expect(logged).toBeDefined();
      const size = first.reg.log.size;
      await first.reg.close();
      open.splice(open.indexOf(first.reg), 1);
      // The operator denies it afterwards (same data, new config).
      const again = await sigil('deny-later', {
        upstreams: { npm: up.url },
        policy: { deny: [purl] },
      });
      const project = join(dir, 'project-deny');
      mkdirSync(project, { recursive: true });
      const deps = { ms: ms.version };
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({ name: 'deny-app', version: '1.0.0', private: true, dependencies: deps }),
      );
      writeFileSync(
        join(project, 'package-lock.json'),
        JSON.stringify({
          name: 'deny-app',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': { name: 'deny-app', version: '1.0.0', dependencies: deps },
            'node_modules/ms': {
              version: ms.version,
              resolved: `${again.url}/ms/-/ms-${ms.version}.tgz`,
              integrity: `sha512-${createHash('sha512').update(ms.bytes).digest('base64')}`,
            },
          },
        }),
      );
      const r = await runNpm(
        ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--fetch-retries=0'],
        project,
        isolatedNpm(join(dir, 'npm-deny'), again.url).env,
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        new RegExp(
          `403 Forbidden - GET .*ms-2\\.1\\.3\\.tgz - pkg:npm/ms@2\\.1\\.3 is denied by this proxy's policy \\(deny: pkg:npm/ms@2\\.1\\.3\\)`,
        ),
      );
      // Logged once, still logged: the deny hides it, the log keeps what was seen.
      expect(again.reg.store.get(purl)?.publishIndex).toBe(logged.publishIndex);
      expect(again.reg.log.size).toBe(size);
      const doc = (await (await fetch(`${again.url}/ms`)).json()) as {
        versions: Record<string, unknown>;
      };
      expect(Object.keys(doc.versions)).not.toContain(ms.version);
    } finally {
      await up.close();
    }
  }, 120_000);
});
