// Issue 12's "done when", at full size: the real `npm install` of a ≥ 300-package real tree
// (this repository's own dependencies, the REAL tarballs npm keeps in its content-addressed
// cache after `npm ci`, so real bytes and real integrity) through Sigil's pull-through proxy
// with a static npm upstream, none of it ever published to Sigil. Every package must come
// through Sigil and be logged once as observed; `sigil verify package-lock.json --json` must
// then report every dependency observed and none failed, and fail, naming the package, on a
// copy of the lockfile with one integrity changed.
//
// npm's cache must hold the tree (CI runs `npm ci` first). Locally, when it holds too few of
// the tarballs, the suite skips and says so on stderr; under CI=true that is a failure.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { needsCondition, skipUnlessPresent } from '../helpers/real-program.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { runCli } from '../helpers/cli.js';
import { isolatedNpm, npmProgram, runNpm } from '../npm/npm-cli.js';
import {
  cachedLockPackages,
  startStaticNpmUpstream,
  type StaticNpmUpstream,
  type UpstreamPackage,
} from '../proxy/static-npm-upstream.js';

const FILE = 'test/e2e/proxy-real-tree.test.ts';
const MIN_TREE = 300;
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The roots: every direct dependency of this repository, so npm resolves (a version of) its whole tree. */
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const ROOTS = { ...manifest.dependencies, ...manifest.devDependencies };

const cached: UpstreamPackage[] = npmProgram.present ? cachedLockPackages() : [];
const enoughCache = needsCondition(
  `npm's cache holding ≥ ${MIN_TREE} of package-lock.json's tarballs (it holds ${cached.length})`,
  cached.length >= MIN_TREE,
  'run `npm ci` in the repository first',
  FILE,
);

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  link?: boolean;
}

describe.skipIf(skipUnlessPresent(npmProgram) || skipUnlessPresent(enoughCache))(
  'a 300-package real tree through the verifying proxy',
  () => {
    let dir: string;
    let dataDir: string;
    let upstream: StaticNpmUpstream;
    let registry: Registry;
    let url: string;
    let project: string;
    /** name@version of every package npm installed (from its lockfile). */
    let installed: Set<string>;
    let entries: [string, LockEntry][] = [];

    beforeAll(async () => {
      npmProgram.require();
      enoughCache.require();
      dir = mkdtempSync(join(tmpdir(), 'sigil-proxy-real-tree-'));
      upstream = await startStaticNpmUpstream(cached);
      // tmpfs when there is one: the log's fsyncs would otherwise pace 300+ appends.
      dataDir = mkdtempSync(
        join(existsSync('/dev/shm') ? '/dev/shm' : dir, 'sigil-proxy-real-tree-data-'),
      );
      registry = await openRegistry({
        dataDir,
        host: '127.0.0.1',
        port: 0,
        openWrites: true,
        batchIntervalMs: 1,
        proxy: parseProxyConfig({ upstreams: { npm: { url: upstream.url } } }, 'test'),
      });
      url = await registry.listen();
      project = join(dir, 'project');
      mkdirSync(project);
      writeFileSync(
        join(project, 'package.json'),
        JSON.stringify({
          name: 'proxy-real-tree',
          version: '1.0.0',
          private: true,
          dependencies: ROOTS,
        }),
      );
    }, 60_000);

    afterAll(async () => {
      await registry?.close();
      await upstream?.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('the real npm install: every package came through Sigil and was logged once as observed', async () => {
      const r = await runNpm(
        ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--omit=optional'],
        project,
        isolatedNpm(join(dir, 'npm'), url).env,
      );
      expect(r.code, r.stderr.slice(-2000)).toBe(0);
      const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, LockEntry>;
      };
      entries = Object.entries(lock.packages).filter(([k, v]) => k !== '' && !v.link);
      installed = new Set(
        entries.map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${v.version}`),
      );
      expect(installed.size).toBeGreaterThanOrEqual(MIN_TREE);
      for (const [k, v] of entries) {
        expect(v.resolved, k).toMatch(new RegExp(`^${url}/`));
        expect(v.integrity, k).toMatch(/^sha512-/);
      }
      // Never published to Sigil: each version was fetched from the upstream and logged once.
      // (--omit=optional: the lockfile also names optional packages npm resolved but did not fetch.)
      const fetched = new Set(
        entries
          .filter(([k]) => existsSync(join(project, k, 'package.json')))
          .map(([k, v]) => `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${v.version}`),
      );
      expect(fetched.size).toBeGreaterThanOrEqual(MIN_TREE);
      expect(registry.proxy!.observe.fetches).toBe(fetched.size);
      expect(registry.log.size).toBe(fetched.size);
      // The bytes npm got are the real ones: the lockfile's integrity is the npm registry's.
      const real = new Map(cached.map((p) => [`${p.name}@${p.version}`, sri(p.bytes)]));
      for (const [k, v] of entries) {
        const id = `${k.slice(k.lastIndexOf('node_modules/') + 13)}@${v.version}`;
        expect(v.integrity, id).toBe(real.get(id));
      }
    }, 180_000);

    it('sigil verify package-lock.json --json: all observed, none failed; one changed integrity fails, named', async () => {
      const lockPath = join(project, 'package-lock.json');
      const cfg = { SIGIL_CONFIG_DIR: join(dir, 'cfg') };
      const r = await runCli(['verify', lockPath, '--server', url, '--json'], cfg);
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as {
        kinds: Record<string, number>;
        counts: { failed: number };
        summary: { verified: number; notVerified: number };
      };
      // One per name@version (a version at two paths is one dependency).
      expect(report.kinds['observed']).toBe(installed.size);
      expect(report.kinds['observed']).toBeGreaterThanOrEqual(MIN_TREE);
      expect(report.kinds['no-record']).toBe(0);
      expect(report.counts.failed).toBe(0);
      expect(report.summary).toEqual({ verified: installed.size, notVerified: 0 });

      // A copy of the lockfile with one integrity changed (a package deep in the tree).
      const lock = JSON.parse(readFileSync(lockPath, 'utf8')) as {
        packages: Record<string, LockEntry>;
      };
      const [victimPath, victim] =
        entries.find(([k]) => k.includes('/@') && !k.startsWith('node_modules/@types')) ??
        entries[Math.floor(entries.length / 2)]!;
      const victimName = victimPath.slice(victimPath.lastIndexOf('node_modules/') + 13);
      lock.packages[victimPath]!.integrity = `sha512-${Buffer.alloc(64, 7).toString('base64')}`;
      const tampered = join(dir, 'tampered');
      mkdirSync(tampered);
      writeFileSync(join(tampered, 'package-lock.json'), JSON.stringify(lock));
      const bad = await runCli(
        ['verify', join(tampered, 'package-lock.json'), '--server', url, '--json'],
        cfg,
      );
      expect(bad.code, bad.stderr).toBe(1);
      const badReport = JSON.parse(bad.stdout) as {
        counts: { failed: number };
        dependencies: { name?: string; purl?: string; status: string }[];
      };
      expect(badReport.counts.failed).toBe(1);
      const failed = badReport.dependencies.filter((d) => d.status === 'failed');
      expect(failed).toHaveLength(1);
      expect(JSON.stringify(failed[0])).toContain(victim.version!);
      expect(JSON.stringify(failed[0])).toContain(victimName.replace('@', '%40'));
    }, 120_000);
  },
);

const sri = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;
