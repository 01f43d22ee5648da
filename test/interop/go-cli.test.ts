// Interop: the real `go` command (Debian golang-go) uses `sigil serve` as its
// GOPROXY and GOSUMDB, and refuses it when it lies.
//
//   GOPROXY=<url>/go  GOSUMDB="<vkey> <url>/go/sumdb/<name>"   (explicit URL: go bypasses
//   the proxy for the sumdb), fresh GOPATH/GOMODCACHE/GOCACHE, GOENV=off, and none of
//   GOPRIVATE/GONOSUMDB/GONOPROXY/GOINSECURE (any of them could switch verification off).
//
// 1. `go mod download -json` and `go get` of modules that depend on each other (one with an
//    upper-case path, one /v2) succeed, and the go.sum lines go writes are our sumdb records.
// 2. (a) a proxy serving other bytes than the sumdb recorded → "checksum mismatch" + SECURITY ERROR;
//    (b) a sumdb that forks its tree after the client saw it (same key, another history) →
//    "SECURITY ERROR … go.sum database server misbehavior detected!".
// Under CI=true a missing `go` is a failure; locally the suite is skipped, loudly.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { goEnvFor, runGo } from '../helpers/go-command.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { makeModuleZip } from '../../src/ecosystems/golang/make-zip.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';

const goProgram = needsProgram(
  'go',
  ['version'],
  'apt-get install golang-go',
  'test/interop/go-cli.test.ts',
  { mustExitZero: true },
);
const SUMDB_NAME = 'sigil.test/go';

interface Mod {
  path: string;
  version: string;
  files: Record<string, string>;
}

function writeModule(root: string, m: Mod): string {
  const dir = join(root, `${m.path.replace(/\//g, '_')}@${m.version}`);
  for (const [name, content] of Object.entries(m.files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function publish(url: string, root: string, m: Mod): Promise<void> {
  const zip = makeModuleZip(writeModule(root, m), m.path, m.version);
  const r = await fetch(`${url}/api/v1/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      filename: `${m.version}.zip`,
      artifact: zip.toString('base64'),
      bundle: null,
    }),
  });
  if (r.status !== 201)
    throw new Error(`publish ${m.path}@${m.version}: ${r.status} ${await r.text()}`);
}

async function startServer(dataDir: string): Promise<{ reg: Registry; url: string }> {
  const reg = await openRegistry({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    openWrites: true,
    batchIntervalMs: 2,
    goSumdbName: SUMDB_NAME,
  });
  const url = await reg.listen();
  return { reg, url };
}

const liba: Mod = {
  path: 'example.com/liba',
  version: 'v1.0.0',
  files: {
    'go.mod': 'module example.com/liba\n\ngo 1.19\n',
    'liba.go': 'package liba\n\nfunc Hello() string { return "hello from liba" }\n',
  },
};
const libb: Mod = {
  path: 'example.com/libb',
  version: 'v1.1.0',
  files: {
    'go.mod': 'module example.com/libb\n\ngo 1.19\n\nrequire example.com/liba v1.0.0\n',
    'libb.go':
      'package libb\n\nimport "example.com/liba"\n\nfunc Hello() string { return liba.Hello() + " via libb" }\n',
    LICENSE: 'MIT\n',
  },
};
const upper: Mod = {
  path: 'example.com/Upper/CaseMod',
  version: 'v0.2.0',
  files: {
    'go.mod': 'module example.com/Upper/CaseMod\n\ngo 1.19\n',
    'c.go': 'package casemod\n\nconst X = 1\n',
  },
};
const v2: Mod = {
  path: 'example.com/libc/v2',
  version: 'v2.0.1',
  files: {
    'go.mod': 'module example.com/libc/v2\n\ngo 1.19\n',
    'c.go': 'package libc\n\nconst V = 2\n',
  },
};
const all = [liba, libb, upper, v2];

let work = '';
let srcRoot = '';

function goEnv(
  url: string,
  vkey: string,
  gopath: string,
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    ...goEnvFor(gopath, `${url}/go`, `${vkey} ${url}/go/sumdb/${SUMDB_NAME}`),
    ...extra,
  };
}

const go = runGo;

describe.skipIf(skipUnlessPresent(goProgram))(
  'the go command against sigil serve (GOPROXY + GOSUMDB)',
  () => {
    let s1: { reg: Registry; url: string };
    let vkey = '';

    beforeAll(async () => {
      goProgram.require();
      work = mkdtempSync(join(tmpdir(), 'sigil-go-cli-'));
      srcRoot = join(work, 'src');
      s1 = await startServer(join(work, 'data1'));
      vkey = s1.reg.go.sumdb.vkey;
      for (const m of all) await publish(s1.url, srcRoot, m);
    }, 60_000);
    afterAll(async () => {
      await s1?.reg.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    async function ourRecords(url: string): Promise<Set<string>> {
      const lines = new Set<string>();
      for (const m of all) {
        const esc = m.path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
        const text = await (
          await fetch(`${url}/go/sumdb/${SUMDB_NAME}/lookup/${esc}@${m.version}`)
        ).text();
        for (const l of text.split('\n\n')[0]!.split('\n').slice(1)) lines.add(l);
      }
      return lines;
    }

    it('serves the tree note with the origin the go command demands, signed by the sumdb key', async () => {
      const note = await (await fetch(`${s1.url}/go/sumdb/${SUMDB_NAME}/latest`)).text();
      expect(note.split('\n')[0]).toBe('go.sum database tree');
      expect(note.split('\n')[1]).toBe(String(all.length));
      expect(note).toContain(`\n— ${SUMDB_NAME} `);
      expect(vkey.startsWith(`${SUMDB_NAME}+`)).toBe(true);
    });

    it('go mod download -json and go get succeed; go.sum holds exactly our records', async () => {
      const gopath = join(work, 'gp-ok');
      const env = goEnv(s1.url, vkey, gopath);
      const dl = await go(
        ['mod', 'download', '-json', ...all.map((m) => `${m.path}@${m.version}`)],
        env,
        work,
      );
      expect(dl.stderr).toBe('');
      expect(dl.status).toBe(0);
      const ours = await ourRecords(s1.url);
      const infos = dl.stdout.split(/\n(?=\{)/).map(
        (j) =>
          JSON.parse(j) as {
            Path: string;
            Version: string;
            Sum: string;
            GoModSum: string;
            Error?: string;
          },
      );
      expect(infos).toHaveLength(all.length);
      for (const i of infos) {
        expect(i.Error).toBeUndefined();
        expect(ours.has(`${i.Path} ${i.Version} ${i.Sum}`)).toBe(true);
        expect(ours.has(`${i.Path} ${i.Version}/go.mod ${i.GoModSum}`)).toBe(true);
      }

      // GOSUMDB with the key alone: go probes <GOPROXY>/sumdb/<name>/supported and reads the sumdb through the proxy.
      const viaProxy = await go(
        ['mod', 'download', '-json', `${upper.path}@${upper.version}`],
        { ...goEnv(s1.url, vkey, join(work, 'gp-via-proxy')), GOSUMDB: vkey },
        work,
      );
      expect(viaProxy.status, viaProxy.stderr + viaProxy.stdout).toBe(0);

      // A consumer: go get a module that depends on another, then verify the module cache.
      const app = join(work, 'app');
      mkdirSync(app, { recursive: true });
      writeFileSync(join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
      writeFileSync(
        join(app, 'main.go'),
        'package main\n\nimport (\n\t"fmt"\n\n\tcasemod "example.com/Upper/CaseMod"\n\t"example.com/libb"\n\tlibc "example.com/libc/v2"\n)\n\nfunc main() { fmt.Println(libb.Hello(), casemod.X, libc.V) }\n',
      );
      const appEnv = goEnv(s1.url, vkey, join(work, 'gp-app'));
      const get = await go(
        [
          'get',
          `${libb.path}@${libb.version}`,
          `${upper.path}@${upper.version}`,
          `${v2.path}@${v2.version}`,
        ],
        appEnv,
        app,
      );
      expect(get.status, get.stderr).toBe(0);
      expect(get.stderr).toContain('go: added example.com/liba v1.0.0');
      const sum = readFileSync(join(app, 'go.sum'), 'utf8').trim().split('\n');
      expect(sum.length).toBeGreaterThanOrEqual(7); // both lines of each direct dependency, liba's go.mod line at least
      for (const line of sum) expect(ours.has(line), line).toBe(true);
      expect(sum).toContain(
        `example.com/liba v1.0.0/go.mod ${[...ours].find((l) => l.startsWith('example.com/liba v1.0.0/go.mod'))!.split(' ')[2]}`,
      );
      const verify = await go(['mod', 'verify'], appEnv, app);
      expect(verify.stdout).toContain('all modules verified');
      expect(verify.status).toBe(0);
    });

    it('(a) a proxy serving other bytes than the sumdb recorded: go refuses with checksum mismatch / SECURITY ERROR', async () => {
      // A second server got other bytes for example.com/liba@v1.0.0; the client asks it for the
      // module and asks server 1's checksum database about it.
      const s2 = await startServer(join(work, 'data2'));
      try {
        await publish(s2.url, join(work, 'src2'), {
          ...liba,
          files: {
            ...liba.files,
            'liba.go': 'package liba\n\nfunc Hello() string { return "EVIL" }\n',
          },
        });
        const env = { ...goEnv(s1.url, vkey, join(work, 'gp-mismatch')), GOPROXY: `${s2.url}/go` };
        const r = await go(['mod', 'download', '-json', `${liba.path}@${liba.version}`], env, work);
        expect(r.status).toBe(1);
        const out = r.stdout + r.stderr;
        expect(out).toContain('verifying module: checksum mismatch');
        expect(out).toContain('SECURITY ERROR');
        expect(out).toContain(
          'This download does NOT match the one reported by the checksum server.',
        );
      } finally {
        await s2.reg.close();
      }
    });

    it('(b) a checksum database that forks its tree after the client saw it: go refuses with SECURITY ERROR (misbehavior)', async () => {
      const gopath = join(work, 'gp-fork');
      const first = await go(
        [
          'mod',
          'download',
          '-json',
          `${liba.path}@${liba.version}`,
          `${libb.path}@${libb.version}`,
        ],
        goEnv(s1.url, vkey, gopath),
        work,
      );
      expect(first.status, first.stderr).toBe(0);
      // The client now remembers tree size 4 of s1. The "same" server restarts with the same key and
      // another history: the same module versions recorded in another order, plus a new one.
      const data3 = join(work, 'data3');
      mkdirSync(join(data3, 'gosumdb'), { recursive: true });
      copyFileSync(join(work, 'data1', 'gosumdb', 'log.key'), join(data3, 'gosumdb', 'log.key'));
      const s3 = await startServer(data3);
      try {
        expect(s3.reg.go.sumdb.vkey).toBe(vkey);
        for (const m of [v2, upper, libb, liba]) await publish(s3.url, join(work, 'src3'), m);
        await publish(s3.url, join(work, 'src3'), {
          path: 'example.com/newmod',
          version: 'v1.0.0',
          files: { 'go.mod': 'module example.com/newmod\n\ngo 1.19\n', 'n.go': 'package newmod\n' },
        });
        const r = await go(
          ['mod', 'download', '-json', 'example.com/newmod@v1.0.0'],
          goEnv(s3.url, vkey, gopath),
          work,
        );
        expect(r.status).toBe(1);
        const out = r.stdout + r.stderr;
        expect(out).toContain('SECURITY ERROR');
        expect(out).toContain('go.sum database server misbehavior detected!');
      } finally {
        await s3.reg.close();
      }
    });
  },
);
