// Issue 11 item 12: manifest confusion inside npm tarballs. Crafted tarballs
// are identified by Sigil and extracted the way npm does — by node-tar with
// pacote's options (strip: 1, regular files only), as a property over random
// layouts, and by the real pacote that ships inside npm — and Sigil either
// refuses the layout or names exactly the manifest npm installs. Over HTTP,
// the registry refuses to publish the two-manifest tarball.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { x as tarExtract } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { identifyNpm } from '../../src/ecosystems/npm/identify.js';
import { npmInstallPath } from '../../src/ecosystems/npm/install-layout.js';
import { openRegistry } from '../../src/registry/server.js';
import { bufferArtifact } from '../helpers/artifact.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { buildTgz, type TarItem } from '../helpers/tar-builder.js';

const work = mkdtempSync(join(tmpdir(), 'sigil-manifest-confusion-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const manifest = (name: string) => JSON.stringify({ name, version: '1.0.0' });
let n = 0;

/** npmInstalls extracts like pacote (node-tar, strip: 1, regular files only) and reads the installed package.json's name. */
async function npmInstalls(tgz: Buffer): Promise<string | undefined> {
  const dir = mkdtempSync(join(work, 'x-'));
  const file = join(dir, 'p.tgz');
  writeFileSync(file, tgz);
  const dest = join(dir, 'dest');
  spawnSync('mkdir', [dest]);
  await tarExtract({
    file,
    cwd: dest,
    strip: 1,
    noChmod: true,
    noMtime: true,
    preserveOwner: false,
    filter: (_p, e) =>
      !/Link$/.test((e as { type: string }).type) && /File$/.test((e as { type: string }).type),
  });
  const p = join(dest, 'package.json');
  const name = existsSync(p)
    ? (JSON.parse(readFileSync(p, 'utf8')) as { name: string }).name
    : undefined;
  rmSync(dir, { recursive: true, force: true });
  return name;
}

async function sigilIdentifies(tgz: Buffer): Promise<{ name?: string; code?: string }> {
  try {
    const id = await identifyNpm(bufferArtifact(`t${n++}.tgz`, tgz));
    return { name: id.name };
  } catch (e) {
    return { code: (e as { code?: string }).code ?? String(e) };
  }
}

const ATTACKS: Record<string, TarItem[]> = {
  'two top folders': [
    { name: 'package/package.json', content: manifest('victim') },
    { name: 'evil/package.json', content: manifest('evil') },
  ],
  'package.json twice': [
    { name: 'package/package.json', content: manifest('victim') },
    { name: 'package/index.js', content: '1' },
    { name: 'package/package.json', content: manifest('evil') },
  ],
  'a "." top folder': [
    { name: './package/package.json', content: manifest('victim') },
    { name: './package.json', content: manifest('evil') },
  ],
  'package/./package.json after package/package.json': [
    { name: 'package/package.json', content: manifest('victim') },
    { name: 'package/./package.json', content: manifest('evil') },
  ],
  'a root-level file': [
    { name: 'package/package.json', content: manifest('victim') },
    { name: 'README', content: 'hi' },
  ],
  'a backslash name': [
    { name: 'package/package.json', content: manifest('victim') },
    { name: 'package\\package.json', content: manifest('evil') },
  ],
  'manifest is a symlink': [
    { name: 'package/package.json', type: 'symlink', linkname: 'other.json' },
    { name: 'package/other.json', content: manifest('victim') },
  ],
};

describe('npm manifest confusion', () => {
  it('the strip: 1 rule: the first component goes, whatever it is named', () => {
    expect(npmInstallPath('package/package.json')).toBe('package.json');
    expect(npmInstallPath('evil/package.json')).toBe('package.json');
    expect(npmInstallPath('package//./package.json')).toBe('package.json');
    expect(npmInstallPath('./package/package.json')).toBe('package/package.json');
    expect(npmInstallPath('package.json')).toBeUndefined();
    expect(npmInstallPath('package/../x')).toBeUndefined();
  });

  for (const [what, items] of Object.entries(ATTACKS)) {
    it(`refuses ${what}`, async () => {
      const r = await sigilIdentifies(buildTgz(items));
      expect(r.code, JSON.stringify(r)).toMatch(
        /^NPM_(LAYOUT|MANIFEST)_AMBIGUOUS$|^NPM_MANIFEST_NOT_FILE$/,
      );
    });
  }

  it('shows the attack: npm installs the other manifest for the two-folder tarball', async () => {
    expect(await npmInstalls(buildTgz(ATTACKS['two top folders']!))).toBe('evil');
    expect(await npmInstalls(buildTgz(ATTACKS['package.json twice']!))).toBe('evil');
  });

  it('accepts any single top folder, and names the manifest npm installs', async () => {
    for (const top of ['package', 'node-left-pad-1.0.0']) {
      const tgz = buildTgz([
        { name: `${top}/`, type: 'dir' },
        { name: `${top}/package.json`, content: manifest('left-pad') },
        { name: `${top}/lib/package.json`, content: manifest('nested') },
      ]);
      expect(await sigilIdentifies(tgz)).toEqual({ name: 'left-pad' });
      expect(await npmInstalls(tgz)).toBe('left-pad');
    }
  });

  it('property: for random layouts Sigil refuses, or names what npm installs', async () => {
    const tops = fc.constantFrom('package', 'evil', '.', 'a');
    const rest = fc.constantFrom(
      'package.json',
      './package.json',
      '/package.json',
      'lib/package.json',
      'index.js',
    );
    let accepted = 0;
    const item = fc.record({
      top: tops,
      rest,
      type: fc.constantFrom<'file' | 'symlink'>('file', 'file', 'file', 'symlink'),
      name: fc.constantFrom('victim', 'evil', 'other'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 4 }), async (items) => {
        const tgz = buildTgz(
          items.map((i) =>
            i.type === 'symlink'
              ? { name: `${i.top}/${i.rest}`, type: 'symlink' as const, linkname: 'x.json' }
              : { name: `${i.top}/${i.rest}`, content: manifest(i.name) },
          ),
        );
        const sigil = await sigilIdentifies(tgz);
        if (sigil.name !== undefined) {
          accepted++;
          expect(sigil.name).toBe(await npmInstalls(tgz));
        } else expect(sigil.code).toMatch(/^NPM_|^ARCHIVE_/);
      }),
      { numRuns: 80 },
    );
    expect(accepted).toBeGreaterThan(3);
  });

  const npm = needsProgram(
    'npm',
    ['--version'],
    'npm ships with Node.js',
    'test/npm/manifest-confusion.test.ts',
  );
  it.skipIf(skipUnlessPresent(npm))(
    'the real pacote (inside npm) installs the manifest Sigil refuses to guess, and agrees where Sigil accepts',
    async () => {
      npm.require();
      const root = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' }).stdout.trim();
      const pacote = join(root, 'npm', 'node_modules', 'pacote');
      expect(existsSync(pacote), `pacote at ${pacote}`).toBe(true);
      // One process for every tarball (a node start costs seconds on a busy machine).
      const manifestsOf = (tgzs: Buffer[]): string[] => {
        const files = tgzs.map((t) => {
          const f = join(work, `pacote-${n++}.tgz`);
          writeFileSync(f, t);
          return `file:${f}`;
        });
        const script = `const p = require(${JSON.stringify(pacote)}); (async () => { for (const f of ${JSON.stringify(files)}) console.log((await p.manifest(f, { cache: ${JSON.stringify(join(work, 'cache'))} })).name); })().catch((e) => { console.error(e.message); process.exit(1); })`;
        const r = spawnSync(process.execPath, ['-e', script], {
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(r.status, r.stderr).toBe(0);
        return r.stdout.trim().split('\n');
      };
      const fine = buildTgz([{ name: 'package/package.json', content: manifest('left-pad') }]);
      expect(
        manifestsOf([
          buildTgz(ATTACKS['two top folders']!),
          buildTgz(ATTACKS['package.json twice']!),
          fine,
        ]),
      ).toEqual(['evil', 'evil', 'left-pad']);
      expect((await sigilIdentifies(fine)).name).toBe('left-pad');
    },
    120_000,
  );

  it('the registry refuses to publish the two-manifest tarball (400, named code)', async () => {
    const dataDir = mkdtempSync(join(work, 'reg-'));
    const reg = await openRegistry({
      dataDir,
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      passphrase: 'pw',
    });
    try {
      const r = await reg.app.inject({
        method: 'POST',
        url: '/api/v1/publish',
        payload: {
          filename: 'victim-1.0.0.tgz',
          artifact: buildTgz(ATTACKS['two top folders']!).toString('base64'),
          bundle: null,
        },
      });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.body).toMatch(/top folders/);
      expect(reg.store.get('pkg:npm/victim@1.0.0')).toBeUndefined();
    } finally {
      await reg.close();
    }
  });
});
