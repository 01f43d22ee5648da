// Interop: twine uploads to `sigil serve` and pip installs from it (Debian `twine`,
// `python3-venv`, `python3-setuptools`, `python3-wheel`), both unchanged.
//
// 1. `twine upload --repository-url <url>/pypi/legacy/` of the wheel AND the sdist of each of
//    two versions built by setuptools (`setup.py sdist bdist_wheel`), with a Sigil token as
//    `__token__`'s password: each file is its own record (docs/pypi.md, "Several files per
//    version"); a file of the same name with other bytes is refused 409 in twine's words.
// 2. `pip install --index-url <url>/pypi/simple/ --require-hashes` into a fresh venv installs
//    both from wheels (the second depends on the first's project, spelled differently), and
//    again from the sdists (--no-binary); the index's sha256 are Sigil's records';
//    `sigil verify requirements.txt --server` passes with every file's hash pinned, and fails
//    naming a pinned hash that is no logged file.
// 3. A wheel altered in transit (a proxy in front of Sigil flips a byte in the file download,
//    the simple index with its #sha256 passed through) makes pip fail with its own
//    hash-mismatch error; nothing is installed.
// 4. A tampered stored file is never served (the blob store checks every read): pip gets 500s.
// pip is isolated from this machine's config (interop-spikes.md §3): PIP_CONFIG_FILE=/dev/null,
// no PIP_* variables, --no-cache-dir.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildSetuptoolsProject, pipEnv, PY, PY_INSTALL, PY_PROBE } from '../helpers/pip-client.js';
import { runProgram } from '../helpers/run-program.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';

const FILE = 'test/interop/pip-cli.test.ts';
const python = needsProgram(PY, PY_PROBE, PY_INSTALL, FILE);
const twine = needsProgram('twine', ['--version'], 'apt-get install twine', FILE);

/** run starts a program without blocking the event loop (the server answers from this process). */
const run = (cmd: string, args: string[], cwd: string, env = pipEnv()) =>
  runProgram(cmd, args, cwd, env);

/** buildProject builds a setuptools project under root; returns the dist folder. */
const buildProject = (
  root: string,
  name: string,
  module: string,
  version: string,
  requires: string[],
  body: string,
) =>
  buildSetuptoolsProject(join(root, `${module}-${version}`), name, module, version, requires, body);

let reg: Registry;
let url: string;
let token: string;
let root: string;
let distA: string;
let distB: string;
const sha = (file: string) =>
  spawnSync('sha256sum', [file], { encoding: 'utf8' }).stdout.split(' ')[0]!;

describe.skipIf(skipUnlessPresent(python) || skipUnlessPresent(twine))(
  'pip and twine against sigil serve',
  () => {
    beforeAll(async () => {
      python.require();
      twine.require();
      root = mkdtempSync(join(tmpdir(), 'sigil-pip-'));
      reg = await openRegistry({
        dataDir: join(root, 'data'),
        host: '127.0.0.1',
        port: 0,
        batchIntervalMs: 2,
      });
      url = await reg.listen();
      token = reg.adminToken!;
      distA = await buildProject(
        root,
        'sigil-demo-a',
        'sigil_demo_a',
        '1.0.0',
        [],
        'def hello():\n    return "hello from a"\n',
      );
      distB = await buildProject(
        root,
        'Sigil_Demo.B',
        'sigil_demo_b',
        '2.0.0',
        ['SIGIL.demo_a>=1.0'],
        'from sigil_demo_a import hello\ndef both():\n    return hello() + " via b"\n',
      );
    }, 120_000);
    afterAll(async () => {
      await reg?.close();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    const twineUpload = async (file: string, password = token, ...more: string[]) =>
      run(
        'twine',
        [
          'upload',
          '--non-interactive',
          '--disable-progress-bar',
          '--repository-url',
          `${url}/pypi/legacy/`,
          '-u',
          '__token__',
          '-p',
          password,
          file,
          ...more,
        ],
        root,
      );
    const wheelA = () =>
      join(
        distA,
        readdirSync(distA).find((f) => f.endsWith('.whl'))!,
      );
    const sdistA = () =>
      join(
        distA,
        readdirSync(distA).find((f) => f.endsWith('.tar.gz'))!,
      );
    const wheelB = () =>
      join(
        distB,
        readdirSync(distB).find((f) => f.endsWith('.whl'))!,
      );
    const sdistB = () =>
      join(
        distB,
        readdirSync(distB).find((f) => f.endsWith('.tar.gz'))!,
      );

    it("twine uploads the wheel and the sdist of each version; a file of the same name with other bytes is refused 409 in twine's words", async () => {
      const bad = await twineUpload(wheelA(), 'sgl_not-a-token');
      expect(bad.code, bad.out).not.toBe(0);
      expect(bad.out).toMatch(/401|403/);

      // Both files of each version, in one twine call per project (twine sends one request per file).
      const a = await twineUpload(wheelA(), token, sdistA());
      expect(a.code, a.out).toBe(0);
      const b = await twineUpload(sdistB(), token, wheelB());
      expect(b.code, b.out).toBe(0);

      // A file of the same name with other bytes: twine shows PyPI's "File already exists" (409).
      const other = await buildProject(
        join(root, 'other'),
        'sigil-demo-a',
        'sigil_demo_a',
        '1.0.0',
        [],
        'def hello():\n    return "evil"\n',
      );
      const again = await twineUpload(
        join(
          other,
          readdirSync(other).find((f) => f.endsWith('.whl'))!,
        ),
      );
      expect(again.code).not.toBe(0);
      expect(again.out).toContain('409');
      expect(again.out).toContain('File already exists');

      // The version's lookup answers both files; the Simple API lists the same hashes.
      const set = (await (
        await fetch(`${url}/api/v1/releases/${encodeURIComponent('pkg:pypi/sigil-demo-b@2.0.0')}`)
      ).json()) as { files: { purl: string; digests: { sha256: string } }[] };
      expect(set.files.map((f) => f.digests.sha256).sort()).toEqual(
        [sha(sdistB()), sha(wheelB())].sort(),
      );
      const simple = (await (
        await fetch(`${url}/pypi/simple/sigil-demo-b/`, {
          headers: { accept: 'application/vnd.pypi.simple.v1+json' },
        })
      ).json()) as { files: { filename: string; hashes: { sha256: string } }[] };
      expect(simple.files.map((f) => f.hashes.sha256).sort()).toEqual(
        set.files.map((f) => f.digests.sha256).sort(),
      );
      expect(simple.files.map((f) => f.filename).sort()).toEqual(
        [basename(sdistB()), basename(wheelB())].sort(),
      );
    }, 120_000);

    it('pip installs from the wheels and from the sdists with --require-hashes; sigil verify passes with every file pinned and names a hash that is no logged file', async () => {
      const venv = join(root, 'venv-ok');
      // A fresh venv without its own pip (bootstrapping pip costs ~15 s); Debian's pip installs into
      // it with --python. System site packages give the sdist build its setuptools.
      expect(
        (await run(PY, ['-m', 'venv', '--without-pip', '--system-site-packages', venv], root)).code,
      ).toBe(0);
      const req = join(root, 'requirements.txt');
      // Every file of each version allowed, as `pip-compile --generate-hashes` writes it.
      writeFileSync(
        req,
        `sigil-demo-a==1.0.0 --hash=sha256:${sha(wheelA())} --hash=sha256:${sha(sdistA())}\nsigil-demo-b==2.0.0 --hash=sha256:${sha(sdistB())} --hash=sha256:${sha(wheelB())}\n`,
      );
      const install = (into: string, extra: string[] = []) =>
        run(
          PY,
          [
            '-m',
            'pip',
            '--python',
            join(into, 'bin', 'python'),
            'install',
            '--no-cache-dir',
            '--no-build-isolation',
            '--index-url',
            `${url}/pypi/simple/`,
            '--require-hashes',
            ...extra,
            '-r',
            req,
          ],
          root,
        );
      const pip = await install(venv);
      expect(pip.code, pip.out).toBe(0);
      expect(pip.out).toMatch(/sigil_demo_a-1\.0\.0-py3-none-any\.whl/);
      expect(pip.out).toMatch(
        /Successfully installed sigil-demo-a-1\.0\.0 sigil-demo-b-2\.0\.0|Successfully installed Sigil[_.-]Demo[_.-]B-2\.0\.0 sigil-demo-a-1\.0\.0/i,
      );
      const py = await run(
        join(venv, 'bin', 'python'),
        ['-c', 'import sigil_demo_b; print(sigil_demo_b.both())'],
        root,
      );
      expect(py.out).toContain('hello from a via b');

      // The other file of each version: the sdists, built by pip, pass the same hash check.
      const venvSdist = join(root, 'venv-sdist');
      expect(
        (await run(PY, ['-m', 'venv', '--without-pip', '--system-site-packages', venvSdist], root))
          .code,
      ).toBe(0);
      const fromSdist = await install(venvSdist, ['--no-binary', ':all:']);
      expect(fromSdist.code, fromSdist.out).toBe(0);
      expect(fromSdist.out).toMatch(/sigil-demo-a-1\.0\.0\.tar\.gz/);
      expect(
        (
          await run(
            join(venvSdist, 'bin', 'python'),
            ['-c', 'import sigil_demo_b; print(sigil_demo_b.both())'],
            root,
          )
        ).out,
      ).toContain('hello from a via b');

      const env = { SIGIL_CONFIG_DIR: join(root, 'sigil-config') };
      const v = await runCli(['verify', req, '--server', url, '--json'], env);
      expect(v.code, v.stdout + v.stderr).toBe(0);
      const report = JSON.parse(v.stdout) as {
        dependencies: { purl: string; checks: { code: string; reason: string }[] }[];
      };
      const a = report.dependencies.find((d) => d.purl === 'pkg:pypi/sigil-demo-a@1.0.0')!;
      expect(a.checks.find((c) => c.code === 'DIGEST_MATCH')!.reason).toContain(basename(sdistA()));

      // A pinned hash that is no logged file of the version fails, naming it.
      const forged = 'ab'.repeat(32);
      const req2 = join(root, 'requirements-forged.txt');
      writeFileSync(
        req2,
        `sigil-demo-a==1.0.0 --hash=sha256:${sha(wheelA())} --hash=sha256:${forged}\n`,
      );
      const bad = await runCli(['verify', req2, '--server', url, '--json'], env);
      expect(bad.code, bad.stdout + bad.stderr).toBe(1);
      expect(bad.stdout).toContain('DIGEST_NOT_LOGGED');
      expect(bad.stdout).toContain(`sha256:${forged}`);
    }, 180_000);

    it("a wheel altered in transit makes pip fail with its own hash-mismatch error (the index's #sha256) and install nothing", async () => {
      const proxy = await startTamperProxy(url, (path) => path.startsWith('/pypi/files/'));
      try {
        const venv = join(root, 'venv-mitm');
        expect((await run(PY, ['-m', 'venv', '--without-pip', venv], root)).code).toBe(0);
        const pip = await run(
          PY,
          [
            '-m',
            'pip',
            '--python',
            join(venv, 'bin', 'python'),
            'install',
            '--no-cache-dir',
            '--index-url',
            `${proxy.url}/pypi/simple/`,
            'sigil-demo-a==1.0.0',
          ],
          root,
        );
        expect(pip.code, pip.out).not.toBe(0);
        expect(proxy.tampered).toEqual([`/pypi/files/sigil-demo-a/1.0.0/${basename(wheelA())}`]);
        expect(pip.out).toContain('THESE PACKAGES DO NOT MATCH THE HASHES');
        expect(pip.out).toContain(`Expected sha256 ${sha(wheelA())}`);
        const imported = await run(
          join(venv, 'bin', 'python'),
          ['-c', 'import sigil_demo_a'],
          root,
        );
        expect(imported.out).toContain("No module named 'sigil_demo_a'");
      } finally {
        await proxy.close();
      }
    }, 120_000);

    it('a tampered stored file is never served: pip gets 500s and installs nothing', async () => {
      const row = reg.store.get(`pkg:pypi/sigil-demo-a@1.0.0?file_name=${basename(wheelA())}`)!;
      overwriteStoredBlob(
        reg.store,
        row.sha256,
        Buffer.concat([reg.store.readBlob(row.sha256)!, Buffer.from('tampered')]),
      );
      const venv = join(root, 'venv-bad');
      expect((await run(PY, ['-m', 'venv', '--without-pip', venv], root)).code).toBe(0);
      const pip = await run(
        PY,
        [
          '-m',
          'pip',
          '--python',
          join(venv, 'bin', 'python'),
          'install',
          '--no-cache-dir',
          '--index-url',
          `${url}/pypi/simple/`,
          'sigil-demo-a==1.0.0',
        ],
        root,
      );
      expect(pip.code).not.toBe(0);
      expect(pip.out).toContain('too many 500 error responses');
      const served = await reg.app.inject(`/pypi/files/sigil-demo-a/1.0.0/${basename(wheelA())}`);
      expect(served.statusCode).toBe(500);
      expect(served.body).toContain('does not match its digest is never served');
    }, 120_000);
  },
);
