// The server config (sigil.config.json/.yaml): the example of docs/proxy.md parses; flags override
// the file; every bad field is named; policy patterns match as documented.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../../src/foreign/sigstore/index.js';
import { matchesPattern, ProxyPolicy } from '../../src/registry/observed/policy.js';
import {
  applyUpstreamFlags,
  parseProxyConfig,
  readProxyConfig,
} from '../../src/registry/upstream/config.js';

const doc = readFileSync(join(import.meta.dirname, '../../docs/proxy.md'), 'utf8');
const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(doc)![1]!) as unknown;

describe('sigil.config', () => {
  it('the documented example parses, as JSON and as YAML; --upstream overrides the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-config-'));
    writeFileSync(join(dir, 'sigil.config.json'), JSON.stringify(example));
    const c = readProxyConfig(join(dir, 'sigil.config.json'));
    expect(c.upstreams.npm?.url).toBe('https://registry.npmjs.org');
    expect(c.upstreams.golang?.url).toBe('https://proxy.golang.org');
    // sum.golang.org's real key (the go command's built-in GOSUMDB): its key id checks out.
    expect(c.upstreams.golang?.sumdb).toMatch(
      /^sum\.golang\.org\+033de0ae\+\S+ https:\/\/sum\.golang\.org$/,
    );
    expect(c.private).toEqual(['pkg:npm/%40acme/*', 'pkg:golang/git.acme.example/*']);
    expect(c.policy.minimumReleaseAgeHours).toBe(48);
    writeFileSync(
      join(dir, 'sigil.config.yaml'),
      'upstreams:\n  npm: http://mirror.example/npm/\nprivate: ["pkg:npm/%40acme/*"]\n',
    );
    const y = readProxyConfig(join(dir, 'sigil.config.yaml'));
    expect(y.upstreams.npm?.url).toBe('http://mirror.example/npm');
    expect(applyUpstreamFlags(c, ['npm=http://127.0.0.1:4873']).upstreams.npm?.url).toBe(
      'http://127.0.0.1:4873',
    );
  });

  it('names the file and every bad field', () => {
    expect(() =>
      parseProxyConfig(
        {
          upstreams: { swift: 'https://swift.example', npm: { url: 'ftp://x' } },
          limits: { timeoutMs: -1 },
          policy: { deny: ['left-pad'] },
          extra: 1,
        },
        'sigil.config.json',
      ),
    ).toThrow(
      /sigil\.config\.json is not a valid Sigil config: unknown field "extra".*upstreams\.swift: no upstream support.*upstreams\.npm\.url must be an http\(s\) URL.*limits\.timeoutMs must be a positive integer.*policy\.deny must be a list of purl patterns/,
    );
    expect(() =>
      parseProxyConfig(
        {
          upstreams: {
            golang: { url: 'https://proxy.golang.org', sumdb: 'sum.golang.org+033de0ae+AAAA' },
            npm: { url: 'https://registry.npmjs.org', sumdb: 'x' },
          },
        },
        'c.json',
      ),
    ).toThrow(
      /upstreams\.golang\.sumdb: .*GOSUMDB syntax.*upstreams\.npm\.sumdb: only Go upstreams/,
    );
    // PyPI takes a Sigstore trusted root for PEP 740 provenance; it is checked at start-up.
    const root = structuredClone(PUBLIC_GOOD_TRUSTED_ROOT);
    expect(
      parseProxyConfig(
        { upstreams: { pypi: { url: 'https://pypi.org/simple', trustedRoot: root } } },
        'c.json',
      ).upstreams.pypi?.trustedRoot,
    ).toEqual(root);
    expect(() =>
      parseProxyConfig(
        {
          upstreams: {
            pypi: { url: 'https://pypi.org/simple', trustedRoot: { tlogs: [] } },
            npm: { url: 'https://registry.npmjs.org', trustedRoot: root },
          },
        },
        'c.json',
      ),
    ).toThrow(
      /upstreams\.pypi\.trustedRoot: not a Sigstore trusted root.*upstreams\.npm\.trustedRoot: only PyPI upstreams/,
    );
    expect(() => applyUpstreamFlags(parseProxyConfig({}, 'x'), ['npm'])).toThrow(
      /--upstream takes <ecosystem>=<url>/,
    );
  });

  it('a Hex upstream needs its RSA public key (every resource is checked with it); only Hex takes one', () => {
    expect(() =>
      parseProxyConfig({ upstreams: { hex: 'https://repo.hex.pm' } }, 'sigil.config.json'),
    ).toThrow(/upstreams\.hex\.publicKey is required: the upstream's RSA public key in PEM/);
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    for (const publicKey of ['not a key', ed.toString()])
      expect(() =>
        parseProxyConfig(
          { upstreams: { hex: { url: 'https://repo.hex.pm', publicKey } } },
          'sigil.config.json',
        ),
      ).toThrow(/upstreams\.hex\.publicKey is not an RSA public key in PEM/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    expect(() =>
      parseProxyConfig(
        { upstreams: { npm: { url: 'https://registry.npmjs.org', publicKey: rsa } } },
        'sigil.config.json',
      ),
    ).toThrow(/upstreams\.npm\.publicKey: only Hex upstreams take publicKey/);
    const c = parseProxyConfig(
      { upstreams: { hex: { url: 'https://repo.hex.pm', publicKey: rsa } } },
      'sigil.config.json',
    );
    expect(c.upstreams.hex).toEqual({
      url: 'https://repo.hex.pm',
      publicKey: rsa,
      repository: 'hexpm',
    });
    // --upstream hex=URL keeps the key from the file.
    expect(applyUpstreamFlags(c, ['hex=http://127.0.0.1:9']).upstreams.hex?.publicKey).toBe(rsa);
  });

  it('policy patterns: package, scope prefix, one version, all', () => {
    expect(matchesPattern('pkg:npm/%40acme/*', 'pkg:npm/%40acme/util@1.0.0')).toBe(true);
    expect(matchesPattern('pkg:npm/%40acme/*', 'pkg:npm/%40acmex/util@1.0.0')).toBe(false);
    expect(matchesPattern('pkg:npm/event-stream@3.3.6', 'pkg:npm/event-stream@3.3.6')).toBe(true);
    expect(matchesPattern('pkg:npm/event-stream@3.3.6', 'pkg:npm/event-stream@3.3.5')).toBe(false);
    expect(matchesPattern('pkg:npm/left-pad', 'pkg:npm/left-pad@1.3.0')).toBe(true);
    expect(matchesPattern('*', 'pkg:golang/x@v1.0.0')).toBe(true);
    // A PyPI file purl is covered by a pattern naming its version (or its package), not another version.
    const file = 'pkg:pypi/evil@1.0?file_name=evil-1.0-py3-none-any.whl';
    expect(matchesPattern('pkg:pypi/evil@1.0', file)).toBe(true);
    expect(matchesPattern('pkg:pypi/evil', file)).toBe(true);
    expect(matchesPattern('pkg:pypi/evil@1.1', file)).toBe(false);
    const p = new ProxyPolicy(
      { minimumReleaseAgeHours: 24 },
      () => new Date('2026-01-02T00:00:00Z'),
    );
    expect(p.tooYoung('2026-01-01T12:00:00Z')).toBeCloseTo(12);
    expect(p.tooYoung('2025-12-31T00:00:00Z')).toBeUndefined();
    expect(p.tooYoung(null)).toBeUndefined();
  });
});

describe('sigil.config: deb and cpan upstreams', () => {
  it('a deb upstream takes suite, components, architectures and keyring, with defaults', () => {
    const c = parseProxyConfig(
      {
        upstreams: {
          deb: {
            url: 'http://deb.debian.org/debian/',
            suite: 'bookworm',
            architectures: ['arm64'],
          },
          cpan: { url: 'https://cpan.metacpan.org', keyring: '/k.asc' },
        },
      },
      'f.json',
    );
    expect(c.upstreams.deb).toEqual({
      url: 'http://deb.debian.org/debian',
      deb: {
        suite: 'bookworm',
        components: ['main'],
        architectures: ['arm64'],
        keyring: '/usr/share/keyrings/debian-archive-keyring.gpg',
      },
    });
    expect(c.upstreams.cpan).toEqual({ url: 'https://cpan.metacpan.org', keyring: '/k.asc' });
    expect(c.limits.maxUncompressedIndexBytes).toBe(256 * 1024 * 1024);
  });

  it('every bad deb/cpan field is named', () => {
    const bad = () =>
      parseProxyConfig(
        {
          upstreams: {
            deb: { url: 'http://x', suite: 'sigil', components: [], architectures: ['../x'] },
            npm: { url: 'http://y', keyring: '/k', suite: 'bookworm' },
            cpan: { url: 'http://z', keyring: 7 },
          },
        },
        'f.json',
      );
    expect(bad).toThrow(/upstreams\.deb\.suite must be a suite name/);
    expect(bad).toThrow(/upstreams\.deb\.components must be a non-empty list/);
    expect(bad).toThrow(/upstreams\.deb\.architectures must be a non-empty list/);
    expect(bad).toThrow(/upstreams\.npm\.keyring: only deb and cpan/);
    expect(bad).toThrow(/upstreams\.npm\.suite: only deb upstreams/);
    expect(bad).toThrow(
      /upstreams\.cpan\.keyring: only deb and cpan upstreams take a keyring file path/,
    );
  });

  it('a keyring file that cannot be read stops the server at start, naming the file', async () => {
    const { openRegistry } = await import('../../src/registry/server.js');
    const dir = mkdtempSync(join(tmpdir(), 'sigil-config-keyring-'));
    await expect(
      openRegistry({
        dataDir: join(dir, 'data'),
        host: '127.0.0.1',
        port: 0,
        proxy: parseProxyConfig(
          { upstreams: { deb: { url: 'http://127.0.0.1:9', keyring: join(dir, 'missing.gpg') } } },
          'f.json',
        ),
      }),
    ).rejects.toThrow(/upstreams\.deb\.keyring: cannot read .*missing\.gpg \(ENOENT\)/);
  });
});
