// Interop: the real npm CLI installs a real dependency tree that was never published to Sigil,
// through `sigil serve --upstream npm=<static upstream>` (real tarballs from npm's cache, with
// npm registry signatures by the upstream's own key). Then: `npm audit signatures` through Sigil
// verifies Sigil's signatures; with the upstream stopped, a fresh `npm ci` still installs (the
// logged blobs); an upstream republishing a version yields a conflict record while the logged
// bytes are still what npm gets; the proxy policy refuses a too-young version with a message
// npm prints.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { runCli } from '../helpers/cli.js';
import { isolatedNpm, npmProgram, OFFLINE_TUF_SHIM, runNpm } from '../npm/npm-cli.js';
import {
  cachedLockPackages,
  startStaticNpmUpstream,
  type StaticNpmUpstream,
} from './static-npm-upstream.js';

/** A real tree: these packages of this repository's own dependencies and everything they need. */
const ROOTS = {
  tar: '^7.5.23',
  yauzl: '^3.4.0',
  commander: '^14.0.3',
  yaml: '^2.9.1',
  'packageurl-js': '^2.0.1',
};

describe.skipIf(skipUnlessPresent(npmProgram))('npm install through the verifying proxy', () => {
  let dir: string;
  let upstream: StaticNpmUpstream;
  let registry: Registry;
  let url: string;
  let project: string;
  const npmEnv = (name: string) => isolatedNpm(join(dir, name), url).env;

  beforeAll(async () => {
    npmProgram.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-npm-proxy-'));
    upstream = await startStaticNpmUpstream(cachedLockPackages(), { sign: true });
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      batchIntervalMs: 1,
      proxy: parseProxyConfig(
        { upstreams: { npm: { url: upstream.url } }, limits: { indexTtlMs: 0 } },
        'test',
      ),
    });
    url = await registry.listen();
    project = join(dir, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'proxy-app', version: '1.0.0', private: true, dependencies: ROOTS }),
    );
  }, 60_000);

  afterAll(async () => {
    await registry?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let installed: string[] = [];

  it('npm install: a real tree never published to Sigil, every version logged on the way', async () => {
    const r = await runNpm(
      ['install', '--ignore-scripts', '--no-audit', '--no-fund'],
      project,
      npmEnv('npm1'),
    );
    expect(r.code, r.stderr).toBe(0);
    for (const name of Object.keys(ROOTS))
      expect(existsSync(join(project, 'node_modules', name, 'package.json')), name).toBe(true);
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { resolved?: string; version?: string }>;
    };
    installed = Object.entries(lock.packages)
      .filter(([k]) => k !== '')
      .map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${v.version}`);
    expect(installed.length).toBeGreaterThanOrEqual(8);
    for (const [k, v] of Object.entries(lock.packages))
      if (k !== '') expect(v.resolved, k).toMatch(new RegExp(`^${url}/`));
    expect(registry.proxy!.observe.fetches).toBe(new Set(installed).size);
    expect(registry.log.size).toBe(new Set(installed).size);
  }, 120_000);

  it("npm audit signatures through Sigil: every package has a verified registry signature (Sigil's)", async () => {
    const r = await runNpm(
      ['audit', 'signatures', '--registry', `${url}/`],
      project,
      npmEnv('npm1'),
      { NODE_OPTIONS: `--require ${OFFLINE_TUF_SHIM}` },
    );
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(`${new Set(installed).size} packages have verified registry signatures`),
    );
  }, 60_000);

  it('sigil verify package-lock.json: every dependency observed ("logged, first seen … from <upstream>"); a changed integrity fails', async () => {
    const lockPath = join(project, 'package-lock.json');
    const cfg = { SIGIL_CONFIG_DIR: join(dir, 'cfg') };
    const r = await runCli(['verify', lockPath, '--server', url, '--json'], cfg);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as {
      kinds: Record<string, number>;
      summary: { verified: number; notVerified: number };
      dependencies: { reason: string; level: string; observed: { upstream: string } }[];
    };
    const n = new Set(installed).size;
    expect(report.kinds).toEqual({
      'author-signed': 0,
      'registry-published': 0,
      observed: installed.length,
      'no-record': 0,
    });
    expect(report.summary).toEqual({ verified: installed.length, notVerified: 0 });
    expect(n).toBeGreaterThan(0);
    for (const d of report.dependencies) {
      expect(d.level).toBe('logged');
      expect(d.reason).toMatch(
        new RegExp(
          `^logged, first seen \\d{4}-\\d{2}-\\d{2} from ${upstream.url.replace(/[.]/g, '\\.')}$`,
        ),
      );
    }
    const human = await runCli(['verify', lockPath, '--server', url], cfg);
    expect(human.stdout).toMatch(new RegExp(`verified ${installed.length} of ${installed.length}`));
    expect(human.stdout).toMatch(
      /logged +observed from http:\/\/127\.0\.0\.1:\d+, bytes logged on first sight/,
    );
    // One changed integrity: failed, named.
    const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
      packages: Record<string, { integrity?: string }>;
    };
    const tampered = join(dir, 'tampered');
    mkdirSync(tampered);
    lock.packages['node_modules/yaml']!.integrity =
      `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
    writeFileSync(join(tampered, 'package-lock.json'), JSON.stringify(lock));
    const bad = await runCli(['verify', join(tampered, 'package-lock.json'), '--server', url], cfg);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/1 FAILED\n\s+yaml@/);
  }, 60_000);

  it('with the upstream stopped, a fresh npm ci still installs what was logged', async () => {
    await upstream.stop();
    try {
      rmSync(join(project, 'node_modules'), { recursive: true, force: true });
      const r = await runNpm(
        ['ci', '--ignore-scripts', '--no-audit', '--no-fund'],
        project,
        npmEnv('npm2'),
      );
      expect(r.code, r.stderr).toBe(0);
      for (const name of Object.keys(ROOTS))
        expect(existsSync(join(project, 'node_modules', name, 'package.json')), name).toBe(true);
      // The packument too: served from the logged versions, with a warning header.
      const res = await fetch(`${url}/yauzl`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('warning')).toMatch(/upstream failed, serving logged versions only/);
    } finally {
      await upstream.start();
    }
  }, 120_000);

  it('the upstream republishes a version: a conflict record, the logged bytes still served', async () => {
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { version: string; integrity: string }>;
    };
    const victim = lock.packages['node_modules/yauzl']!;
    const original = upstream.packages
      .get('yauzl')!
      .find((p) => p.version === victim.version)!.bytes;
    upstream.republish('yauzl', victim.version, gzipSync(gunzipSync(original), { level: 1 })); // same files, other bytes
    const before = registry.log.size;
    const doc = (await (
      await fetch(`${url}/yauzl`, { headers: { accept: 'application/json' } })
    ).json()) as {
      versions: Record<string, { dist: { integrity: string; signatures: unknown[] } }>;
    };
    expect(doc.versions[victim.version]!.dist.integrity).toBe(victim.integrity);
    expect(registry.log.size).toBe(before + 1); // the conflict record
    // Seen again: not logged twice.
    await fetch(`${url}/yauzl`, { headers: { accept: 'application/json' } });
    expect(registry.log.size).toBe(before + 1);
    const conflicts = (await (await fetch(`${url}/api/v1/conflicts`)).json()) as {
      conflicts: {
        purl: string;
        upstream: string;
        logged: { sha512: string };
        offered: string;
        envelope: { payload: string };
      }[];
    };
    expect(conflicts.conflicts).toHaveLength(1);
    const c = conflicts.conflicts[0]!;
    expect(c.purl).toBe(`pkg:npm/yauzl@${victim.version}`);
    expect(c.upstream).toBe(upstream.url);
    expect(c.offered).toMatch(/^sha512:[0-9a-f]{128}$/);
    expect(c.offered).not.toContain(c.logged.sha512);
    expect(JSON.parse(Buffer.from(c.envelope.payload, 'base64').toString()).predicateType).toBe(
      'https://sigil.dev/conflict/v0.1',
    );
    // sigil verify names the conflict (and still verifies the logged bytes the lockfile pins).
    const v = await runCli(['verify', join(project, 'package-lock.json'), '--server', url], {
      SIGIL_CONFIG_DIR: join(dir, 'cfg'),
    });
    expect(v.code, v.stdout + v.stderr).toBe(0);
    expect(v.stdout).toMatch(
      new RegExp(
        `! yauzl@${victim.version.replace(/\./g, '\\.')}: CONFLICT — ${upstream.url.replace(/\./g, '\\.')} offered other bytes`,
      ),
    );
    // The tarball npm would get is still the logged one (the npm ci above proved npm installs those).
    const served = Buffer.from(
      await (await fetch(`${url}/yauzl/-/yauzl-${victim.version}.tgz`)).arrayBuffer(),
    );
    expect(served.equals(original)).toBe(true);
  }, 120_000);

  it('proxy policy: a version younger than minimumReleaseAgeHours is hidden and refused, and npm prints why', async () => {
    const young = upstream.packages.get('commander')![0]!;
    young.time = new Date(Date.now() - 3_600_000).toISOString();
    const strict = await openRegistry({
      dataDir: join(dir, 'strict'),
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      batchIntervalMs: 1,
      proxy: parseProxyConfig(
        { upstreams: { npm: upstream.url }, policy: { minimumReleaseAgeHours: 48 } },
        'test',
      ),
    });
    const strictUrl = await strict.listen();
    try {
      const doc = (await (
        await fetch(`${strictUrl}/commander`, { headers: { accept: 'application/json' } })
      ).json()) as { versions: Record<string, unknown> };
      expect(Object.keys(doc.versions)).not.toContain(young.version);
      // A lockfile pinning it (made before the policy) gets the refusal from the tarball URL.
      const p = join(dir, 'young');
      mkdirSync(p);
      writeFileSync(
        join(p, 'package.json'),
        JSON.stringify({
          name: 'young-app',
          version: '1.0.0',
          private: true,
          dependencies: { commander: young.version },
        }),
      );
      const tgz = `${strictUrl}/commander/-/commander-${young.version}.tgz`;
      const { createHash } = await import('node:crypto');
      writeFileSync(
        join(p, 'package-lock.json'),
        JSON.stringify({
          name: 'young-app',
          version: '1.0.0',
          lockfileVersion: 3,
          requires: true,
          packages: {
            '': { name: 'young-app', version: '1.0.0', dependencies: { commander: young.version } },
            'node_modules/commander': {
              version: young.version,
              resolved: tgz,
              integrity: `sha512-${createHash('sha512').update(young.bytes).digest('base64')}`,
            },
          },
        }),
      );
      const r = await runNpm(
        ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--fetch-retries=0'],
        p,
        isolatedNpm(join(dir, 'npm4'), strictUrl).env,
      );
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(
        /403 Forbidden - GET .*commander-.*\.tgz - pkg:npm\/commander@.* was published 1\.0 hours ago on .*; this proxy serves versions only after 48 hours \(minimumReleaseAgeHours\)/,
      );
      expect(strict.log.size).toBe(0);
    } finally {
      await strict.close();
      delete young.time;
    }
  }, 120_000);
});
