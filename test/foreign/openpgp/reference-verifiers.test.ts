// Sigil against the reference verifiers themselves, on the corpus, on tampered
// copies and on slightly malformed armor: the default policy must agree with
// `sqv` (Sequoia), the legacy policy with `gpgv` (GnuPG). Under CI=true a
// missing program is a failure; locally the comparison is skipped, saying so.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needsProgram, skipUnlessPresent } from '../../helpers/real-program.js';
import { parseArmor, verifyDetached } from '../../../src/foreign/openpgp/index.js';
import { CASES, load } from './corpus.js';

const FILE = 'test/foreign/openpgp/reference-verifiers.test.ts';
const sqv = needsProgram('sqv', ['--version'], 'apt-get install sqv', FILE);
const gpgv = needsProgram('gpgv', ['--version'], 'apt-get install gpgv', FILE);

const tmp = mkdtempSync(join(tmpdir(), 'sigil-pgp-ref-'));
let n = 0;
function files(data: Uint8Array, sig: Uint8Array, key: Uint8Array) {
  const d = join(tmp, String(n++));
  const binKey =
    key.length && key[0]! & 0x80
      ? key
      : key.length
        ? concat(parseArmor(key).map((b) => b.data))
        : key;
  writeFileSync(`${d}.data`, data);
  writeFileSync(`${d}.sig`, sig);
  writeFileSync(`${d}.key`, key);
  writeFileSync(`${d}.gpg`, binKey);
  return d;
}
function concat(parts: Uint8Array[]) {
  return new Uint8Array(Buffer.concat(parts));
}

/** sqvSays runs sqv: exit 0 means a good signature. */
function sqvSays(d: string): boolean {
  return spawnSync('sqv', ['--keyring', `${d}.key`, `${d}.sig`, `${d}.data`]).status === 0;
}
/** gpgvSays runs gpgv with the dearmored keyring: exit 0 means a good signature. */
function gpgvSays(d: string): boolean {
  return (
    spawnSync('gpgv', ['--homedir', tmp, '--keyring', `${d}.gpg`, `${d}.sig`, `${d}.data`])
      .status === 0
  );
}

async function sigil(data: Uint8Array, sig: Uint8Array, key: Uint8Array) {
  const std = await verifyDetached(data, sig, key);
  const legacy = await verifyDetached(data, sig, key, { policy: 'legacy' });
  return { std: std.openpgpVerdict, legacy: legacy.openpgpVerdict };
}

describe.skipIf(skipUnlessPresent(sqv) || skipUnlessPresent(gpgv))(
  'Sigil agrees with sqv and gpgv',
  () => {
    sqv.require();
    gpgv.require();
    for (const c of CASES) {
      it(`${c.package}: as given`, async () => {
        const { data, sig, key } = load(c);
        const d = files(data, sig, key);
        const s = await sigil(data, sig, key);
        expect(s.std === 'good').toBe(sqvSays(d));
        expect(s.legacy === 'good').toBe(gpgvSays(d));
      });

      it(`${c.package}: one byte of the artifact flipped → everyone says not good`, async () => {
        const { data, sig, key } = load(c);
        const t = new Uint8Array(data);
        t[Math.floor(t.length / 2)]! ^= 0x01;
        const d = files(t, sig, key);
        const s = await sigil(t, sig, key);
        expect(sqvSays(d)).toBe(false);
        expect(gpgvSays(d)).toBe(false);
        expect(s.std).toBe(c.key ? 'bad' : 'nokey');
        expect(s.legacy).toBe(c.key ? 'bad' : 'nokey');
      });
    }

    // Slightly malformed armor, on a case every verifier calls good.
    const good = CASES.find((c) => c.package === 'chrony')!;
    const variants: Record<string, (s: string) => string> = {
      'CRLF line ends': (s) => s.replace(/\n/g, '\r\n'),
      'trailing whitespace': (s) => s.replace(/\n/g, '  \t\n'),
      'missing blank line after BEGIN': (s) => s.replace(/-----\n\n/, '-----\n'),
      'extra armor header': (s) => s.replace(/-----\n/, '-----\nComment: hi there\n'),
      'missing CRC line': (s) => s.replace(/\n=[A-Za-z0-9+/]{4}\n/, '\n'),
      'text before and after': (s) => `leading junk\n${s}trailing junk\n`,
      'no final newline': (s) => s.replace(/\n$/, ''),
      'wrong CRC24': (s) => s.replace(/\n=[A-Za-z0-9+/]{4}\n/, '\n=AAAA\n'),
      'leading spaces on body lines': (s) => s.replace(/\n([A-Za-z0-9+/])/g, '\n  $1'),
    };
    for (const [name, mangle] of Object.entries(variants)) {
      it(`malformed armor (${name}): Sigil standard = sqv, legacy = gpgv`, async () => {
        const { data, sig, key } = load(good);
        const m = new Uint8Array(
          Buffer.from(mangle(Buffer.from(sig).toString('latin1')), 'latin1'),
        );
        const d = files(data, m, key);
        const s = await sigil(data, m, key);
        expect({ name, std: s.std === 'good' }).toEqual({ name, std: sqvSays(d) });
        expect({ name, legacy: s.legacy === 'good' }).toEqual({ name, legacy: gpgvSays(d) });
      });
    }
  },
);
