// A real project tree: every npm package this repository installs (package-lock.json of the
// repository itself, several hundred real packages), published from their REAL tarballs to a
// test Sigil registry, then `sigil verify package-lock.json` on a lockfile that pins their
// real `integrity`.
//
// Tarballs come from npm's own cache (~/.npm/_cacache, filled by `npm install` / `npm ci`,
// which CI runs first): content-v2 is content-addressed by the integrity itself, so a
// lockfile's `sha512-…` names the file, no npm process or pacote needed. Packages not in the
// cache (optional platform packages that were never downloaded) are left out. Only when the
// cache is unusable (fewer than MIN_PACKAGES hits, e.g. a different cache location) does the
// test fall back to `npm pack` of the installed directories under node_modules: real package
// contents, but REPACKED, so their integrity is the repacked tarball's, not the registry's.
//
// Scoped packages are signed by a test key per scope (each package's first publish adds the
// scope's key to its ledger); unscoped ones are published unsigned by their author
// (countersigned and logged only), which the default policy reports as unsigned and allows.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { publishRelease, type RegistryContext } from '../../src/registry/publish.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIN_PACKAGES = 100;

interface RealPackage {
  name: string;
  version: string;
  integrity: string;
  bytes: Buffer;
}

const cacheDir = process.env['npm_config_cache'] ?? join(homedir(), '.npm');

function fromCache(integrity: string): Buffer | undefined {
  const m = /^sha512-([A-Za-z0-9+/=]+)$/.exec(integrity.split(/\s+/)[0] ?? '');
  if (!m) return undefined;
  const hex = Buffer.from(m[1]!, 'base64').toString('hex');
  const path = join(
    cacheDir,
    '_cacache',
    'content-v2',
    'sha512',
    hex.slice(0, 2),
    hex.slice(2, 4),
    hex.slice(4),
  );
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  return createHash('sha512').update(bytes).digest('hex') === hex ? bytes : undefined;
}

function realPackages(work: string): { packages: RealPackage[]; repacked: boolean } {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string; link?: boolean }>;
  };
  const seen = new Map<string, RealPackage>();
  const installed: { name: string; version: string; dir: string }[] = [];
  for (const [path, v] of Object.entries(lock.packages)) {
    if (path === '' || v.link || !v.version || !v.integrity) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const key = `${name}@${v.version}`;
    if (seen.has(key)) continue;
    const bytes = fromCache(v.integrity);
    if (bytes) seen.set(key, { name, version: v.version, integrity: v.integrity, bytes });
    else if (existsSync(join(ROOT, path, 'package.json')))
      installed.push({ name, version: v.version, dir: join(ROOT, path) });
  }
  if (seen.size >= MIN_PACKAGES) return { packages: [...seen.values()], repacked: false };
  // Fallback (see the file comment): repack what is installed, in one npm process.
  const out = join(work, 'packed');
  mkdirSync(out, { recursive: true });
  const env = {
    ...process.env,
    NPM_CONFIG_USERCONFIG: join(work, '.npmrc-none'),
    NPM_CONFIG_CACHE: join(work, '.npm-cache'),
    NPM_CONFIG_UPDATE_NOTIFIER: 'false',
    NPM_CONFIG_IGNORE_SCRIPTS: 'true',
  };
  const info = JSON.parse(
    execFileSync(
      'npm',
      ['pack', '--json', '--pack-destination', out, ...installed.map((i) => i.dir)],
      { encoding: 'utf8', env, maxBuffer: 256 << 20 },
    ),
  ) as { name: string; version: string; filename: string; integrity: string }[];
  for (const i of info)
    seen.set(`${i.name}@${i.version}`, {
      name: i.name,
      version: i.version,
      integrity: i.integrity,
      bytes: readFileSync(join(out, i.filename)),
    });
  return { packages: [...seen.values()], repacked: true };
}

let dir: string;
let dataDir: string;
let registry: Registry;
let url: string;
let packages: RealPackage[] = [];
const published: RealPackage[] = [];
const refused: string[] = [];
let project: string;

function writeLock(pkgs: RealPackage[], tamper?: string): string {
  const entries: Record<string, unknown> = { '': { name: 'real-app', version: '1.0.0' } };
  // Flat by name@version (nested copies of the same name get their own path).
  for (const p of pkgs) {
    let key = `node_modules/${p.name}`;
    for (let i = 2; key in entries; i++) key = `node_modules/nest-${i}/node_modules/${p.name}`;
    const integrity =
      tamper === `${p.name}@${p.version}`
        ? `sha512-${Buffer.alloc(64, 7).toString('base64')}`
        : p.integrity;
    entries[key] = {
      version: p.version,
      resolved: `${url}/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`,
      integrity,
    };
  }
  const lockPath = join(project, 'package-lock.json');
  writeFileSync(
    lockPath,
    JSON.stringify(
      { name: 'real-app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: entries },
      null,
      2,
    ),
  );
  return lockPath;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-real-tree-'));
  // tmpfs when there is one: the registry's fsyncs would otherwise pace the serialised key events.
  dataDir = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/sigil-real-tree-') : join(dir, 'data');
  packages = realPackages(dir).packages;
  registry = await openRegistry({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    origin: 'real-tree.test/log',
    openWrites: true,
    batchIntervalMs: 1,
  });
  url = await registry.listen();
  const ctx: RegistryContext = {
    store: registry.store,
    storage: registry.storage,
    log: registry.log,
    registryKey: registry.registryKey,
    baseUrl: url,
    authority: registry.ledger,
    requireAuthorSignature: false,
    now: () => new Date(),
  };
  const scopeKeys = new Map<string, PrivateKey>();
  // Versions of one package are published in order by one worker: only the first carries the
  // key event that starts the package's ledger (sending it again is refused as a replay).
  const byName = new Map<string, RealPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const groups = [...byName.values()];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < groups.length) {
        const group = groups[next++]!;
        for (const [i, p] of group.entries()) await publishOne(p, i === 0);
      }
    }),
  );
  async function publishOne(p: RealPackage, first: boolean): Promise<void> {
    const scope = p.name.startsWith('@') ? p.name.split('/')[0]! : undefined;
    let key: PrivateKey | undefined;
    if (scope) {
      key = scopeKeys.get(scope) ?? generateKey('ed25519');
      scopeKeys.set(scope, key);
    }
    const purl = `pkg:npm/${p.name.replace('@', '%40')}@${p.version}`;
    const digests = {
      sha256: createHash('sha256').update(p.bytes).digest('hex'),
      sha512: createHash('sha512').update(p.bytes).digest('hex'),
    };
    try {
      await publishRelease(ctx, {
        filename: `${p.name.split('/').pop()}-${p.version}.tgz`,
        artifact: p.bytes,
        bundle: key ? signRelease({ purl, digests, key }) : null,
        ...(key && first
          ? {
              keyEvents: [
                buildKeyEvent(
                  {
                    namespace: `pkg:npm/${p.name.replace('@', '%40')}`,
                    previous: null,
                    action: 'add',
                    keys: [key.publicKey],
                    reason: 'first publish',
                  },
                  [key],
                ).envelope,
              ],
            }
          : {}),
      });
      published.push(p);
    } catch (e) {
      refused.push(`${p.name}@${p.version}: ${(e as Error).message}`);
    }
  }
  project = join(dir, 'project');
  mkdirSync(project);
}, 120_000);

afterAll(async () => {
  await registry?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('a real project tree', () => {
  it('publishes several hundred real npm tarballs', () => {
    expect(packages.length).toBeGreaterThanOrEqual(MIN_PACKAGES);
    // Every real tarball is accepted (a refusal names the package and why).
    expect(refused).toEqual([]);
    expect(published.length).toBe(packages.length);
  });

  it('`sigil verify package-lock.json` passes: scoped packages author-signed and ledger-authorised, the rest countersigned', async () => {
    const lock = writeLock(published);
    const r = await runCli(['verify', lock, '--server', url, '--json'], {
      SIGIL_CONFIG_DIR: join(dir, 'cfg'),
    });
    const report = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    const scoped = published.filter((p) => p.name.startsWith('@')).length;
    expect(report.counts).toEqual({
      verified: scoped,
      unsigned: published.length - scoped,
      failed: 0,
      skipped: 0,
    });
    for (const d of report.dependencies.filter(
      (x: { status: string }) => x.status === 'verified',
    )) {
      expect(d.checks.map((c: { code: string }) => c.code)).toEqual(
        expect.arrayContaining([
          'DIGEST_MATCH',
          'AUTHOR_SIGNATURE_VALID',
          'KEY_AUTHORISED',
          'COUNTERSIGNATURE_VALID',
          'REGISTRY_SIGNATURE_VALID',
          'INCLUSION_PROOF_VALID',
        ]),
      );
    }
  });

  it('one tampered integrity fails the run and is named', async () => {
    const victim = published.find((p) => p.name.startsWith('@')) ?? published[0]!;
    const lock = writeLock(published, `${victim.name}@${victim.version}`);
    const r = await runCli(['verify', lock, '--server', url], {
      SIGIL_CONFIG_DIR: join(dir, 'cfg'),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1 FAILED/);
    expect(r.stdout).toContain(`${victim.name}@${victim.version}`);
    expect(r.stdout).toMatch(/lockfile sha512-BwcH.* ≠ signed sha512-/);
  });
});
