// End to end per ecosystem: identify + sha256/sha512 → signRelease → verifyRelease.
import { describe, expect, it } from 'vitest';
import { digestStream } from '../../src/core/digest.js';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { verifyRelease } from '../../src/core/verify.js';
import type { Artifact, EcosystemAdapter, IdentifyOptions } from '../../src/ecosystems/adapter.js';
import { cargoAdapter } from '../../src/ecosystems/cargo/index.js';
import { composerAdapter } from '../../src/ecosystems/composer/index.js';
import { cpanAdapter } from '../../src/ecosystems/cpan/index.js';
import { cranAdapter } from '../../src/ecosystems/cran/index.js';
import { golangAdapter } from '../../src/ecosystems/golang/index.js';
import { hackageAdapter } from '../../src/ecosystems/hackage/index.js';
import { juliaAdapter } from '../../src/ecosystems/julia/index.js';
import { pypiAdapter } from '../../src/ecosystems/pypi/index.js';
import { wordpressAdapter } from '../../src/ecosystems/wordpress/index.js';
import { makeTarGz, makeZip, memArtifact } from './helpers.js';

const cases: [EcosystemAdapter, Artifact, IdentifyOptions][] = [
  [
    pypiAdapter,
    memArtifact(
      'foo-1.0-py3-none-any.whl',
      makeZip([{ name: 'foo-1.0.dist-info/METADATA', data: 'Name: foo\nVersion: 1.0\n' }]),
    ),
    {},
  ],
  [
    golangAdapter,
    memArtifact(
      'v1.0.0.zip',
      makeZip([{ name: 'example.com/a@v1.0.0/go.mod', data: 'module example.com/a\n' }]),
    ),
    {},
  ],
  [
    cargoAdapter,
    memArtifact(
      'a-1.0.0.crate',
      makeTarGz([
        { name: 'a-1.0.0/Cargo.toml', data: '[package]\nname = "a"\nversion = "1.0.0"\n' },
      ]),
    ),
    {},
  ],
  [
    composerAdapter,
    memArtifact('a.zip', makeZip([{ name: 'composer.json', data: '{"name":"a/b"}' }])),
    { version: '1.0.0' },
  ],
  [
    cpanAdapter,
    memArtifact(
      'Foo-1.0.tar.gz',
      makeTarGz([{ name: 'Foo-1.0/META.json', data: '{"name":"Foo","version":"1.0"}' }]),
    ),
    { namespace: 'ABC' },
  ],
  [
    wordpressAdapter,
    memArtifact(
      'a.zip',
      makeZip([{ name: 'a/a.php', data: '<?php /* Plugin Name: A\nVersion: 1.0 */' }]),
    ),
    {},
  ],
  [
    cranAdapter,
    memArtifact(
      'rr_1.0.tar.gz',
      makeTarGz([{ name: 'rr/DESCRIPTION', data: 'Package: rr\nVersion: 1.0\n' }]),
    ),
    {},
  ],
  [
    hackageAdapter,
    memArtifact(
      'h-1.0.tar.gz',
      makeTarGz([{ name: 'h-1.0/h.cabal', data: 'name: h\nversion: 1.0\n' }]),
    ),
    {},
  ],
  [
    juliaAdapter,
    memArtifact(
      'J.tar.gz',
      makeTarGz([
        {
          name: 'Project.toml',
          data: 'name = "J"\nuuid = "7876af07-990d-54b4-ab0e-23690620f79a"\nversion = "1.0.0"\n',
        },
      ]),
    ),
    {},
  ],
];

describe('sign and verify per eco1 ecosystem', () => {
  it.each(cases.map(([a, art, o]) => [a.type, a, art, o] as const))(
    '%s',
    async (_t, adapter, art, opts) => {
      const key = generateKey();
      const id = await adapter.identify(art, opts);
      const { digests } = await digestStream(art.open());
      const bundle = signRelease({ purl: id.purl, digests, key });
      const ok = verifyRelease({
        bundle: JSON.stringify(bundle),
        artifact: { name: art.name, digests, purl: id.purl },
        trustedKeys: [key.publicKey],
      });
      expect(ok.ok, JSON.stringify(ok.checks)).toBe(true);
      const other = verifyRelease({
        bundle: JSON.stringify(bundle),
        artifact: { name: art.name, digests, purl: `${id.purl.split('@')[0]}@9.9.9` },
        trustedKeys: [key.publicKey],
      });
      expect(other.ok).toBe(false);
    },
  );
});
