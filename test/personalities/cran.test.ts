// R installs from Sigil's CRAN-like repository: two versions of a tiny source package
// (test/fixtures/ecosystems/cran/tinyr, tarred as `R CMD build` lays it out) are published
// over /api/v1 (R reads PACKAGES.rds), and the real R (`install.packages(repos = <sigil>/cran)`, Debian's
// r-base-core) installs the newest into a temp library; the older one is in Archive/.
// R itself never checks MD5sum: a tampered tarball from a mirror installs (this test pins
// that fact, docs/cran.md), and the check that ties the library to Sigil is
// `sigil verify renv.lock`: the logged release is found, countersigned and in the log; one
// Sigil never logged has no record. renv.lock pins renv's Hash (an md5 of DESCRIPTION fields, not
// of the tarball): the registry computes it from the published tarball and countersigns it, and
// R itself, following renv's rule on the INSTALLED DESCRIPTION, gets the same value (docs/cran.md).
// Under CI=true a missing Rscript fails; locally the suite is skipped, loudly.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTarGz } from '../ecosystems/helpers.js';
import { runCli } from '../helpers/cli.js';
import { expectRefused, startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/personalities/cran.test.ts';
const rscript = needsProgram('Rscript', ['--version'], 'apt-get install r-base-core', FILE);
const FIX = join(import.meta.dirname, '../fixtures/ecosystems/cran/tinyr');

function tinyr(version: string, body = '1'): Buffer {
  // The fields `R CMD build` adds (Author and Maintainer from Authors@R, hashed by renv).
  const desc = `${readFileSync(join(FIX, 'DESCRIPTION'), 'utf8').replace(
    /^Version: .*$/m,
    `Version: ${version}`,
  )}NeedsCompilation: no\nPackaged: 2026-12-03 07:25:55 UTC; root\nAuthor: Sigil Test [aut, cre]\nMaintainer: Sigil Test <t@example.com>\n`;
  return makeTarGz([
    { name: 'tinyr/DESCRIPTION', data: desc },
    { name: 'tinyr/NAMESPACE', data: readFileSync(join(FIX, 'NAMESPACE')) },
    { name: 'tinyr/LICENSE', data: readFileSync(join(FIX, 'LICENSE')) },
    { name: 'tinyr/R/tiny.R', data: `tiny <- function() ${body}\n` },
  ]);
}

// async: the repository is served by this same process, so a blocking spawn would deadlock
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

const install = (repos: string, lib: string) =>
  rscriptRun(
    `install.packages("tinyr", repos = "${repos}", lib = "${lib}", type = "source", quiet = TRUE); library(tinyr, lib.loc = "${lib}"); cat("VERSION", as.character(packageVersion("tinyr", lib.loc = "${lib}")), "TINY", tiny(), "\\n")`,
  );

describe.skipIf(skipUnlessPresent(rscript))(
  'R installs from sigil serve; sigil verify renv.lock checks what was installed',
  () => {
    let t: TestRegistry;
    let token: string;
    let dir: string;
    const v1 = tinyr('0.4-1', '1');
    const v2 = tinyr('0.4-2', '2');
    beforeAll(async () => {
      rscript.require();
      dir = mkdtempSync(join(tmpdir(), 'sigil-cran-'));
      t = await startRegistry('cran');
      token = await t.tokenFor('ada');
      for (const [v, b] of [
        ['0.4-1', v1],
        ['0.4-2', v2],
      ] as const) {
        const r = await t.publish(token, b, { filename: `tinyr_${v}.tar.gz`, type: 'cran' });
        expect(r.status, r.text).toBe(201);
      }
    });
    afterAll(async () => {
      await t?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('PACKAGES lists the newest version with MD5sum; older versions are under Archive/', async () => {
      const text = await (await fetch(`${t.url}/cran/src/contrib/PACKAGES`)).text();
      expect(text).toContain('Package: tinyr\nVersion: 0.4-2\n');
      expect(text).toMatch(/MD5sum: [0-9a-f]{32}\n/);
      expect(text).toContain(`SHA256: ${t.reg.store.get('pkg:cran/tinyr@0.4-2')!.sha256}`);
      expect(
        Buffer.from(
          await (await fetch(`${t.url}/cran/src/contrib/tinyr_0.4-2.tar.gz`)).arrayBuffer(),
        ),
      ).toEqual(v2);
      expect(
        Buffer.from(
          await (
            await fetch(`${t.url}/cran/src/contrib/Archive/tinyr/tinyr_0.4-1.tar.gz`)
          ).arrayBuffer(),
        ),
      ).toEqual(v1);
      expect((await fetch(`${t.url}/cran/src/contrib/tinyr_0.4-1.tar.gz`)).status).toBe(404);
      // PACKAGES.rds: R itself reads the matrix (available.packages() asks for it first)
      const rds = join(dir, 'PACKAGES.rds');
      writeFileSync(
        rds,
        Buffer.from(await (await fetch(`${t.url}/cran/src/contrib/PACKAGES.rds`)).arrayBuffer()),
      );
      const r = await rscriptRun(
        `m <- readRDS("${rds}"); cat("DIM", dim(m), "\n"); cat("ROW", m[1, "Package"], m[1, "Version"], nchar(m[1, "MD5sum"]), "\n"); stopifnot(is.matrix(m), is.character(m))`,
      );
      expect(r.status, r.out).toBe(0);
      expect(r.out).toMatch(/DIM 1 \d+/);
      expect(r.out).toContain('ROW tinyr 0.4-2 32');
    });

    it('install.packages installs the newest release into a temp library; sigil verify renv.lock finds the logged release', async () => {
      const lib = join(dir, 'lib');
      mkdirSync(lib);
      const r = await install(`${t.url}/cran`, lib);
      expect(r.status, r.out).toBe(0);
      expect(r.out).toContain('VERSION 0.4.2 TINY 2');
      // renv's Hash of what was installed, computed by R from the installed DESCRIPTION the way
      // renv snapshot does (rstudio/renv R/hash.R renv_hash_record; R < 4.5: writeLines + md5sum).
      const h = await rscriptRun(
        `d <- read.dcf(file.path("${lib}", "tinyr", "DESCRIPTION"))[1, ]; f <- c("Package","Version","Title","Author","Maintainer","Description","Depends","Imports","Suggests","LinkingTo"); s <- d[intersect(f, names(d))]; invisible(Sys.setlocale("LC_COLLATE", "C")); s <- s[sort(names(s))]; x <- gsub("[[:space:]]", "", paste(names(s), s, sep = ": ", collapse = "\n")); tf <- tempfile(); con <- file(tf, open = "wb"); writeLines(enc2utf8(x), con = con, useBytes = TRUE); close(con); cat("HASH", unname(tools::md5sum(tf)), "\n")`,
      );
      expect(h.status, h.out).toBe(0);
      const installedHash = /HASH ([0-9a-f]{32})/.exec(h.out)![1]!;
      expect(JSON.parse(t.reg.store.get('pkg:cran/tinyr@0.4-2')!.native)['renv-hash']).toBe(
        installedHash,
      );
      const lock = (version: string, hash = installedHash) =>
        JSON.stringify({
          R: { Version: '4.2.2', Repositories: [{ Name: 'Sigil', URL: `${t.url}/cran` }] },
          Packages: {
            tinyr: {
              Package: 'tinyr',
              Version: version,
              Source: 'Repository',
              Repository: 'Sigil',
              Hash: hash,
            },
          },
        });
      const good = join(dir, 'good', 'renv.lock');
      mkdirSync(join(dir, 'good'));
      writeFileSync(good, lock('0.4-2'));
      type Dep = {
        purl: string;
        status: string;
        checks: { name: string; code: string; status: string }[];
      };
      const deps = (out: string) => (JSON.parse(out) as { dependencies: Dep[] }).dependencies;
      const v = await runCli(['verify', good, '--server', t.url, '--json'], {
        SIGIL_CONFIG_DIR: join(dir, 'config'),
      });
      const [d] = deps(v.stdout);
      const code = (name: string) => d!.checks.find((c) => c.name === name);
      // the installed version is a logged release, countersigned by the registry and included in the log
      expect(code('record'), v.stdout).toMatchObject({ code: 'RECORD_FOUND', status: 'pass' });
      expect(code('countersignature')).toMatchObject({
        code: 'COUNTERSIGNATURE_VALID',
        status: 'pass',
      });
      expect(code('inclusion')).toMatchObject({ code: 'INCLUSION_PROOF_VALID', status: 'pass' });
      // renv's Hash equals the one the registry computed from the logged tarball and countersigned
      expect(code('digest')).toMatchObject({ code: 'DIGEST_MATCH', status: 'pass' });
      expect(v.code, v.stdout).toBe(0);
      // a lockfile whose Hash is of other DESCRIPTION contents (another build of 0.4-2) fails
      const other = join(dir, 'other', 'renv.lock');
      mkdirSync(join(dir, 'other'));
      writeFileSync(other, lock('0.4-2', 'f'.repeat(32)));
      const o = await runCli(['verify', other, '--server', t.url, '--json'], {
        SIGIL_CONFIG_DIR: join(dir, 'config'),
      });
      expect(o.code).toBe(1);
      expect(deps(o.stdout)[0]!.checks.find((c) => c.name === 'digest')).toMatchObject({
        code: 'DIGEST_MISMATCH',
        status: 'fail',
      });
      // a version Sigil never logged (what a library installed from elsewhere would pin)
      const bad = join(dir, 'bad', 'renv.lock');
      mkdirSync(join(dir, 'bad'));
      writeFileSync(bad, lock('0.4-3'));
      const w = await runCli(['verify', bad, '--server', t.url, '--json'], {
        SIGIL_CONFIG_DIR: join(dir, 'config'),
      });
      const [e] = deps(w.stdout);
      expect(e!.purl).toBe('pkg:cran/tinyr@0.4-3');
      expect(
        e!.checks.find((c) => c.name === 'record'),
        w.stdout,
      ).toMatchObject({ code: 'NO_RECORD' });
      expect(e!.status).not.toBe('verified');
    });

    it('R does not check MD5sum: a tampered tarball from a mirror with the genuine PACKAGES installs', async () => {
      const packages = await (await fetch(`${t.url}/cran/src/contrib/PACKAGES`)).text();
      const evil = tinyr('0.4-2', '666');
      const server: Server = createServer((req, res) => {
        if (req.url === '/src/contrib/PACKAGES') return res.end(packages);
        if (req.url === '/src/contrib/tinyr_0.4-2.tar.gz') return res.end(evil);
        res.statusCode = 404;
        res.end();
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const lib = join(dir, 'lib-evil');
        mkdirSync(lib);
        const r = await install(
          `http://127.0.0.1:${(server.address() as { port: number }).port}`,
          lib,
        );
        expect(r.status, r.out).toBe(0);
        expect(r.out).toContain('TINY 666'); // if this ever fails, R started checking MD5sum: update docs/cran.md
      } finally {
        server.close();
      }
    });

    it('bad input over HTTP: malformed DESCRIPTION, name mismatch, overwrite, oversize, traversal — clear errors, nothing stored', async () => {
      const before = t.reg.store.count();
      const noVersion = makeTarGz([
        { name: 'tinyr/DESCRIPTION', data: 'Package: tinyr\nTitle: x\n' },
      ]);
      const a = await t.publish(token, noVersion, { filename: 'tinyr_0.5.tar.gz', type: 'cran' });
      expect(a.status, a.text).toBe(400);
      expect(a.json.error?.message, a.text).toContain('tinyr/DESCRIPTION');
      const mismatch = await t.publish(token, tinyr('0.5-0'), {
        filename: 'tinyr_0.6-0.tar.gz',
        type: 'cran',
      });
      expect(mismatch.status, mismatch.text).toBe(400);
      expect(mismatch.json.error?.message).toContain('disagree with DESCRIPTION');
      const again = await t.publish(token, tinyr('0.4-2', '3'), {
        filename: 'tinyr_0.4-2.tar.gz',
        type: 'cran',
      });
      expect(again.status, again.text).toBe(409);
      const big = makeTarGz(
        [
          { name: 'tinyr/DESCRIPTION', data: 'Package: tinyr\nVersion: 9.9\n' },
          { name: 'tinyr/R/big.R', data: `# ${'x'.repeat(1_300_000)}` },
        ],
        false,
      );
      const b = await t.publish(token, big, { filename: 'tinyr_9.9.tar.gz', type: 'cran' });
      expect(b.status, b.text).toBe(413);
      expect(t.reg.store.count()).toBe(before);
      for (const p of [
        '/cran/src/contrib/..%2F..%2Fkeys%2Fregistry.key',
        '/cran/src/contrib/Archive/..%2F..%2Fetc%2Fpasswd',
        '/cran/src/contrib/../../keys/registry.key',
      ]) {
        const r = await fetch(`${t.url}${p}`);
        expect([400, 404], p).toContain(r.status);
        expect(await r.text()).not.toMatch(/PRIVATE KEY|root:/);
      }
      expectRefused(
        await t.call(token, 'GET', '/cran/src/contrib/tinyr_0.4-9.tar.gz'),
        404,
        'NOT_FOUND',
        'tinyr_0.4-9.tar.gz',
      );
    });
  },
);
