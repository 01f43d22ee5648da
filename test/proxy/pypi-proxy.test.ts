// Interop: the real pip installs projects that were never published to Sigil, through
// `sigil serve --upstream pypi=<static PEP 503 index>`. The upstream is a folder of real wheels
// and sdists built here by setuptools, with the project pages PyPI would serve (HTML with
// `#sha256=` for one project, PEP 691 JSON for the other), behind a plain HTTP server.
// Every upstream file is its own observed record (`pkg:pypi/<name>@<v>?file_name=<file>`),
// logged on its first download. Then: `sigil verify requirements.txt` pinning wheel AND sdist
// names the sdist hash until the sdist is downloaded too, then reports the observed records
// (level logged); an upstream that republishes a file yields a conflict record for that file
// only while pip still gets (and checks, --require-hashes) the logged bytes; upstream failures (500, timeout, wrong digest) answer
// an error naming the upstream and log nothing; a private name is never asked upstream.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backfillReleaseKeys } from '../../src/registry/release-keys.js';
import type { Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';
import { buildSetuptoolsProject, pipEnv, PY, PY_INSTALL, PY_PROBE } from '../helpers/pip-client.js';
import { runProgram } from '../helpers/run-program.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/proxy/pypi-proxy.test.ts';
const python = needsProgram(PY, PY_PROBE, PY_INSTALL, FILE);

/** run starts a program without blocking the event loop (the server answers from this process). */
const run = (cmd: string, args: string[], cwd: string) => runProgram(cmd, args, cwd, pipEnv());

/** build builds a setuptools project under root; returns its sdist and wheel. */
async function build(
  root: string,
  name: string,
  module: string,
  version: string,
  requires: string[],
  body: string,
): Promise<string[]> {
  const dir = join(root, `${module}-${version}-${Math.random().toString(36).slice(2)}`);
  const dist = await buildSetuptoolsProject(dir, name, module, version, requires, body);
  return readdirSync(dist).map((f) => join(dist, f));
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A static PEP 503 upstream: files by name, project pages written from them; faults on demand. */
class StaticPypi extends StaticUpstream {
  readonly files = new Map<string, Buffer>();
  /** Listed digest per file name, when it should differ from the bytes (a lying index). */
  readonly listedSha = new Map<string, string>();
  readonly projects = new Map<string, { files: string[]; json: boolean }>();
  protected readonly root = '/simple';

  add(project: string, paths: string[], json = false): void {
    const p = this.projects.get(project) ?? { files: [], json };
    for (const f of paths) {
      this.files.set(basename(f), readFileSync(f));
      if (!p.files.includes(basename(f))) p.files.push(basename(f));
    }
    this.projects.set(project, p);
  }

  private page(project: string): { type: string; body: string } | undefined {
    const p = this.projects.get(project);
    if (!p) return undefined;
    const sha = (f: string) => this.listedSha.get(f) ?? sha256(this.files.get(f)!);
    if (p.json)
      return {
        type: 'application/vnd.pypi.simple.v1+json',
        body: JSON.stringify({
          meta: { 'api-version': '1.1' },
          name: project,
          files: p.files.map((f) => ({
            filename: f,
            url: `../../files/${f}`,
            hashes: { sha256: sha(f) },
            'requires-python': '>=3.7',
          })),
        }),
      };
    return {
      type: 'text/html',
      body: `<!DOCTYPE html><html><body>${p.files
        .map(
          (f) =>
            `<a href="../../files/${f}#sha256=${sha(f)}" data-requires-python="&gt;=3.7">${f}</a><br/>`,
        )
        .join('\n')}</body></html>`,
    };
  }

  protected serve(path: string, res: ServerResponse): void {
    let m = /^\/simple\/([^/]+)\/$/.exec(path);
    if (m) {
      const page = this.page(m[1]!);
      if (!page) return void res.writeHead(404).end('no such project');
      return void res.writeHead(200, { 'content-type': page.type }).end(page.body);
    }
    m = /^\/files\/([^/]+)$/.exec(path);
    const bytes = m ? this.files.get(decodeURIComponent(m[1]!)) : undefined;
    sendBytes(res, bytes);
  }
}

describe.skipIf(skipUnlessPresent(python))('pip install through the verifying proxy', () => {
  let root: string;
  let up: StaticPypi;
  let reg: Registry;
  let url: string;
  let alpha: string[]; // pt-alpha 1.0: wheel + sdist (Sigil serves both; each logged when fetched)
  let beta: string[]; // PT_Beta 2.0 (depends on pt.alpha): wheel + sdist, JSON page
  let gamma: string[];
  const wheelOf = (files: string[]) => files.find((f) => f.endsWith('.whl'))!;
  const sdistOf = (files: string[]) => files.find((f) => f.endsWith('.tar.gz'))!;
  const fileSha = (f: string) => sha256(readFileSync(f));
  const filePurl = (version: string, f: string) => `${version}?file_name=${basename(f)}`;

  const pipInstall = async (venvName: string, req: string) => {
    const venv = join(root, venvName);
    expect((await run(PY, ['-m', 'venv', '--without-pip', venv], root)).code).toBe(0);
    return run(
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
        '--require-hashes',
        '-r',
        req,
      ],
      root,
    );
  };

  beforeAll(async () => {
    python.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-pypi-proxy-'));
    alpha = await build(root, 'pt-alpha', 'pt_alpha', '1.0', [], 'def hello():\n    return "a"\n');
    beta = await build(
      root,
      'PT_Beta',
      'pt_beta',
      '2.0',
      ['pt.alpha>=1.0'],
      'from pt_alpha import hello\ndef both():\n    return hello() + "b"\n',
    );
    gamma = await build(root, 'pt-gamma', 'pt_gamma', '0.1', [], 'x = 1\n');
    up = new StaticPypi();
    up.add('pt-alpha', alpha);
    up.add('pt-beta', beta, true);
    up.add('pt-gamma', gamma);
    up.add('pt-private', gamma);
    await up.start();
    ({ reg, url } = await openProxied(root, 'pypi', up.url, ['pkg:pypi/pt-private']));
  }, 180_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('pip --require-hashes installs a tree never published to Sigil; each file is logged once as observed; sigil verify reports them logged', async () => {
    const req = join(root, 'requirements.txt');
    writeFileSync(
      req,
      // pip accepts any listed hash: wheel and sdist of each version.
      `pt-alpha==1.0 --hash=sha256:${fileSha(wheelOf(alpha))} --hash=sha256:${fileSha(sdistOf(alpha))}\n` +
        `pt-beta==2.0 --hash=sha256:${fileSha(sdistOf(beta))} --hash=sha256:${fileSha(wheelOf(beta))}\n`,
    );
    const pip = await pipInstall('venv-1', req);
    expect(pip.code, pip.out).toBe(0);
    expect(pip.out).toMatch(/Successfully installed .*pt[-_]alpha-1\.0/i);
    const py = await run(
      join(root, 'venv-1', 'bin', 'python'),
      ['-c', 'import pt_beta; print(pt_beta.both())'],
      root,
    );
    expect(py.out.trim()).toBe('ab');

    for (const [purl, file] of [
      [filePurl('pkg:pypi/pt-alpha@1.0', wheelOf(alpha)), wheelOf(alpha)],
      [filePurl('pkg:pypi/pt-beta@2.0', wheelOf(beta)), wheelOf(beta)],
    ] as const) {
      const row = reg.store.get(purl);
      expect(row, purl).toBeDefined();
      expect(row!.sha256).toBe(fileSha(file));
      expect(row!.filename).toBe(basename(file));
      expect(row!.authorBundle).toBeNull();
      const st = statementOf(row!);
      expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
      expect(st.predicate.upstream).toBe(up.url);
      expect(st.predicate.evidence.indexDigest).toEqual({
        algorithm: 'sha256',
        value: fileSha(file),
      });
      expect(st.predicate.evidence.registrySignature.verdict).toBe('not-applicable');
    }
    // pip fetched the wheels only: the sdists are listed (with the upstream's sha256) but not
    // logged — no version record stands for its files.
    expect(up.requests.filter((p) => p.endsWith('.tar.gz'))).toEqual([]);
    expect(reg.store.get('pkg:pypi/pt-alpha@1.0')).toBeUndefined();
    const listed = (await (
      await fetch(`${url}/pypi/simple/pt-alpha/`, {
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json()) as { files: { filename: string; url: string; hashes: { sha256: string } }[] };
    expect(listed.files.map((f) => [f.filename, f.hashes.sha256]).sort()).toEqual(
      alpha.map((f) => [basename(f), fileSha(f)]).sort(),
    );

    const cfg = { SIGIL_CONFIG_DIR: join(root, 'cfg') };
    // A pinned hash of a file nobody fetched yet is not logged: named, verify fails.
    const early = await runCli(['verify', req, '--server', url], cfg);
    expect(early.code, early.stdout + early.stderr).toBe(1);
    expect(early.stdout + early.stderr).toContain(fileSha(sdistOf(alpha)));
    expect(early.stdout + early.stderr).not.toContain(fileSha(wheelOf(alpha)));

    // The sdists' first downloads (through the URLs the proxy lists) log them, each as its file.
    for (const [project, files] of [
      ['pt-alpha', alpha],
      ['pt-beta', beta],
    ] as const) {
      const page = (await (
        await fetch(`${url}/pypi/simple/${project}/`, {
          headers: { accept: 'application/vnd.pypi.simple.v1+json' },
        })
      ).json()) as { files: { filename: string; url: string }[] };
      const sdist = page.files.find((f) => f.filename === basename(sdistOf(files)))!;
      const got = await fetch(new URL(sdist.url, `${url}/pypi/simple/${project}/`));
      expect(got.status).toBe(200);
      expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(fileSha(sdistOf(files)));
    }
    expect(reg.store.get(filePurl('pkg:pypi/pt-alpha@1.0', sdistOf(alpha)))?.sha256).toBe(
      fileSha(sdistOf(alpha)),
    );
    // A version lookup answers the file set of the observed files.
    const set = (await (
      await fetch(`${url}/api/v1/releases/${encodeURIComponent('pkg:pypi/pt-alpha@1.0')}`)
    ).json()) as { purl: string; files: { purl: string }[] };
    expect(set.files.map((f) => f.purl).sort()).toEqual(
      alpha.map((f) => filePurl('pkg:pypi/pt-alpha@1.0', f)).sort(),
    );

    const v = await runCli(['verify', req, '--server', url, '--json'], cfg);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as {
      kinds: Record<string, number>;
      dependencies: { level: string; reason: string }[];
    };
    expect(report.kinds['observed']).toBeGreaterThanOrEqual(2);
    for (const d of report.dependencies) {
      expect(d.level).toBe('logged');
      expect(d.reason).toContain(`from ${up.url}`);
    }
    // A hash that is no logged file of the version fails, named (beside a logged one).
    const forged = sha256(Buffer.from('not a file of pt-alpha'));
    const bad = join(root, 'requirements-bad.txt');
    writeFileSync(
      bad,
      `pt-alpha==1.0 --hash=sha256:${fileSha(wheelOf(alpha))} --hash=sha256:${forged}\n`,
    );
    const vb = await runCli(['verify', bad, '--server', url], cfg);
    expect(vb.code).toBe(1);
    expect(vb.stdout + vb.stderr).toContain(forged);
  }, 240_000);

  it('an upstream that republishes a file: a conflict record is logged, pip still gets the logged bytes', async () => {
    const original = fileSha(wheelOf(alpha));
    const evil = await build(
      join(root, 'evil'),
      'pt-alpha',
      'pt_alpha',
      '1.0',
      [],
      'def hello():\n    return "evil"\n',
    );
    up.add('pt-alpha', [wheelOf(evil)]); // same file name, other bytes
    const page = (await (
      await fetch(`${url}/pypi/simple/pt-alpha/`, {
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json()) as { files: { filename: string; hashes: { sha256: string } }[] };
    // The logged digest wins for each logged file; the sdist is untouched.
    expect(page.files.map((f) => [f.filename, f.hashes.sha256]).sort()).toEqual(
      [
        [basename(wheelOf(alpha)), original],
        [basename(sdistOf(alpha)), fileSha(sdistOf(alpha))],
      ].sort(),
    );
    // A conflict of that file only.
    expect(await conflictsAt(url)).toEqual([
      [filePurl('pkg:pypi/pt-alpha@1.0', wheelOf(alpha)), up.url],
    ]);
    // Asked again: logged once per offer.
    await fetch(`${url}/pypi/simple/pt-alpha/`);
    expect(
      ((await (await fetch(`${url}/api/v1/conflicts`)).json()) as { conflicts: unknown[] })
        .conflicts,
    ).toHaveLength(1);

    const req = join(root, 'requirements-2.txt');
    writeFileSync(req, `pt-alpha==1.0 --hash=sha256:${original}\n`);
    const pip = await pipInstall('venv-2', req);
    expect(pip.code, pip.out).toBe(0);
    const py = await run(
      join(root, 'venv-2', 'bin', 'python'),
      ['-c', 'import pt_alpha; print(pt_alpha.hello())'],
      root,
    );
    expect(py.out.trim()).toBe('a');
    // With the republished hash pip refuses: Sigil serves the logged bytes.
    writeFileSync(req, `pt-alpha==1.0 --hash=sha256:${fileSha(wheelOf(evil))}\n`);
    const refused = await pipInstall('venv-3', req);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain('THESE PACKAGES DO NOT MATCH THE HASHES');
  }, 240_000);

  it('upstream failures (500, timeout, wrong digest) answer an error naming the upstream and log nothing', async () => {
    const gw = basename(wheelOf(gamma));
    const fileUrl = `${url}/pypi/files/pt-gamma/0.1/${gw}`;
    const gammaWheel = filePurl('pkg:pypi/pt-gamma@0.1', wheelOf(gamma));
    const nothingLogged = () => expect(reg.store.get(gammaWheel)).toBeUndefined();

    up.fault = { path: '/simple/pt-gamma/', kind: '500' };
    let r = await fetch(`${url}/pypi/simple/pt-gamma/`);
    expect(r.status).toBe(502);
    expect(await r.text()).toContain(`PyPI upstream ${up.url} answered 500`);
    r = await fetch(fileUrl);
    expect(r.status).toBe(502);
    nothingLogged();

    up.fault = { path: '/files/pt_gamma', kind: 'slow' };
    r = await fetch(fileUrl);
    expect(r.status).toBe(504);
    expect(await r.text()).toContain(`PyPI upstream ${up.url} did not answer within 1000 ms`);
    nothingLogged();

    up.fault = undefined;
    up.listedSha.set(gw, fileSha(sdistOf(gamma))); // the index lists another file's digest
    r = await fetch(fileUrl);
    expect(r.status).toBe(502);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UPSTREAM_DIGEST_MISMATCH');
    expect(body.error.message).toContain(`upstream ${up.url}`);
    nothingLogged();

    up.listedSha.delete(gw);
    r = await fetch(fileUrl);
    expect(r.status).toBe(200);
    expect(sha256(Buffer.from(await r.arrayBuffer()))).toBe(fileSha(wheelOf(gamma)));
    expect(reg.store.get(gammaWheel)).toBeDefined();
    // The sdist, not downloaded: the page links its record by its own file purl (asking for it
    // observes that file, checked against its own sha256).
    const page = (await (
      await fetch(`${url}/pypi/simple/pt-gamma/`, {
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json()) as { files: { filename: string; _sigil: { record: string } }[] };
    const sdistPurl = filePurl('pkg:pypi/pt-gamma@0.1', sdistOf(gamma));
    const link = page.files.find((f) => f.filename === basename(sdistOf(gamma)))!._sigil.record;
    expect(decodeURIComponent(link)).toContain(sdistPurl);
    expect(reg.store.get(sdistPurl)).toBeUndefined();
    expect((await fetch(link)).status).toBe(200);
    expect(reg.store.get(sdistPurl)?.sha256).toBe(fileSha(sdistOf(gamma)));
  }, 60_000);

  it('a version lookup observes every file the upstream lists for it; a record kept under the version purl (before files had purls) is still one file of the set', async () => {
    const delta = await build(root, 'pt-delta', 'pt_delta', '0.3', [], 'd = 4\n');
    up.add('pt-delta', delta);
    const version = 'pkg:pypi/pt-delta@0.3';
    const lookup = async () =>
      (
        (await (
          await fetch(`${url}/api/v1/releases/lookup`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ purls: [version] }),
          })
        ).json()) as { records: Record<string, { files: { purl: string }[] } | null> }
      ).records[version];
    // Nothing fetched yet: the lookup observes both files, each checked against its sha256.
    const first = await lookup();
    expect(first?.files.map((f) => f.purl).sort()).toEqual(
      delta.map((f) => filePurl(version, f)).sort(),
    );
    for (const f of delta) expect(reg.store.get(filePurl(version, f))?.sha256).toBe(fileSha(f));

    // The wheel's row as an earlier Sigil stored it: under the version purl, no release key
    // (the restart backfills keys, release-keys.ts).
    const wheelPurl = filePurl(version, wheelOf(delta));
    reg.store.db
      .prepare(`UPDATE release SET purl = ?, release_key = NULL WHERE purl = ?`)
      .run(version, wheelPurl);
    await backfillReleaseKeys(reg.storage.releases);
    const again = await lookup();
    expect(again?.files.map((f) => f.purl).sort()).toEqual(
      [version, filePurl(version, sdistOf(delta))].sort(),
    );
    // Served from the log by its file name, never observed a second time.
    const fetchesBefore = up.requests.filter((p) => p.endsWith('.whl')).length;
    const got = await fetch(
      `${url}/pypi/files/pt-delta/0.3/${encodeURIComponent(basename(wheelOf(delta)))}`,
    );
    expect(got.status).toBe(200);
    expect(sha256(Buffer.from(await got.arrayBuffer()))).toBe(fileSha(wheelOf(delta)));
    expect(reg.store.get(wheelPurl)).toBeUndefined();
    const page = (await (
      await fetch(`${url}/pypi/simple/pt-delta/`, {
        headers: { accept: 'application/vnd.pypi.simple.v1+json' },
      })
    ).json()) as { files: { filename: string; hashes: { sha256: string } }[] };
    expect(page.files.map((f) => [f.filename, f.hashes.sha256]).sort()).toEqual(
      delta.map((f) => [basename(f), fileSha(f)]).sort(),
    );
    expect(up.requests.filter((p) => p.endsWith('.whl')).length).toBe(fetchesBefore);
  }, 60_000);

  it('a private name is never asked upstream', async () => {
    const before = up.requests.length;
    const r = await fetch(`${url}/pypi/simple/pt-private/`);
    expect(r.status).toBe(404);
    const f = await fetch(
      `${url}/pypi/files/pt-private/0.1/${basename(wheelOf(gamma)).replace('pt_gamma', 'pt_private')}`,
    );
    expect(f.status).toBe(404);
    expect(up.requests.slice(before).filter((p) => p.includes('private'))).toEqual([]);
  });
});
