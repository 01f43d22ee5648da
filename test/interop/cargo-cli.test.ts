// Interop: cargo 1.95 (rustup's, ~/.cargo/bin/cargo on this machine image) publishes to and
// installs from `sigil serve` as a sparse registry, unchanged.
//
// 1. `cargo publish --registry sigil` of two crates, one depending on the other (token in
//    CARGO_REGISTRIES_SIGIL_TOKEN); a republish with other bytes is refused in cargo's output.
// 2. A project using `[registries]`: `cargo generate-lockfile`, `cargo fetch`, `cargo build
//    --offline` succeed; Cargo.lock's checksums are the sha256 in Sigil's release records;
//    `sigil verify Cargo.lock --server` passes.
// 3. A crate altered in transit (a proxy in front of Sigil flips a byte in the .crate download,
//    index passed through) makes cargo fail with its own checksum error; nothing is unpacked.
// 4. A tampered stored crate is never served (the blob store checks every read): cargo gets a
//    500 and fetches nothing.
// Every cargo run gets a fresh CARGO_HOME under the test's temp dir.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { CARGO, crateManifest, runCargo, writeFiles } from '../helpers/cargo-client.js';
import { overwriteStoredBlob } from '../helpers/stored-blob.js';
import { startTamperProxy } from '../helpers/tamper-proxy.js';

const FILE = 'test/interop/cargo-cli.test.ts';
const cargo = needsProgram(
  CARGO,
  ['--version'],
  'rustup (cargo ≥ 1.68 for sparse registries)',
  FILE,
);

let reg: Registry;
let url: string;
let root: string;
let homes = 0;

function cargoHome(base = url): string {
  const home = join(root, `cargo-home-${homes++}`);
  mkdirSync(home, { recursive: true });
  writeFileSync(
    join(home, 'config.toml'),
    `[registries.sigil]\nindex = "sparse+${base}/cargo/index/"\n`,
  );
  return home;
}

const manifest = (name: string, version: string, deps = '') => crateManifest(name, version, deps);

describe.skipIf(skipUnlessPresent(cargo))('cargo against sigil serve (sparse registry)', () => {
  beforeAll(async () => {
    cargo.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-cargo-'));
    reg = await openRegistry({
      dataDir: join(root, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
    });
    url = await reg.listen();
  });
  afterAll(async () => {
    await reg?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const env = (home: string) => ({
    CARGO_HOME: home,
    CARGO_TARGET_DIR: join(root, 'target'),
    CARGO_REGISTRIES_SIGIL_TOKEN: reg.adminToken!,
    CARGO_NET_GIT_FETCH_WITH_CLI: 'false',
  });

  it('cargo publish: two crates, one depending on the other; other bytes for a published version are refused', async () => {
    const home = cargoHome();
    const a = writeFiles(join(root, 'sigil-liba'), {
      'Cargo.toml': manifest('sigil-liba', '0.1.0'),
      'src/lib.rs': 'pub fn hello() -> &\'static str { "hello from liba" }\n',
    });
    const pa = await runCargo(
      ['publish', '--registry', 'sigil', '--no-verify', '--allow-dirty'],
      a,
      env(home),
    );
    expect(pa.code, pa.out).toBe(0);
    const b = writeFiles(join(root, 'sigil_libb'), {
      'Cargo.toml': manifest(
        'sigil_libb',
        '0.2.0',
        'sigil-liba = { version = "0.1", registry = "sigil" }\n',
      ),
      'src/lib.rs': 'pub fn both() -> String { format!("{} via libb", sigil_liba::hello()) }\n',
    });
    const pb = await runCargo(
      ['publish', '--registry', 'sigil', '--no-verify', '--allow-dirty'],
      b,
      env(home),
    );
    expect(pb.code, pb.out).toBe(0);

    const line = JSON.parse(
      (await (await fetch(`${url}/cargo/index/si/gi/sigil_libb`)).text()).trim(),
    );
    expect(line).toMatchObject({
      name: 'sigil_libb',
      vers: '0.2.0',
      yanked: false,
      deps: [{ name: 'sigil-liba', req: '^0.1', kind: 'normal', registry: null }],
    });
    expect(line.cksum).toBe(reg.store.get('pkg:cargo/sigil_libb@0.2.0')!.sha256);

    writeFileSync(join(a, 'src/lib.rs'), 'pub fn hello() -> &\'static str { "evil" }\n');
    const again = await runCargo(
      ['publish', '--registry', 'sigil', '--no-verify', '--allow-dirty'],
      a,
      env(home),
    );
    expect(again.code).not.toBe(0);
    expect(again.out).toMatch(/already (uploaded|exists)/);
  }, 240_000);

  it("a project using [registries] locks, fetches and builds offline; Cargo.lock checksums are Sigil's records; sigil verify passes", async () => {
    const home = cargoHome();
    const app = writeFiles(join(root, 'app'), {
      'Cargo.toml': manifest(
        'app',
        '0.0.1',
        'sigil_libb = { version = "0.2", registry = "sigil" }\n',
      ),
      'src/main.rs': 'fn main() { println!("{}", sigil_libb::both()); }\n',
    });
    for (const args of [['generate-lockfile'], ['fetch'], ['build', '--offline']]) {
      const r = await runCargo(args, app, env(home));
      expect(r.code, `cargo ${args.join(' ')}: ${r.out}`).toBe(0);
    }
    const lock = readFileSync(join(app, 'Cargo.lock'), 'utf8');
    for (const [name, version] of [
      ['sigil-liba', '0.1.0'],
      ['sigil_libb', '0.2.0'],
    ] as const) {
      const sha = reg.store.get(`pkg:cargo/${name}@${version}`)!.sha256;
      expect(lock).toContain(
        `name = "${name}"\nversion = "${version}"\nsource = "sparse+${url}/cargo/index/"\nchecksum = "${sha}"`,
      );
    }
    const v = await runCli(['verify', join(app, 'Cargo.lock'), '--server', url, '--json'], {
      SIGIL_CONFIG_DIR: join(root, 'sigil-config'),
    });
    expect(v.code, v.stdout + v.stderr).toBe(0);
  }, 300_000);

  it('a crate altered in transit makes cargo fail with its own checksum error and unpack nothing', async () => {
    const proxy = await startTamperProxy(url, (path) => path.endsWith('/download'));
    try {
      const home = cargoHome(proxy.url);
      const app = writeFiles(join(root, 'app-mitm'), {
        'Cargo.toml': manifest(
          'app-mitm',
          '0.0.1',
          'sigil-liba = { version = "0.1", registry = "sigil" }\n',
        ),
        'src/main.rs': 'fn main() { println!("{}", sigil_liba::hello()); }\n',
      });
      const r = await runCargo(['fetch'], app, env(home));
      expect(r.code, r.out).not.toBe(0);
      expect(proxy.tampered).toEqual(['/cargo/api/v1/crates/sigil-liba/0.1.0/download']);
      expect(r.out).toContain('failed to verify the checksum of `sigil-liba v0.1.0');
      // Nothing unpacked: no source folder for the crate under this CARGO_HOME.
      const src = join(home, 'registry', 'src');
      const unpacked = existsSync(src)
        ? readdirSync(src).flatMap((d) => readdirSync(join(src, d)))
        : [];
      expect(unpacked).toEqual([]);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('a tampered stored crate is never served: cargo gets a 500 and fetches nothing', async () => {
    const row = reg.store.get('pkg:cargo/sigil-liba@0.1.0')!;
    overwriteStoredBlob(
      reg.store,
      row.sha256,
      Buffer.concat([reg.store.readBlob(row.sha256)!, Buffer.alloc(16)]),
    );
    const r = await runCargo(['fetch'], join(root, 'app'), env(cargoHome()));
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/\b500\b/);
    const served = await reg.app.inject('/cargo/api/v1/crates/sigil-liba/0.1.0/download');
    expect(served.statusCode).toBe(500);
    expect(served.body).toContain('does not match its digest is never served');
  }, 120_000);

  it('cargo search, cargo owner --list/--add/--remove and cargo yank/--undo work through the API, each under the auth rules', async () => {
    const home = cargoHome();
    const cwd = root;
    const search = await runCargo(['search', '--registry', 'sigil', 'sigil-lib'], cwd, env(home));
    expect(search.code, search.out).toBe(0);
    expect(search.out).toContain('sigil-liba = "0.1.0"');
    expect(search.out).toContain('sigil_libb = "0.2.0"');

    await reg.auth.createAccount('bob');
    const owner = (...a: string[]) =>
      runCargo(['owner', '--registry', 'sigil', ...a], cwd, env(home));
    const add = await owner('--add', 'bob', 'sigil-liba');
    expect(add.code, add.out).toBe(0);
    expect((await owner('--list', 'sigil-liba')).out).toContain('bob');
    // bob may now publish sigil-liba: ownership is the registry's publish grant
    const bobToken = (await reg.auth.createToken('bob')).token;
    expect(
      (
        await fetch(`${url}/cargo/api/v1/crates/sigil-liba/owners`, {
          headers: { authorization: bobToken },
        })
      ).status,
    ).toBe(200);
    const nobody = await owner('--add', 'nobody', 'sigil-liba');
    expect(nobody.code).not.toBe(0);
    expect(nobody.out).toContain('there is no account "nobody"');
    const rm = await owner('--remove', 'bob', 'sigil-liba');
    expect(rm.code, rm.out).toBe(0);
    expect((await owner('--list', 'sigil-liba')).out).not.toContain('bob');
    // someone who is not an owner may not change the owners
    const asBob = await runCargo(
      ['owner', '--registry', 'sigil', '--add', 'bob', 'sigil-liba'],
      cwd,
      {
        ...env(home),
        CARGO_REGISTRIES_SIGIL_TOKEN: bobToken,
      },
    );
    expect(asBob.code).not.toBe(0);
    expect(asBob.out).toMatch(/403/);

    // yank: a logged event; the index marks the version, the bytes stay downloadable
    const size = async () =>
      Number((await (await fetch(`${url}/log/checkpoint`)).text()).split('\n')[1]);
    const before = await size();
    const y = await runCargo(
      ['yank', '--registry', 'sigil', '--version', '0.2.0', 'sigil_libb'],
      cwd,
      env(home),
    );
    expect(y.code, y.out).toBe(0);
    expect(await size()).toBe(before + 1);
    const line = async () =>
      JSON.parse((await (await fetch(`${url}/cargo/index/si/gi/sigil_libb`)).text()).trim()) as {
        yanked: boolean;
      };
    expect((await line()).yanked).toBe(true);
    expect(
      (await runCargo(['search', '--registry', 'sigil', 'sigil_libb'], cwd, env(home))).out,
    ).not.toContain('sigil_libb = "0.2.0"');
    expect((await fetch(`${url}/cargo/api/v1/crates/sigil_libb/0.2.0/download`)).status).toBe(200);
    const u = await runCargo(
      ['yank', '--registry', 'sigil', '--version', '0.2.0', '--undo', 'sigil_libb'],
      cwd,
      env(home),
    );
    expect(u.code, u.out).toBe(0);
    expect((await line()).yanked).toBe(false);
  }, 180_000);
});
