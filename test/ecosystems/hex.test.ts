import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { hexAdapter } from '../../src/ecosystems/hex/index.js';
import { readMixLock, readRebarLock } from '../../src/ecosystems/hex/lockfile.js';
import { hexChecksums } from '../../src/ecosystems/hex/tarball.js';
import { parseElixirTerm, parseErlangTerms } from '../../src/ecosystems/hex/terms.js';
import {
  bytesArtifact,
  fileArtifact,
  fixture,
  hasTool,
  inputError,
  onlyInputErrors,
  tarOf,
} from './eco2-helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-hex-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('hex: identify and digest', () => {
  it('reads the fixture made by hex_core (rebar3)', async () => {
    const a = fileArtifact(fixture('hex', 'sigil_demo-1.2.3.tar'));
    expect(hexAdapter.detect(a.name, (await a.bytes()).subarray(0, 512))).toBe('yes');
    expect(await hexAdapter.identify(a)).toEqual({
      type: 'hex',
      name: 'sigil_demo',
      version: '1.2.3',
      purl: 'pkg:hex/sigil_demo@1.2.3',
    });
    const d = await hexAdapter.digest(a);
    expect(d.algorithm).toBe('sha256');
  });

  it('matches hex_core inner and outer checksums for a tarball it builds now', async () => {
    if (!hasTool('erl') || !hasTool('unzip')) return;
    execFileSync('sh', ['-c', `cd ${tmp} && unzip -q -o /usr/bin/rebar3 'rebar/ebin/*' || true`]);
    const out = join(tmp, 'pkg.tar');
    const printed = execFileSync('erl', [
      '-noshell',
      '-pa',
      join(tmp, 'rebar/ebin'),
      '-eval',
      `{ok, #{tarball := T, inner_checksum := I, outer_checksum := O}} = r3_hex_tarball:create(#{<<"name">> => <<"made_now">>, <<"version">> => <<"0.9.0-rc.1">>, <<"app">> => <<"made_now">>, <<"description">> => <<"ünïcode"/utf8>>}, [{"src/made_now.erl", <<"-module(made_now).">>}]), ok = file:write_file("${out}", T), io:format("~s ~s~n", [binary:encode_hex(I), binary:encode_hex(O)]), halt().`,
    ])
      .toString()
      .trim();
    const [inner, outer] = printed.split(' ');
    const a = fileArtifact(out);
    expect((await hexAdapter.identify(a)).purl).toBe('pkg:hex/made_now@0.9.0-rc.1');
    const sums = await hexChecksums(a);
    expect(sums.inner.value).toBe(inner!.toLowerCase());
    expect(sums.outer.value).toBe(outer!.toLowerCase());
  });
});

describe('hex: hostile input', () => {
  const good = readFileSync(fixture('hex', 'sigil_demo-1.2.3.tar'));
  it('refuses a truncated tarball', async () => {
    const e = await inputError(hexAdapter.identify(bytesArtifact('t.tar', good.subarray(0, 700))));
    expect(e.code).toMatch(/ARCHIVE_TRUNCATED|ARCHIVE_CORRUPT|HEX_TARBALL_INVALID/);
  });
  it('refuses a tar without metadata.config', async () => {
    const e = await inputError(
      hexAdapter.identify(bytesArtifact('x.tar', tarOf([{ name: 'VERSION', data: '3' }]))),
    );
    expect(e.code).toBe('HEX_TARBALL_INVALID');
    expect(e.message).toContain('metadata.config');
  });
  it('refuses a CHECKSUM that does not match', async () => {
    const files = [
      { name: 'VERSION', data: '3' },
      { name: 'CHECKSUM', data: 'A'.repeat(64) },
      { name: 'metadata.config', data: '{<<"name">>,<<"x">>}.\n{<<"version">>,<<"1.0.0">>}.\n' },
      { name: 'contents.tar.gz', data: '' },
    ];
    const e = await inputError(hexAdapter.identify(bytesArtifact('x.tar', tarOf(files))));
    expect(e.code).toBe('HEX_CHECKSUM_MISMATCH');
  });
  it('refuses invalid metadata terms and path traversal', async () => {
    const { createHash } = await import('node:crypto');
    const meta = '{<<"name">>,<<"x">>.';
    const sum = createHash('sha256')
      .update('3')
      .update(meta)
      .update('')
      .digest('hex')
      .toUpperCase();
    const e = await inputError(
      hexAdapter.identify(
        bytesArtifact(
          'x.tar',
          tarOf([
            { name: 'VERSION', data: '3' },
            { name: 'CHECKSUM', data: sum },
            { name: 'metadata.config', data: meta },
            { name: 'contents.tar.gz', data: '' },
          ]),
        ),
      ),
    );
    expect(e.code).toBe('HEX_METADATA_INVALID');
    const t = await inputError(
      hexAdapter.identify(bytesArtifact('x.tar', tarOf([{ name: '../VERSION', data: '3' }]))),
    );
    expect(t.code).toBe('ARCHIVE_PATH_TRAVERSAL');
  });
  it('identify throws only InputError on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (b) =>
        onlyInputErrors(() => hexAdapter.identify(bytesArtifact('x.tar', b))),
      ),
      { numRuns: 150 },
    );
  });
});

describe('hex: terms', () => {
  it('parses Erlang and Elixir literals', () => {
    expect(
      parseErlangTerms('{<<"a">>, [1, -2.5, \'q a\', <<"x"/utf8>>, #{k => v}]}. % c\n'),
    ).toEqual([
      { tuple: ['a', [1, -2.5, { atom: 'q a' }, 'x', { map: [[{ atom: 'k' }, { atom: 'v' }]] }]] },
    ]);
    expect(parseElixirTerm('%{"a": {:hex, :a, [x: 1, "y": nil]}}')).toEqual({
      map: [
        [
          'a',
          {
            tuple: [
              { atom: 'hex' },
              { atom: 'a' },
              [{ tuple: [{ atom: 'x' }, 1] }, { tuple: ['y', null] }],
            ],
          },
        ],
      ],
    });
  });
  it('bounds nesting', () => {
    expect(() => parseErlangTerms('['.repeat(10000))).toThrow(/nesting/);
  });
});

describe('hex: lockfiles', () => {
  it('reads mix.lock', () => {
    const entries = readMixLock('mix.lock', readFileSync(fixture('hex', 'mix.lock')));
    expect(entries.map((e) => e.purl)).toEqual([
      'pkg:hex/decimal@2.1.1',
      'pkg:hex/jason@1.4.1',
      'pkg:hex/legacy_pkg@0.1.0',
      'pkg:hex/acme/private_thing@0.2.0',
    ]);
    expect(entries[1]!.digests).toEqual([
      {
        algorithm: 'hex-inner-sha256',
        value: 'af1504e35f629ddcdd6addb3513c3853991f694921b1b9368b0bd32beb9f1b63',
      },
      {
        algorithm: 'sha256',
        value: 'fbb01ecdfd565b56261302f7e1fcc27c4fb8f32d56eab74db621fc154604a7a1',
      },
    ]);
    expect(entries[2]!.digests).toHaveLength(1);
  });
  it('reads rebar.lock', () => {
    const entries = readRebarLock('rebar.lock', readFileSync(fixture('hex', 'rebar.lock')));
    expect(entries.map((e) => e.purl)).toEqual(['pkg:hex/certifi@2.9.0', 'pkg:hex/hackney@1.18.1']);
    expect(entries[0]!.digests).toEqual([
      {
        algorithm: 'hex-inner-sha256',
        value: '6f2a475689dd47f19fb74334859d460a2dc4e3252a3324bd2111b8f0429e7e21',
      },
      {
        algorithm: 'sha256',
        value: '266da46bdb06d6c5d35fde799bcb28d36d985d424ad7c08b5bb48f5b5cdd4641',
      },
    ]);
  });
  it('names the file and field on malformed input', async () => {
    const e = await inputError(() =>
      readMixLock('mix.lock', Buffer.from('%{"a": {:hex, :a, "1.0.0", "zz"}}')),
    );
    expect(e.file).toBe('mix.lock');
    expect(e.field).toBe('a[3]');
    const r = await inputError(() =>
      readRebarLock('rebar.lock', Buffer.from('{"1.2.0", [{<<"a">>, {pkg, <<"a">>}, 0}]}.')),
    );
    expect(r.message).toContain('rebar.lock');
  });
  it('lockfile readers throw only InputError on arbitrary text', async () => {
    const pieces = fc.constantFrom(
      '%{',
      '}',
      '{',
      '[',
      ']',
      ':hex',
      ':a',
      '"1.0.0"',
      ',',
      '<<"x">>',
      'pkg',
      '.',
      '"a":',
      ' ',
      '\n',
      '"',
      '#{',
      '=>',
      "'",
      '\\',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(pieces, { maxLength: 40 }), fc.string(), async (parts, s) => {
        const text = Buffer.from(parts.join('') + s);
        await onlyInputErrors(() => readMixLock('mix.lock', text));
        await onlyInputErrors(() => readRebarLock('rebar.lock', text));
      }),
      { numRuns: 300 },
    );
  });
});
