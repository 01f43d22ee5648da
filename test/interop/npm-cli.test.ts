// Interop: the real npm CLI against `sigil serve`'s npm personality.
//
// 1. `npm publish` four packages that depend on each other (one scoped, one with two versions),
//    plus one release published through Sigil's own API with an author signature;
// 2. `npm install` them into a fresh project;
// 3. `npm audit signatures` → every package has a verified registry signature, exit 0;
// 4. tamper with ONE stored registry signature (the row in registry.sqlite) → exit 1 naming it;
// 5. serve a different key under the same keyid at /-/npm/v1/keys → exit 1.
//
// npm is isolated from this machine's config (NPM_CONFIG_USERCONFIG → a temp .npmrc holding only
// the registry and its token, a fresh NPM_CONFIG_CACHE). `npm audit signatures` runs with the offline
// TUF shim (test/npm/offline-tuf-shim.cjs, loaded with --require): npm asks the Sigstore TUF
// repository for this registry's keys first and only falls back to /-/npm/v1/keys when TUF answers
// "no such target" — which is what the real TUF service answers for any private registry — but this
// machine cannot reach tuf-repo-cdn.sigstore.dev. The shim gives that same answer offline; the key
// fetch, the packuments and the signature checks are npm's own code.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { skipUnlessPresent } from '../helpers/real-program.js';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { parseNpmKeys, verifyNpmPackument } from '../../src/foreign/npm-registry/index.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { npmPack } from '../helpers/npm-pack.js';
import {
  isolatedNpm,
  npmProgram,
  OFFLINE_TUF_SHIM,
  runNpm,
  writePackage,
  type NpmEnv,
} from '../npm/npm-cli.js';

describe.skipIf(skipUnlessPresent(npmProgram))('the real npm CLI against sigil serve', () => {
  let dir: string;
  let registry: Registry;
  let url: string;
  let npm: NpmEnv;
  let project: string;
  const audit = (env: NpmEnv = npm, registryUrl = url) =>
    runNpm(['audit', 'signatures', '--registry', `${registryUrl}/`], project, env.env, {
      NODE_OPTIONS: `--require ${OFFLINE_TUF_SHIM}`,
    });

  beforeAll(async () => {
    npmProgram.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-npm-cli-'));
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 5,
    });
    url = await registry.listen();
    npm = isolatedNpm(join(dir, 'npm'), url, registry.adminToken);

    const pkgs = [
      { name: 'sigil-base', version: '1.0.0' },
      { name: 'sigil-base', version: '1.1.0' },
      { name: 'sigil-util', version: '1.0.0', dependencies: { 'sigil-base': '^1.0.0' } },
      { name: '@sigil-test/core', version: '2.0.0', dependencies: { 'sigil-util': '^1.0.0' } },
      {
        name: 'sigil-app',
        version: '1.0.0',
        dependencies: {
          '@sigil-test/core': '^2.0.0',
          'sigil-base': '~1.0.0',
          'sigil-signed': '^3.0.0',
        },
      },
    ];
    for (const m of pkgs) {
      const r = await runNpm(
        ['publish', '--registry', `${url}/`, '--access', 'public'],
        writePackage(join(dir, 'src'), { description: 'test', license: 'MIT', ...m }),
        npm.env,
      );
      expect(r.stderr + r.stdout).toContain(`+ ${m.name}@${m.version}`);
      expect(r.code).toBe(0);
    }

    // One release through Sigil's own API, signed by its author (first publish: the self-signed `add`).
    const author = generateKey();
    const packed = npmPack(join(dir, 'packed'), { name: 'sigil-signed', version: '3.0.0' });
    const bytes = readFileSync(packed.path);
    const bundle = JSON.parse(
      serializeBundle(
        signRelease({
          purl: 'pkg:npm/sigil-signed@3.0.0',
          digests: digestBytes(bytes),
          key: author,
        }),
      ),
    );
    const keyEvent = buildKeyEvent(
      {
        namespace: 'pkg:npm/sigil-signed',
        previous: null,
        action: 'add',
        keys: [author.publicKey],
        reason: 'first publish',
      },
      [author],
    ).envelope;
    const res = await fetch(`${url}/api/v1/publish`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${registry.adminToken}`,
      },
      body: JSON.stringify({
        filename: 'sigil-signed-3.0.0.tgz',
        artifact: bytes.toString('base64'),
        bundle,
        keyEvents: [keyEvent],
      }),
    });
    expect(res.status).toBe(201);

    project = writePackage(dir, {
      name: 'project',
      version: '0.0.0',
      private: true,
      dependencies: { 'sigil-app': '^1.0.0' },
    });
  }, 180_000);

  afterAll(async () => {
    await registry?.close();
  });

  it('npm install resolves the dependency tree from the registry', async () => {
    const r = await runNpm(
      ['install', '--registry', `${url}/`, '--no-audit', '--no-fund'],
      project,
      npm.env,
    );
    expect(r.code, r.stderr).toBe(0);
    for (const p of ['sigil-app', 'sigil-util', 'sigil-base', '@sigil-test/core', 'sigil-signed'])
      expect(existsSync(join(project, 'node_modules', p, 'package.json')), p).toBe(true);
    // ~1.0.0 from sigil-app and ^1.0.0 from sigil-util: npm dedupes to one copy that satisfies both.
    expect(
      JSON.parse(readFileSync(join(project, 'node_modules', 'sigil-base', 'package.json'), 'utf8'))
        .version,
    ).toBe('1.0.0');
    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8'));
    expect(lock.packages['node_modules/@sigil-test/core'].resolved).toBe(
      `${url}/@sigil-test/core/-/core-2.0.0.tgz`,
    );
  });

  it('npm audit signatures: every installed package has a verified registry signature (exit 0)', async () => {
    const r = await audit();
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 packages have verified registry signatures/);
    expect(r.stderr).toContain('Fetching directly from'); // the /-/npm/v1/keys path, not TUF
  });

  it('our own npm-signature verifier agrees, and the author bundle is reachable from the packument', async () => {
    const keys = parseNpmKeys(await (await fetch(`${url}/-/npm/v1/keys`)).json());
    expect(keys).toHaveLength(1);
    for (const name of ['sigil-base', '@sigil-test/core', 'sigil-signed']) {
      const doc = await (
        await fetch(`${url}/${name.replace('/', '%2f')}`, {
          headers: { accept: 'application/json' },
        })
      ).json();
      const verdicts = verifyNpmPackument(doc, keys);
      expect(verdicts.length).toBeGreaterThan(0);
      for (const v of verdicts)
        expect(v.checks.map((c) => c.code)).toEqual(['NPM_SIGNATURE_VALID']);
    }
    // JSON documents read in a test: typed loosely on purpose.
    const json = async (u: string): Promise<any> => (await fetch(u)).json();
    const signed = await json(`${url}/sigil-signed`);
    const dist = signed.versions['3.0.0'].dist;
    expect(dist.sigil.bundle).toBe(`${url}/sigil-signed/-/sigil-signed-3.0.0.tgz.sigstore.json`);
    const bundle = await json(dist.sigil.bundle);
    expect(bundle.dsseEnvelope.payloadType).toBe('application/vnd.in-toto+json');
    const record = await json(dist.sigil.record);
    expect(record.purl).toBe('pkg:npm/sigil-signed@3.0.0');
  });

  it('what npm shows when the registry refuses: an existing version, an unsigned publish to a signed package', async () => {
    const again = await runNpm(
      ['publish', '--registry', `${url}/`],
      writePackage(join(dir, 'again'), { name: 'sigil-base', version: '1.0.0' }),
      npm.env,
    );
    expect(again.code).not.toBe(0);
    // npm 11 reads the packument first and refuses on its own; the registry's 403 (test/npm) answers other clients and races.
    expect(again.stderr).toMatch(
      /npm error You cannot publish over the previously published versions: 1\.0\.0\./,
    );
    const unsigned = await runNpm(
      ['publish', '--registry', `${url}/`],
      writePackage(join(dir, 'unsigned'), { name: 'sigil-signed', version: '3.0.1' }),
      npm.env,
    );
    expect(unsigned.code).not.toBe(0);
    expect(unsigned.stderr).toMatch(
      /403 Forbidden - PUT .*sigil-signed - sigil-signed only accepts releases signed by its authors, and `npm publish` cannot sign \(hint: npm pack && sigil publish sigil-signed-3\.0\.1\.tgz --key/,
    );
  });

  it('a tampered stored registry signature: npm audit signatures exits 1 naming the package', async () => {
    const db = registry.store.db;
    const purl = 'pkg:npm/sigil-util@1.0.0';
    const original = (
      db.prepare('SELECT registry_signature AS s FROM release WHERE purl = ?').get(purl) as {
        s: string;
      }
    ).s;
    const sig = JSON.parse(original) as { keyid: string; sig: string };
    const der = Buffer.from(sig.sig, 'base64');
    der[der.length - 3]! ^= 0x01; // flip one bit of s
    db.prepare('UPDATE release SET registry_signature = ? WHERE purl = ?').run(
      JSON.stringify({ ...sig, sig: der.toString('base64') }),
      purl,
    );
    try {
      const r = await audit();
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/1 package has an invalid registry signature/);
      expect(r.stdout).toContain('sigil-util@1.0.0');
      expect(r.stdout).not.toContain('sigil-base@1.0.0 (');
    } finally {
      db.prepare('UPDATE release SET registry_signature = ? WHERE purl = ?').run(original, purl);
    }
    expect((await audit()).code).toBe(0);
  });

  it('a tampered key list (another key under the same keyid at /-/npm/v1/keys): exit 1', async () => {
    const other = generateKey('ecdsa-p256')
      .publicKey.key.export({ type: 'spki', format: 'der' })
      .toString('base64');
    const real = new URL(url);
    // A proxy in front of the registry that changes only the key list.
    const proxy: Server = createServer((req, res) => {
      const up = request(
        {
          host: real.hostname,
          port: real.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: real.host },
        },
        (ur) => {
          if (req.url === '/-/npm/v1/keys') {
            let body = '';
            ur.on('data', (d: Buffer) => (body += d.toString()));
            ur.on('end', () => {
              const doc = JSON.parse(body) as { keys: { key: string }[] };
              for (const k of doc.keys) k.key = other;
              const out = JSON.stringify(doc);
              res.writeHead(200, {
                'content-type': 'application/json',
                'content-length': Buffer.byteLength(out),
              });
              res.end(out);
            });
            return;
          }
          res.writeHead(ur.statusCode ?? 502, ur.headers);
          ur.pipe(res);
        },
      );
      req.pipe(up);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    try {
      const r = await audit(isolatedNpm(join(dir, 'npm-proxy'), proxyUrl), proxyUrl);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(/5 packages have invalid registry signatures/);
      expect(r.stdout).toContain('sigil-util@1.0.0');
    } finally {
      await new Promise((r) => proxy.close(r));
    }
  });
});

// Keep the temp .npmrc honest: a test above would pass vacuously if npm read the machine's config.
describe.skipIf(skipUnlessPresent(npmProgram))('npm isolation', () => {
  it('isolatedNpm writes only the registry, token and quiet flags', () => {
    const d = mkdtempSync(join(tmpdir(), 'sigil-npmrc-'));
    const e = isolatedNpm(d, 'http://127.0.0.1:9/', 'sgl_x');
    expect(readFileSync(e.npmrc, 'utf8')).toContain('//127.0.0.1:9/:_authToken=sgl_x');
    expect(e.env['NPM_CONFIG_CACHE']).toBe(join(d, 'cache'));
  });
});
