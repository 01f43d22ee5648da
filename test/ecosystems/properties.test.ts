// Property: every eco1 lockfile reader and identify() meets arbitrary bytes with
// an InputError (or a result), never another exception.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
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

const ADAPTERS = [
  pypiAdapter,
  golangAdapter,
  cargoAdapter,
  composerAdapter,
  cpanAdapter,
  wordpressAdapter,
  cranAdapter,
  hackageAdapter,
  juliaAdapter,
];
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom(
          '[[package]]',
          'name = ',
          '"x"',
          'version',
          '==',
          '--hash=sha256:',
          '{',
          '}',
          '[',
          ']',
          ',',
          '\n',
          '  ',
          ':',
          'DISTRIBUTIONS',
          'constraints:',
          'any.',
          'deps',
          'h1:',
          'v1.0.0',
          '"packages"',
          '"Packages"',
          'lock-version = "1.0"',
        ),
        fc.string({ maxLength: 8 }),
      ),
      { maxLength: 40 },
    )
    .map((a) => a.join('')),
);

function onlyInputErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
}

describe('eco1 hostile-input properties', () => {
  it('lockfile readers throw only InputError', () => {
    const readers = ADAPTERS.flatMap((a) => a.lockfiles ?? []);
    fc.assert(
      fc.property(text, fc.uint8Array({ maxLength: 64 }), (t, raw) => {
        for (const r of readers) {
          onlyInputErrors(() => r.read('lock', Buffer.from(t)));
          onlyInputErrors(() => r.read('lock', raw));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('identify() rejects only with InputError on arbitrary archives', async () => {
    const entry = fc.record({
      name: fc.oneof(
        fc.string({ maxLength: 30 }),
        fc.constantFrom(
          'a-1.0/PKG-INFO',
          'a-1.0/Cargo.toml',
          'a/DESCRIPTION',
          'Project.toml',
          'm@v1.0.0/go.mod',
          'a-1/META.json',
          'a/a.php',
          'composer.json',
          'a-1/a.cabal',
          'x.dist-info/METADATA',
        ),
      ),
      data: text,
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(entry, { maxLength: 4 }),
        fc.boolean(),
        fc.nat(400),
        async (entries, zip, cut) => {
          let bytes: Buffer;
          try {
            bytes = zip ? makeZip(entries) : makeTarGz(entries);
          } catch {
            return; // names too long for the test's tar writer
          }
          if (cut > 0 && cut < bytes.length) bytes = bytes.subarray(0, cut);
          for (const a of ADAPTERS) {
            try {
              await a.identify(
                memArtifact(zip ? 'x-1.0-py3-none-any.whl' : 'x-1.0.tar.gz', bytes),
                { namespace: 'ABC', version: '1.0' },
              );
            } catch (e) {
              if (!(e instanceof InputError))
                throw new Error(`${a.type}: ${String(e)}`, { cause: e });
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
