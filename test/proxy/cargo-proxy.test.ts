// Interop: the real cargo locks, fetches and builds a project whose crates were never published
// to Sigil, through `sigil serve --upstream cargo=<static sparse index>` and source replacement
// of crates-io. The upstream is a folder laid out as a sparse index (config.json, index files,
// .crate files made by `cargo package` here) behind a plain HTTP server; cargo itself first
// uses it directly to package the crate that depends on the other.
// Then: Cargo.lock's checksums are the observed records' sha256; `sigil verify Cargo.lock`
// reports them logged; an upstream that republishes a crate yields a conflict record while
// cargo still gets the logged bytes; upstream failures (500, timeout, wrong cksum) answer an
// error naming the upstream and log nothing; a private name is never asked upstream.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexPath } from '../../src/registry/personalities/cargo/index-path.js';
import type { Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import {
  conflictsAt,
  openProxied,
  sendBytes,
  statementOf,
  StaticUpstream,
} from './static-upstream.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { CARGO, crateManifest, runCargo, writeFiles } from '../helpers/cargo-client.js';

const FILE = 'test/proxy/cargo-proxy.test.ts';
const cargo = needsProgram(CARGO, ['--version'], 'rustup (cargo ≥ 1.68)', FILE);

const manifest = (name: string, version: string, deps = '') =>
  crateManifest(name, version, deps, 'sigil proxy test crate');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** A static sparse index: crates and index lines; faults on demand. */
class StaticSparse extends StaticUpstream {
  readonly crates = new Map<string, Buffer>(); // "<name>-<version>"
  readonly lines = new Map<string, Record<string, unknown>[]>(); // lower name → lines
  readonly listedCksum = new Map<string, string>();
  protected readonly root = '/index';

  add(name: string, version: string, crate: Buffer, deps: Record<string, unknown>[] = []): void {
    this.crates.set(`${name}-${version}`, crate);
    const lines = (this.lines.get(name.toLowerCase()) ?? []).filter((l) => l['vers'] !== version);
    lines.push({
      name,
      vers: version,
      deps,
      cksum: sha256(crate),
      features: {},
      yanked: false,
      links: null,
      v: 2,
    });
    this.lines.set(name.toLowerCase(), lines);
  }

  protected serve(path: string, res: ServerResponse): void {
    if (path === '/index/config.json')
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ dl: `${this.url.replace(/\/index$/, '')}/dl/{crate}/{version}` }));
    const m = /^\/dl\/([^/]+)\/([^/]+)$/.exec(path);
    if (m) {
      return sendBytes(res, this.crates.get(`${m[1]}-${m[2]}`));
    }
    const name = path.slice(path.lastIndexOf('/') + 1);
    const lines = this.lines.get(name);
    if (!path.startsWith('/index/') || !lines || `/index/${indexPath(name)}` !== path)
      return void res.writeHead(404).end();
    res.writeHead(200).end(
      lines
        .map((l) =>
          JSON.stringify({
            ...l,
            cksum: this.listedCksum.get(`${String(l['name'])}-${String(l['vers'])}`) ?? l['cksum'],
          }),
        )
        .join('\n') + '\n',
    );
  }
}

describe.skipIf(skipUnlessPresent(cargo))('cargo through the verifying proxy', () => {
  let root: string;
  let up: StaticSparse;
  let reg: Registry;
  let url: string;
  let homes = 0;
  const home = (index: string) => {
    const h = join(root, `cargo-home-${homes++}`);
    writeFiles(h, {
      'config.toml': `[source.crates-io]\nreplace-with = "mirror"\n\n[source.mirror]\nregistry = "sparse+${index}/"\n`,
    });
    return { CARGO_HOME: h, CARGO_TARGET_DIR: join(root, 'target') };
  };
  const cratePath = (dir: string, name: string, version: string) =>
    join(root, 'target', 'package', `${name}-${version}.crate`);
  let depCrate: Buffer;
  let midCrate: Buffer;
  let app: string;

  const packageCrate = async (dir: string, name: string, version: string, index: string) => {
    const r = await runCargo(['package', '--no-verify', '--allow-dirty'], dir, home(index));
    if (r.code !== 0) throw new Error(`cargo package ${name}: ${r.out}`);
    return readFileSync(cratePath(dir, name, version));
  };

  beforeAll(async () => {
    cargo.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-cargo-proxy-'));
    up = new StaticSparse();
    await up.start();
    const dep = writeFiles(join(root, 'pt-dep'), {
      'Cargo.toml': manifest('pt-dep', '1.0.0'),
      'src/lib.rs': 'pub fn name() -> &\'static str { "dep" }\n',
    });
    depCrate = await packageCrate(dep, 'pt-dep', '1.0.0', up.url);
    up.add('pt-dep', '1.0.0', depCrate);
    const mid = writeFiles(join(root, 'pt-mid'), {
      'Cargo.toml': manifest('pt-mid', '0.2.0', 'pt-dep = "1"\n'),
      'src/lib.rs': 'pub fn hello() -> String { format!("hello {}", pt_dep::name()) }\n',
    });
    midCrate = await packageCrate(mid, 'pt-mid', '0.2.0', up.url); // cargo resolves pt-dep on the upstream itself
    up.add('pt-mid', '0.2.0', midCrate, [
      {
        name: 'pt-dep',
        req: '^1',
        features: [],
        optional: false,
        default_features: true,
        target: null,
        kind: 'normal',
        registry: null,
      },
    ]);
    up.add('pt-gamma', '0.1.0', depCrate); // bytes of another crate: refused by the identity check unless faults come first
    up.add('pt-private', '0.1.0', depCrate);
    ({ reg, url } = await openProxied(root, 'cargo', up.url, ['pkg:cargo/pt-private']));
    app = writeFiles(join(root, 'app'), {
      'Cargo.toml': `[package]\nname = "app"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\npt-mid = "0.2"\n`,
      'src/main.rs': 'fn main() { println!("{}", pt_mid::hello()); }\n',
    });
  }, 240_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('cargo generate-lockfile, fetch and build --offline through Sigil; Cargo.lock checksums are the observed records; sigil verify reports them logged', async () => {
    const env = home(`${url}/cargo/index`);
    for (const args of [['generate-lockfile'], ['fetch'], ['build', '--offline']]) {
      const r = await runCargo(args, app, env);
      expect(r.code, `cargo ${args.join(' ')}: ${r.out}`).toBe(0);
    }
    const lock = readFileSync(join(app, 'Cargo.lock'), 'utf8');
    for (const [name, version, bytes] of [
      ['pt-dep', '1.0.0', depCrate],
      ['pt-mid', '0.2.0', midCrate],
    ] as const) {
      const row = reg.store.get(`pkg:cargo/${name}@${version}`);
      expect(row, name).toBeDefined();
      expect(row!.sha256).toBe(sha256(bytes));
      expect(row!.authorBundle).toBeNull();
      expect(lock).toContain(
        `name = "${name}"\nversion = "${version}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\nchecksum = "${row!.sha256}"`,
      );
      const st = statementOf(row!);
      expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
      expect(st.predicate.upstream).toBe(up.url);
      expect(st.predicate.artifactUrl).toBe(
        `${up.url.replace(/\/index$/, '')}/dl/${name}/${version}`,
      );
    }
    const bin = await runCargo(['run', '--offline', '-q'], app, env);
    expect(bin.out.trim()).toBe('hello dep');

    const cfg = { SIGIL_CONFIG_DIR: join(root, 'cfg') };
    const v = await runCli(['verify', join(app, 'Cargo.lock'), '--server', url, '--json'], cfg);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as {
      kinds: Record<string, number>;
      dependencies: { level: string; reason: string }[];
    };
    expect(report.kinds['observed']).toBe(2);
    for (const d of report.dependencies) {
      expect(d.level).toBe('logged');
      expect(d.reason).toContain(`from ${up.url}`);
    }
  }, 300_000);

  it('an upstream that republishes a crate: a conflict record is logged, cargo still gets the logged bytes', async () => {
    const evil = writeFiles(join(root, 'evil', 'pt-dep'), {
      'Cargo.toml': manifest('pt-dep', '1.0.0'),
      'src/lib.rs': 'pub fn name() -> &\'static str { "evil" }\n',
    });
    const evilCrate = await packageCrate(evil, 'pt-dep', '1.0.0', up.url);
    expect(sha256(evilCrate)).not.toBe(sha256(depCrate));
    up.add('pt-dep', '1.0.0', evilCrate);
    const index = await (await fetch(`${url}/cargo/index/pt/-d/pt-dep`)).text();
    expect(JSON.parse(index.trim()).cksum).toBe(sha256(depCrate));
    expect(await conflictsAt(url)).toEqual([['pkg:cargo/pt-dep@1.0.0', up.url]]);
    // A fresh CARGO_HOME fetches the locked crates again: the logged bytes, which match Cargo.lock.
    const env = home(`${url}/cargo/index`);
    const r = await runCargo(['fetch', '--locked'], app, env);
    expect(r.code, r.out).toBe(0);
    const dl = await fetch(`${url}/cargo/api/v1/crates/pt-dep/1.0.0/download`);
    expect(sha256(Buffer.from(await dl.arrayBuffer()))).toBe(sha256(depCrate));
  }, 240_000);

  it('upstream failures (500, timeout, wrong cksum) answer an error naming the upstream and log nothing', async () => {
    const dl = `${url}/cargo/api/v1/crates/pt-gamma/0.1.0/download`;
    const nothingLogged = () => expect(reg.store.get('pkg:cargo/pt-gamma@0.1.0')).toBeUndefined();
    const detail = async (r: Response) =>
      ((await r.json()) as { errors: { detail: string }[] }).errors[0]!.detail;

    up.fault = { path: '/index/pt/-g/', kind: '500' };
    let r = await fetch(`${url}/cargo/index/pt/-g/pt-gamma`);
    expect(r.status).toBe(502);
    expect(await detail(r)).toContain(`Cargo upstream ${up.url} answered 500`);
    r = await fetch(dl);
    expect(r.status).toBe(502);
    nothingLogged();

    up.fault = { path: '/dl/pt-gamma', kind: 'slow' };
    r = await fetch(dl);
    expect(r.status).toBe(504);
    expect(await detail(r)).toContain(`Cargo upstream ${up.url} did not answer within 1000 ms`);
    nothingLogged();

    up.fault = undefined;
    up.listedCksum.set('pt-gamma-0.1.0', sha256(midCrate));
    r = await fetch(dl);
    expect(r.status).toBe(502);
    expect(await detail(r)).toMatch(
      /cargo upstream .* whose sha256 is not the one its own index lists/,
    );
    nothingLogged();

    // With the right cksum the bytes are still another crate's (pt-dep): refused, nothing logged.
    up.listedCksum.delete('pt-gamma-0.1.0');
    r = await fetch(dl);
    expect(r.status).toBe(502);
    expect(await detail(r)).toContain(
      'served pkg:cargo/pt-dep@1.0.0 when asked for pkg:cargo/pt-gamma@0.1.0',
    );
    nothingLogged();
  }, 60_000);

  it('a private name is never asked upstream', async () => {
    const before = up.requests.length;
    expect((await fetch(`${url}/cargo/index/pt/-p/pt-private`)).status).toBe(404);
    expect((await fetch(`${url}/cargo/api/v1/crates/pt-private/0.1.0/download`)).status).toBe(404);
    expect(up.requests.slice(before).filter((p) => p.includes('private'))).toEqual([]);
  });
});
