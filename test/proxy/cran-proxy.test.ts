// Interop: the real R (`install.packages(repos = <sigil>/cran)`, Debian's r-base-core) installs a
// source package that was never published to Sigil, through `sigil serve --upstream
// cran=<static CRAN-like repository>`. The upstream is a folder with PACKAGES (MD5sum) and
// source tarballs laid out as `R CMD build` writes them (test/fixtures/ecosystems/cran/tinyr),
// an older version under Archive/, behind a plain HTTP server.
// Then: the tarball is logged as observed (its md5 checked against the upstream's PACKAGES
// first); `sigil verify renv.lock` finds the observed record (renv pins no tarball digest:
// DIGEST_MISSING, docs/cran.md); an upstream that republishes a version yields a conflict
// record while R still gets the logged bytes; upstream failures (500, timeout, wrong MD5sum)
// answer an error naming the upstream and log nothing; a private name is never asked upstream.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/registry/server.js';
import { makeTarGz } from '../ecosystems/helpers.js';
import { runCli } from '../helpers/cli.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/proxy/cran-proxy.test.ts';
const rscript = needsProgram('Rscript', ['--version'], 'apt-get install r-base-core', FILE);
const FIX = join(import.meta.dirname, '../fixtures/ecosystems/cran/tinyr');

function pkg(name: string, version: string, body: string): Buffer {
  const desc = readFileSync(join(FIX, 'DESCRIPTION'), 'utf8')
    .replace(/^Package: .*$/m, `Package: ${name}`)
    .replace(/^Version: .*$/m, `Version: ${version}`);
  return makeTarGz([
    { name: `${name}/DESCRIPTION`, data: desc },
    { name: `${name}/NAMESPACE`, data: readFileSync(join(FIX, 'NAMESPACE')) },
    { name: `${name}/LICENSE`, data: readFileSync(join(FIX, 'LICENSE')) },
    { name: `${name}/R/tiny.R`, data: `tiny <- function() ${body}\n` },
  ]);
}

function rscriptRun(code: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('Rscript', ['--vanilla', '-e', code], {
      env: { ...process.env, R_LIBS_USER: '', R_PROFILE_USER: '' },
    });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');

/** A static CRAN-like repository (PACKAGES of the newest versions, Archive/ for older); faults on demand. */
class StaticCran extends StaticUpstream {
  readonly current = new Map<string, { version: string; bytes: Buffer }>();
  readonly archive = new Map<string, Buffer>(); // "Archive/<name>/<file>"
  readonly listedMd5 = new Map<string, string>();
  protected readonly root = '';

  packages(): string {
    return [...this.current]
      .map(
        ([name, v]) =>
          `Package: ${name}\nVersion: ${v.version}\nLicense: MIT + file LICENSE\nMD5sum: ${this.listedMd5.get(name) ?? md5(v.bytes)}\nNeedsCompilation: no\n`,
      )
      .join('\n');
  }

  protected serve(path: string, res: ServerResponse): void {
    if (path === '/src/contrib/PACKAGES') return void res.writeHead(200).end(this.packages());
    const m = /^\/src\/contrib\/(.+)$/.exec(path);
    let bytes = m ? this.archive.get(m[1]!) : undefined;
    const top = m && /^([^/]+)_([^/]+)\.tar\.gz$/.exec(m[1]!);
    if (top && this.current.get(top[1]!)?.version === top[2])
      bytes = this.current.get(top[1]!)!.bytes;
    sendBytes(res, bytes);
  }
}

describe.skipIf(skipUnlessPresent(rscript))('R through the verifying proxy', () => {
  let root: string;
  let up: StaticCran;
  let reg: Registry;
  let url: string;
  const v11 = pkg('tinyr', '1.1', '11');
  const v10 = pkg('tinyr', '1.0', '10');
  const gamma = pkg('gammar', '0.1', '0');

  const install = (lib: string) =>
    rscriptRun(
      `install.packages("tinyr", repos = "${url}/cran", lib = "${lib}", type = "source", quiet = TRUE); library(tinyr, lib.loc = "${lib}"); cat("VERSION", as.character(packageVersion("tinyr", lib.loc = "${lib}")), "TINY", tiny(), "\\n")`,
    );

  beforeAll(async () => {
    rscript.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-cran-proxy-'));
    up = new StaticCran();
    up.current.set('tinyr', { version: '1.1', bytes: v11 });
    up.archive.set('Archive/tinyr/tinyr_1.0.tar.gz', v10);
    up.current.set('gammar', { version: '0.1', bytes: gamma });
    up.current.set('privr', { version: '0.1', bytes: gamma });
    await up.start();
    ({ reg, url } = await openProxied(root, 'cran', up.url, ['pkg:cran/privr']));
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('install.packages installs a package never published to Sigil; it is logged as observed; sigil verify renv.lock finds the record', async () => {
    const lib = join(root, 'lib-1');
    mkdirSync(lib);
    const r = await install(lib);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('VERSION 1.1 TINY 11');
    const row = reg.store.get('pkg:cran/tinyr@1.1')!;
    expect(row).toBeDefined();
    expect(JSON.parse(row.native)).toEqual({ md5: md5(v11) });
    const st = statementOf(row);
    expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
    expect(st.predicate.artifactUrl).toBe(`${up.url}/src/contrib/tinyr_1.1.tar.gz`);
    expect(st.predicate.evidence.indexDigest).toEqual({ algorithm: 'md5', value: md5(v11) });
    // An archived version is fetched from the upstream's Archive/ (no index digest there).
    const old = await fetch(`${url}/cran/src/contrib/Archive/tinyr/tinyr_1.0.tar.gz`);
    expect(old.status).toBe(200);
    expect(md5(Buffer.from(await old.arrayBuffer()))).toBe(md5(v10));

    const lock = join(root, 'renv.lock');
    writeFileSync(
      lock,
      JSON.stringify({
        R: { Version: '4.2.2', Repositories: [{ Name: 'Sigil', URL: `${url}/cran` }] },
        Packages: {
          tinyr: { Package: 'tinyr', Version: '1.1', Source: 'Repository', Repository: 'Sigil' },
        },
      }),
    );
    const v = await runCli(['verify', lock, '--server', url, '--json'], {
      SIGIL_CONFIG_DIR: join(root, 'cfg'),
    });
    const report = JSON.parse(v.stdout) as {
      kinds: Record<string, number>;
      dependencies: { checks: { name: string; code: string; status: string }[] }[];
    };
    expect(report.kinds['observed'], v.stdout).toBe(1);
    const checks = report.dependencies[0]!.checks;
    expect(checks.find((c) => c.name === 'record')).toMatchObject({ code: 'RECORD_FOUND' });
    // renv.lock pins no tarball digest (docs/cran.md): said, not hidden.
    expect(checks.find((c) => c.name === 'digest')).toMatchObject({ code: 'DIGEST_MISSING' });
  }, 180_000);

  it('an upstream that republishes a version: a conflict record is logged, R still gets the logged bytes', async () => {
    const evil = pkg('tinyr', '1.1', '666');
    up.current.set('tinyr', { version: '1.1', bytes: evil });
    const packages = await (await fetch(`${url}/cran/src/contrib/PACKAGES`)).text();
    expect(packages).toContain(`Package: tinyr\nVersion: 1.1\n`);
    expect(packages).toContain(`MD5sum: ${md5(v11)}`);
    expect(await conflictsAt(url)).toEqual([['pkg:cran/tinyr@1.1', up.url]]);
    const lib = join(root, 'lib-2');
    mkdirSync(lib);
    const r = await install(lib);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain('VERSION 1.1 TINY 11');
  }, 180_000);

  it('upstream failures (500, timeout, wrong MD5sum) answer an error naming the upstream and log nothing', async () => {
    const file = `${url}/cran/src/contrib/gammar_0.1.tar.gz`;
    const nothingLogged = () => expect(reg.store.get('pkg:cran/gammar@0.1')).toBeUndefined();
    const message = async (r: Response) => JSON.stringify(await r.json());

    up.fault = { path: '/src/contrib/gammar', kind: '500' };
    let r = await fetch(file);
    expect(r.status).toBe(502);
    expect(await message(r)).toContain(`CRAN upstream ${up.url} answered 500`);
    nothingLogged();

    up.fault = { path: '/src/contrib/gammar', kind: 'slow' };
    r = await fetch(file);
    expect(r.status).toBe(504);
    expect(await message(r)).toContain(`CRAN upstream ${up.url} did not answer within 1000 ms`);
    nothingLogged();

    up.fault = undefined;
    up.listedMd5.set('gammar', md5(v10));
    r = await fetch(file);
    expect(r.status).toBe(502);
    expect(await message(r)).toContain('whose md5 is not the MD5sum its own PACKAGES lists');
    nothingLogged();

    up.listedMd5.delete('gammar');
    r = await fetch(file);
    expect(r.status).toBe(200);
    expect(md5(Buffer.from(await r.arrayBuffer()))).toBe(md5(gamma));
  }, 60_000);

  it('a private name is never asked upstream and is not in PACKAGES', async () => {
    const packages = await (await fetch(`${url}/cran/src/contrib/PACKAGES`)).text();
    expect(packages).toContain('Package: gammar');
    expect(packages).not.toContain('privr');
    const before = up.requests.length;
    expect((await fetch(`${url}/cran/src/contrib/privr_0.1.tar.gz`)).status).toBe(404);
    expect(up.requests.slice(before).filter((p) => p.includes('privr'))).toEqual([]);
  });
});
