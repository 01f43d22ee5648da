// The one deb822 parser (src/core/deb822.ts): Policy §5.1 cases, hostile input, and a
// cross-check against dpkg itself on this machine's own package database.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { field, parseDeb822 } from '../../src/core/deb822.js';
import { InputError } from '../../src/core/errors.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const syntaxError = (text: string): InputError => {
  try {
    parseDeb822(text, 'Release');
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error(`accepted: ${JSON.stringify(text)}`);
};

describe('parseDeb822', () => {
  it('reads paragraphs, continuation lines (first character dropped), comments and CRLF', () => {
    const ps = parseDeb822(
      '# a comment\nPackage: a\nDescription: short\n  indented more\n .\r\n\n\nPackage: b\n',
    );
    expect(ps).toHaveLength(2);
    expect(field(ps[0]!, 'description')).toBe('short\n indented more\n.');
    expect(field(ps[1]!, 'PACKAGE')).toBe('b');
    expect([...ps[0]!.keys()]).toEqual(['Package', 'Description']);
  });

  it('refuses a repeated field in one paragraph, whatever its case, naming the line', () => {
    const e = syntaxError('SHA256:\n a\nOrigin: x\nsha256:\n b\n');
    expect(e.code).toBe('DEB822_SYNTAX');
    expect(e.field).toBe('line 4');
    expect(e.message).toMatch(/^Release: line 4 repeats the field "sha256"/);
    expect(parseDeb822('A: 1\n\nA: 2\n')).toHaveLength(2); // another paragraph may
  });

  it('refuses lines that are not fields, and field names outside Policy §5.1', () => {
    expect(syntaxError(' continued\n').message).toContain('line 1 continues no field');
    expect(syntaxError('A: 1\nno colon\n').field).toBe('line 2');
    expect(syntaxError('-Field: x\n').code).toBe('DEB822_SYNTAX');
    expect(syntaxError('Fïeld: x\n').code).toBe('DEB822_SYNTAX');
    expect(syntaxError('Two words: x\n').code).toBe('DEB822_SYNTAX');
  });

  it('never throws anything but InputError on random text', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: fc.constantFrom('A', ':', ' ', '\n', '\t', '#', 'é', 'x') }),
        (t) => {
          try {
            parseDeb822(t);
          } catch (e) {
            expect(e).toBeInstanceOf(InputError);
          }
        },
      ),
    );
  });
});

const dpkgQuery = needsProgram(
  'dpkg-query',
  ['--version'],
  'part of dpkg',
  'test/core/deb822.test.ts',
);
const STATUS = '/var/lib/dpkg/status';
describe.skipIf(skipUnlessPresent(dpkgQuery) || !existsSync(STATUS))(
  'agrees with dpkg on the real package database',
  () => {
    it('every installed package: name, version, architecture and installed size', async () => {
      dpkgQuery.require();
      const format =
        '${db:Status-Status}\t${Package}\t${Version}\t${Architecture}\t${Installed-Size}\n';
      const out = await new Promise<string>((resolve, reject) => {
        const p = spawn('dpkg-query', ['-W', '-f', format]);
        let s = '';
        p.stdout.on('data', (d: Buffer) => (s += d.toString()));
        p.on('error', reject);
        p.on('close', () => resolve(s));
      });
      const dpkg = out
        .split('\n')
        .filter((l) => l.startsWith('installed\t'))
        .map((l) => l.slice('installed\t'.length))
        .sort();
      const ours = parseDeb822(readFileSync(STATUS, 'utf8'), STATUS)
        .filter((p) => / installed$/.test(field(p, 'Status') ?? ''))
        .map((p) =>
          ['package', 'version', 'architecture', 'installed-size']
            .map((f) => field(p, f) ?? '')
            .join('\t'),
        )
        .sort();
      expect(ours.length).toBeGreaterThan(10);
      expect(ours).toEqual(dpkg);
    });
  },
);
