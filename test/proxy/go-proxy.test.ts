// Interop: the real `go` command fetches public modules through Sigil's GOPROXY and GOSUMDB
// with a Go upstream (`sigil serve --upstream golang=<static GOPROXY>`), and NO GONOSUMDB:
// Sigil fetches the zip and .mod from the upstream, checks them, computes the h1: hashes,
// logs an observed record and appends the go.sum record to its checksum database — what
// sum.golang.org does on a miss. The static GOPROXY is written by the go command's own zip
// code (goproxy-static/main.go: golang.org/x/mod/zip.CreateFromDir) and served as files.
// Also: a module hosted on Sigil is never fetched upstream, and a policy refusal is printed by go.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeModuleZip } from '../../src/ecosystems/golang/make-zip.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { UpstreamSumdb } from '../../src/registry/upstream/go-sumdb.js';
import { UpstreamClient } from '../../src/registry/upstream/http.js';
import { observedPredicateOf } from '../../src/registry/observed/observe.js';
import { parseCheckpoint } from '../../src/log/checkpoint.js';
import { parseNote } from '../../src/log/note.js';
import { checkInclusion } from '../../src/log/proof.js';
import { recordHash } from '../../src/log/hash.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { goEnvFor, runGo } from '../helpers/go-command.js';

const goProgram = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go golang-golang-x-mod-dev',
  'test/proxy/go-proxy.test.ts',
);
const SUMDB_NAME = 'proxy.test/go';
const UPSTREAM_SUMDB_NAME = 'upstream.test/sumdb';

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
/** Published upstream an hour ago: the minimum-age policy (48 h) holds it back. */
const depYoung: Mod = {
  path: 'example.com/dep',
  version: 'v1.3.0',
  files: {
    'go.mod': 'module example.com/dep\n\ngo 1.19\n',
    'dep.go': 'package dep\n\nfunc Name() string { return "dep 1.3" }\n',
  },
};
/** The GOPROXY serves these bytes; the upstream checksum database recorded other ones (forkedSum). */
const forked: Mod = {
  path: 'example.com/forked',
  version: 'v1.0.0',
  files: {
    'go.mod': 'module example.com/forked\n\ngo 1.19\n',
    'f.go': 'package forked\n\nconst Backdoor = true\n',
  },
};
const forkedSum: Mod = {
  ...forked,
  files: { 'go.mod': 'module example.com/forked\n\ngo 1.19\n', 'f.go': 'package forked\n' },
};
/** On the GOPROXY, unknown to the upstream checksum database (too new for it, say). */
const unrecorded: Mod = {
  path: 'example.com/unrecorded',
  version: 'v0.1.0',
  files: { 'go.mod': 'module example.com/unrecorded\n\ngo 1.19\n', 'u.go': 'package unrecorded\n' },
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

/** publishZip uploads a module zip (unsigned) through the publish API of the Sigil at `base`. */
async function publishZip(base: string, zip: Buffer): Promise<{ status: number; text: string }> {
  const r = await fetch(`${base}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ filename: 'm.zip', artifact: zip.toString('base64'), bundle: null }),
  });
  return { status: r.status, text: await r.text() };
}

function writeModule(root: string, m: Mod): string {
  const dir = join(root, `${m.path.replace(/\//g, '_')}@${m.version}`);
  for (const [name, content] of Object.entries(m.files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
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
    let upstreamSum: Registry;
    let upstreamSumdb: string;

    const goEnv = (gopath: string): NodeJS.ProcessEnv =>
      goEnvFor(gopath, `${url}/go`, `${registry.go.sumdb.vkey} ${url}/go/sumdb/${SUMDB_NAME}`);

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
      const modules = [dep, depYoung, pub, denied, hostedUpstream, forked, unrecorded].map((m) => ({
        dir: writeModule(src, m),
        path: m.path,
        version: m.version,
        time:
          m === depYoung ? new Date(Date.now() - 3_600_000).toISOString() : '2021-01-01T00:00:00Z',
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
      // The upstream's checksum database: another Sigil's, holding what the GOPROXY serves (the
      // same zip bytes) except example.com/forked, for which it recorded other bytes.
      upstreamSum = await openRegistry({
        dataDir: join(work, 'sumdb-data'),
        host: '127.0.0.1',
        port: 0,
        openWrites: true,
        batchIntervalMs: 1,
        goSumdbName: UPSTREAM_SUMDB_NAME,
      });
      const sumUrl = await upstreamSum.listen();
      const zipOf = (m: Mod) =>
        readFileSync(
          join(
            upstreamDir,
            m.path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`),
            '@v',
            `${m.version}.zip`,
          ),
        );
      for (const zip of [
        zipOf(dep),
        zipOf(pub),
        makeModuleZip(writeModule(join(work, 'sum-src'), forkedSum), forked.path, forked.version),
      ]) {
        const r = await publishZip(sumUrl, zip);
        expect(r.status, r.text).toBe(201);
      }
      upstreamSumdb = `${upstreamSum.go.sumdb.vkey} ${sumUrl}/go/sumdb/${UPSTREAM_SUMDB_NAME}`;
      registry = await openRegistry({
        dataDir: join(work, 'data'),
        host: '127.0.0.1',
        port: 0,
        openWrites: true,
        batchIntervalMs: 1,
        goSumdbName: SUMDB_NAME,
        proxy: parseProxyConfig(
          {
            upstreams: { golang: { url: upstreamUrl, sumdb: upstreamSumdb } },
            // example.com/hosted also exists upstream: hosting it here takes the operator's word.
            private: ['pkg:golang/example.com/hosted'],
            policy: { deny: ['pkg:golang/example.com/evil'], minimumReleaseAgeHours: 48 },
          },
          'test',
        ),
      });
      url = await registry.listen();
      // One module hosted here: its other versions must never come from the upstream.
      const zip = makeModuleZip(writeModule(src, hostedHere), hostedHere.path, hostedHere.version);
      const r = await publishZip(url, zip);
      expect(r.status).toBe(201);
    }, 120_000);

    afterAll(async () => {
      await registry?.close();
      await upstreamSum?.close();
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
      const r = await runGo(['get', `${pub.path}@${pub.version}`], env, app);
      expect(r.status, r.stderr).toBe(0);
      const built = await runGo(['run', '.'], env, app);
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

    it('the upstream checksum database is consulted: the observed record carries its signed, proved go.sum record; other bytes than it recorded are refused and go prints why', async () => {
      // example.com/Pub/lib was observed by the go get above.
      const row = registry.store.get('pkg:golang/example.com/Pub/lib@v1.0.0')!;
      const ev = observedPredicateOf(row)!.evidence.checksumDatabase!;
      expect(ev.verdict).toBe('match');
      expect(ev.lines).toEqual([
        `${pub.path} ${pub.version} ${JSON.parse(row.native).h1}`,
        expect.stringMatching(/^example\.com\/Pub\/lib v1\.0\.0\/go\.mod h1:/),
      ]);
      // The proof in the record verifies offline against the signed tree it names.
      const tree = parseCheckpoint(parseNote(ev.tree!).text);
      expect(
        checkInclusion(
          ev.proof!.map((h) => new Uint8Array(Buffer.from(h, 'base64'))),
          ev.recordId!,
          ev.treeSize!,
          recordHash(Buffer.from(`${ev.lines!.join('\n')}\n`)),
          tree.hash,
        ).status,
      ).toBe('pass');

      const size = registry.log.size;
      const app = join(work, 'app-forked');
      mkdirSync(app);
      writeFileSync(join(app, 'go.mod'), 'module example.com/appforked\n\ngo 1.19\n');
      const r = await runGo(
        ['get', `${forked.path}@${forked.version}`],
        goEnv(join(work, 'gopath-forked')),
        app,
      );
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(
        /502 Bad Gateway[\s\S]*server response: Go upstream .* served example\.com\/forked@v1\.0\.0 with h1:\S+ \(go\.mod h1:\S+\), but the checksum database .*upstream\.test\/sumdb records h1:/,
      );
      expect(registry.store.get('pkg:golang/example.com/forked@v1.0.0')).toBeUndefined();
      expect(registry.log.size).toBe(size);
    }, 120_000);

    it('a version the upstream checksum database does not know: logged as first seen here, its evidence says absent', async () => {
      const res = await fetch(
        `${url}/go/sumdb/${SUMDB_NAME}/lookup/${unrecorded.path}@${unrecorded.version}`,
      );
      expect(res.status, await res.clone().text()).toBe(200);
      const row = registry.store.get(`pkg:golang/${unrecorded.path}@${unrecorded.version}`)!;
      expect(observedPredicateOf(row)!.evidence.checksumDatabase).toMatchObject({
        verdict: 'absent',
        url: upstreamSumdb.split(' ')[1],
      });
    });

    it('an upstream checksum database whose note does not verify with the configured key: refused, naming it', async () => {
      const other = new UpstreamSumdb(
        `${registry.go.sumdb.vkey} ${upstreamSumdb.split(' ')[1]}`, // our own key, their server
        new UpstreamClient({ timeoutMs: 2000, concurrency: 2 }),
      );
      await expect(other.lookup(dep.path, dep.version)).rejects.toMatchObject({
        code: 'UPSTREAM_SUMDB_INVALID',
        message: expect.stringContaining('the tree note does not verify'),
      });
      expect(await other.lookup('example.com/nowhere', 'v1.0.0')).toBeUndefined();
    });

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

    it('a public module is not published here: one observed from the upstream, or one the upstream lists (shadowing)', async () => {
      const publish = async (m: Mod) => {
        const r = await publishZip(
          url,
          makeModuleZip(writeModule(join(work, 'shadow'), m), m.path, m.version),
        );
        return {
          status: r.status,
          body: JSON.parse(r.text) as { error?: { code: string; message: string } },
        };
      };
      const size = registry.log.size;
      // example.com/dep was observed by the go get above; example.com/evil is listed upstream only.
      expect(registry.store.versions('golang', 'example.com', 'dep').length).toBeGreaterThan(0);
      for (const m of [
        { ...dep, version: 'v1.9.9' },
        { ...denied, version: 'v0.9.9' },
      ]) {
        const r = await publish(m);
        expect(r.status, JSON.stringify(r.body)).toBe(403);
        expect(r.body.error?.code).toBe('NAME_BELONGS_TO_UPSTREAM');
        expect(r.body.error?.message).toContain(`pkg:golang/${m.path}`);
      }
      expect(registry.log.size).toBe(size);
      expect(
        (await (await fetch(`${url}/go/example.com/dep/@v/list`)).text()).trim(),
      ).not.toContain('v1.9.9');
    });

    it('minimum release age: a version published an hour ago is left out of @v/list, go resolves to the older one, and asking for it prints the refusal', async () => {
      const raw = readFileSync(join(upstreamDir, 'example.com', 'dep', '@v', 'list'), 'utf8');
      expect(raw).toContain('v1.3.0'); // the upstream lists it
      const list = await (await fetch(`${url}/go/example.com/dep/@v/list`)).text();
      expect(list.trim().split('\n')).toEqual(['v1.2.0']);
      const app = join(work, 'app-age');
      mkdirSync(app);
      writeFileSync(join(app, 'go.mod'), 'module example.com/appage\n\ngo 1.19\n');
      const env = goEnv(join(work, 'gopath-age'));
      const versions = await runGo(['list', '-m', '-versions', 'example.com/dep'], env, app);
      expect(versions.stdout.trim(), versions.stderr).toBe('example.com/dep v1.2.0');
      const latest = await runGo(['get', 'example.com/dep@latest'], env, app);
      expect(latest.status, latest.stderr).toBe(0);
      expect(readFileSync(join(app, 'go.mod'), 'utf8')).toContain('example.com/dep v1.2.0');
      const young = await runGo(['get', `example.com/dep@${depYoung.version}`], env, app);
      expect(young.status).not.toBe(0);
      expect(young.stderr).toMatch(
        /server response: pkg:golang\/example\.com\/dep@v1\.3\.0 was published 1\.\d hours ago on .*; this proxy serves versions only after 48 hours \(minimumReleaseAgeHours\)/,
      );
      expect(registry.store.get('pkg:golang/example.com/dep@v1.3.0')).toBeUndefined();
    }, 120_000);

    it("a policy refusal: go prints the proxy's message", async () => {
      const app = join(work, 'app2');
      mkdirSync(app);
      writeFileSync(join(app, 'go.mod'), 'module example.com/app2\n\ngo 1.19\n');
      const r = await runGo(
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
