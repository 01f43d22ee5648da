// Interop: the real `go` command fetches public modules through Sigil's GOPROXY and GOSUMDB
// with a Go upstream (`sigil serve --upstream golang=<static GOPROXY>`), and NO GONOSUMDB:
// Sigil fetches the zip and .mod from the upstream, checks them, computes the h1: hashes,
// logs an observed record and appends the go.sum record to its checksum database — what
// sum.golang.org does on a miss. The static GOPROXY is written by the go command's own zip
// code (goproxy-static/main.go: golang.org/x/mod/zip.CreateFromDir) and served as files.
// Also: a module hosted on Sigil is never fetched upstream, and a policy refusal is printed by go.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModuleZip } from '../../src/ecosystems/golang/make-zip.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const goProgram = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go golang-golang-x-mod-dev',
  'test/proxy/go-proxy.test.ts',
);
const SUMDB_NAME = 'proxy.test/go';

interface Mod {
  path: string;
  version: string;
  files: Record<string, string>;
}
const dep: Mod = {
  path: 'example.com/dep',
  version: 'v1.2.0',
  files: {
    'go.mod': 'module example.com/dep\n\ngo 1.19\n',
    'dep.go': 'package dep\n\nfunc Name() string { return "dep" }\n',
  },
};
const pub: Mod = {
  path: 'example.com/Pub/lib',
  version: 'v1.0.0',
  files: {
    'go.mod': 'module example.com/Pub/lib\n\ngo 1.19\n\nrequire example.com/dep v1.2.0\n',
    'lib.go':
      'package lib\n\nimport "example.com/dep"\n\nfunc Hello() string { return "hello " + dep.Name() }\n',
    LICENSE: 'MIT\n',
  },
};
const denied: Mod = {
  path: 'example.com/evil',
  version: 'v0.1.0',
  files: { 'go.mod': 'module example.com/evil\n\ngo 1.19\n', 'e.go': 'package evil\n' },
};
const hostedUpstream: Mod = {
  path: 'example.com/hosted',
  version: 'v1.9.9',
  files: {
    'go.mod': 'module example.com/hosted\n\ngo 1.19\n',
    'h.go': 'package hosted\n\nconst Evil = true\n',
  },
};
const hostedHere: Mod = {
  path: 'example.com/hosted',
  version: 'v1.0.0',
  files: { 'go.mod': 'module example.com/hosted\n\ngo 1.19\n', 'h.go': 'package hosted\n' },
};

function writeModule(root: string, m: Mod): string {
  const dir = join(root, `${m.path.replace(/\//g, '_')}@${m.version}`);
  for (const [name, content] of Object.entries(m.files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', args, { env, cwd, timeout: 120_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe.skipIf(skipUnlessPresent(goProgram))(
  'the go command through the Go pull-through proxy',
  () => {
    let work: string;
    let upstreamDir: string;
    let files: Server;
    let upstreamUrl: string;
    const requests: string[] = [];
    let registry: Registry;
    let url: string;

    const goEnv = (gopath: string): NodeJS.ProcessEnv => {
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const k of [
        'GOPRIVATE',
        'GONOSUMDB',
        'GONOPROXY',
        'GOINSECURE',
        'GOFLAGS',
        'GOPROXY',
        'GOSUMDB',
      ])
        delete env[k];
      return {
        ...env,
        GOENV: 'off',
        GO111MODULE: 'on',
        GOFLAGS: '-mod=mod',
        GOPATH: gopath,
        GOMODCACHE: join(gopath, 'pkg', 'mod'),
        GOCACHE: join(gopath, 'cache'),
        GOPROXY: `${url}/go`,
        GOSUMDB: `${registry.go.sumdb.vkey} ${url}/go/sumdb/${SUMDB_NAME}`,
      };
    };

    beforeAll(async () => {
      goProgram.require();
      work = mkdtempSync(join(tmpdir(), 'sigil-go-proxy-'));
      const bin = join(work, 'goproxy-static');
      execFileSync('go', ['build', '-o', bin, '.'], {
        cwd: join(import.meta.dirname, 'goproxy-static'),
        env: {
          ...process.env,
          GO111MODULE: 'off',
          GOPATH: `${join(work, 'gp')}:/usr/share/gocode`,
          GOCACHE: join(work, 'cache'),
          GOFLAGS: '',
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      upstreamDir = join(work, 'upstream');
      const src = join(work, 'src');
      const modules = [dep, pub, denied, hostedUpstream].map((m) => ({
        dir: writeModule(src, m),
        path: m.path,
        version: m.version,
        time: '2021-01-01T00:00:00Z',
      }));
      execFileSync(bin, [], { input: JSON.stringify({ out: upstreamDir, modules }) });
      files = createServer((req, res) => {
        const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
        requests.push(path);
        const file = join(upstreamDir, path.replace(/\/@latest$/, '/@v/list'));
        if (path.includes('..') || !existsSync(file) || path.endsWith('/'))
          return void res.writeHead(404).end('not found');
        res.writeHead(200).end(readFileSync(file));
      });
      await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
      upstreamUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
      registry = await openRegistry({
        dataDir: join(work, 'data'),
        host: '127.0.0.1',
        port: 0,
        openWrites: true,
        batchIntervalMs: 1,
        goSumdbName: SUMDB_NAME,
        proxy: parseProxyConfig(
          { upstreams: { golang: upstreamUrl }, policy: { deny: ['pkg:golang/example.com/evil'] } },
          'test',
        ),
      });
      url = await registry.listen();
      // One module hosted here: its other versions must never come from the upstream.
      const zip = makeModuleZip(writeModule(src, hostedHere), hostedHere.path, hostedHere.version);
      const r = await fetch(`${url}/api/v1/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          filename: 'v1.0.0.zip',
          artifact: zip.toString('base64'),
          bundle: null,
        }),
      });
      expect(r.status).toBe(201);
    }, 120_000);

    afterAll(async () => {
      await registry?.close();
      await new Promise<void>((resolve) => (files ? files.close(() => resolve()) : resolve()));
      if (work) rmSync(work, { recursive: true, force: true });
    });

    it("go get of a public module and its dependency: fetched, logged, checked by go against Sigil's checksum database (no GONOSUMDB)", async () => {
      const app = join(work, 'app');
      mkdirSync(app);
      writeFileSync(join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
      writeFileSync(
        join(app, 'main.go'),
        'package main\n\nimport (\n\t"fmt"\n\t"example.com/Pub/lib"\n)\n\nfunc main() { fmt.Println(lib.Hello()) }\n',
      );
      const env = goEnv(join(work, 'gopath'));
      const r = await run(['get', `${pub.path}@${pub.version}`], env, app);
      expect(r.status, r.stderr).toBe(0);
      const built = await run(['run', '.'], env, app);
      expect(built.stdout.trim(), built.stderr).toBe('hello dep');
      // go.sum holds exactly Sigil's checksum-database records, and both versions were looked up there.
      const sum = readFileSync(join(app, 'go.sum'), 'utf8');
      for (const m of [pub, dep]) {
        const lookup = await (
          await fetch(
            `${url}/go/sumdb/${SUMDB_NAME}/lookup/${m.path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`)}@${m.version}`,
          )
        ).text();
        const record = lookup.split('\n').slice(1, 3).join('\n');
        for (const line of record.split('\n')) expect(sum).toContain(line);
      }
      // Observed records in the registry's log, one per module version.
      const rec = (await (
        await fetch(
          `${url}/api/v1/releases/${encodeURIComponent('pkg:golang/example.com/Pub/lib@v1.0.0')}`,
        )
      ).json()) as { publishStatement: { payload: string }; native: Record<string, string> };
      expect(
        JSON.parse(Buffer.from(rec.publishStatement.payload, 'base64').toString()).predicateType,
      ).toBe('https://sigil.dev/observed/v0.1');
      expect(rec.native['h1']).toMatch(/^h1:/);
      expect(sum).toContain(rec.native['h1']);
    }, 180_000);

    it('a module hosted on Sigil is never fetched from the upstream', async () => {
      const before = requests.length;
      const res = await fetch(`${url}/go/sumdb/${SUMDB_NAME}/lookup/example.com/hosted@v1.9.9`);
      expect(res.status).toBe(404);
      expect((await fetch(`${url}/go/example.com/hosted/@v/v1.9.9.zip`)).status).toBe(404);
      expect((await (await fetch(`${url}/go/example.com/hosted/@v/list`)).text()).trim()).toBe(
        'v1.0.0',
      );
      expect(requests.slice(before)).toEqual([]);
    });

    it("a policy refusal: go prints the proxy's message", async () => {
      const app = join(work, 'app2');
      mkdirSync(app);
      writeFileSync(join(app, 'go.mod'), 'module example.com/app2\n\ngo 1.19\n');
      const r = await run(
        ['get', `${denied.path}@${denied.version}`],
        goEnv(join(work, 'gopath2')),
        app,
      );
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(
        /403 Forbidden[\s\S]*server response: pkg:golang\/example\.com\/evil@v0\.1\.0 is denied by this proxy's policy \(deny: pkg:golang\/example\.com\/evil\)/,
      );
      expect(registry.store.get('pkg:golang/example.com/evil@v0.1.0')).toBeUndefined();
    }, 120_000);
  },
);
