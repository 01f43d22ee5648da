import { cpSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cargoAdapter } from '../../src/ecosystems/cargo/index.js';
import { fileArtifact, hasTool, makeTarGz, memArtifact, run, tempDir } from './helpers.js';

const FIX = join(import.meta.dirname, '../fixtures/ecosystems/cargo');

describe('cargo adapter', () => {
  const have = hasTool('cargo', ['--version']);

  it.skipIf(!have)('identifies and digests the .crate `cargo package` writes', async () => {
    const tmp = tempDir();
    cpSync(join(FIX, 'tiny'), tmp, { recursive: true });
    run('cargo', ['package', '--offline', '--allow-dirty', '--no-verify', '-q'], tmp, {
      CARGO_TARGET_DIR: join(tmp, 'target'),
    });
    const dir = join(tmp, 'target/package');
    const crate = readdirSync(dir).find((f) => f.endsWith('.crate'))!;
    const path = join(dir, crate);
    const art = fileArtifact(path);
    expect(cargoAdapter.detect(crate, readFileSync(path).subarray(0, 512))).toBe('yes');
    expect((await cargoAdapter.identify(art)).purl).toBe('pkg:cargo/sigil-tiny@0.3.1');
    expect((await cargoAdapter.digest(art)).value).toBe(
      createHash('sha256').update(readFileSync(path)).digest('hex'),
    );
  });

  it('refuses broken crates', async () => {
    const toml = '[package]\nname = "a"\nversion = "1.0.0"\n';
    const cases = [
      makeTarGz([{ name: 'a-1.0.0/src/lib.rs', data: '' }]),
      makeTarGz([{ name: 'a-1.0.0/Cargo.toml', data: '[package]\nname = "a"\n' }]),
      makeTarGz([{ name: 'a-1.0.0/Cargo.toml', data: 'not = = toml' }]),
      makeTarGz([{ name: 'b-1.0.0/Cargo.toml', data: toml }]),
      makeTarGz([{ name: 'a-1.0.0/Cargo.toml', data: toml }]).subarray(0, 30),
      makeTarGz([{ name: '/etc/Cargo.toml', data: toml }]),
      makeTarGz([
        { name: 'a-1.0.0/Cargo.toml', data: toml },
        { name: 'a-1.0.0/Cargo.toml', data: toml },
      ]),
    ];
    for (const [i, b] of cases.entries()) {
      await expect(
        cargoAdapter.identify(memArtifact('a-1.0.0.crate', b)),
        `case ${i}`,
      ).rejects.toMatchObject({ file: 'a-1.0.0.crate' });
    }
  });

  it('reads Cargo.lock v3 and v1; the project itself (no source) is not a dependency', () => {
    const r = cargoAdapter.lockfiles![0]!;
    expect(r.read('Cargo.lock', readFileSync(join(FIX, 'Cargo.lock')))).toEqual([
      {
        purl: 'pkg:cargo/itoa@1.0.11',
        digests: [
          {
            algorithm: 'sha256',
            value: '49f1f14873335454500d59611f1cf4a4b0f786f9ac11f4312a78e4cf2566695b',
          },
        ],
        resolved: 'registry+https://github.com/rust-lang/crates.io-index',
      },
    ]);
    expect(
      r.read('Cargo.lock', readFileSync(join(FIX, 'Cargo.v1.lock')))[0]!.digests[0]!.value,
    ).toBe('b71991ff56294aa922b450139ee08b3bfc70982c6b2c7562771375cf73542dd4');
    expect(() =>
      r.read(
        'Cargo.lock',
        Buffer.from(
          '[[package]]\nname = "x"\nversion = "1"\nsource = "registry+https://x"\nchecksum = "zz"\n',
        ),
      ),
    ).toThrow(/Cargo\.lock: package\[0\]\.checksum/);
  });
});
