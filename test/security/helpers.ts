// Shared setup for the attack tests: a real registry (openRegistry, what `sigil serve` runs), a
// man in the middle in front of it that can rewrite any JSON answer, keys made with `sigil keygen`,
// npm tarballs, and lockfiles pointing at them. Every attack is then performed through the CLI.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { buildTgz } from '../helpers/tar-builder.js';

export interface Tarball {
  readonly name: string;
  readonly version: string;
  readonly path: string;
  readonly integrity: string;
}

/** npmTarball writes a minimal npm package tarball (package/package.json, package/index.js). */
export function npmTarball(
  dir: string,
  name: string,
  version: string,
  code = `module.exports = ${JSON.stringify(`${name}@${version}`)};\n`,
): Tarball {
  const bytes = buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version, main: 'index.js' }) },
    { name: 'package/index.js', content: code },
  ]);
  const path = join(dir, `${name.replace(/[@/]/g, '_')}-${version}.tgz`);
  writeFileSync(path, bytes);
  return {
    name,
    version,
    path,
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
  };
}

/** lockfile writes package-lock.json v3 for the tarballs into a fresh project folder and returns its path. */
export function lockfile(dir: string, label: string, entries: readonly Tarball[]): string {
  const project = mkdtempSync(join(dir, `${label}-`));
  const packages: Record<string, unknown> = { '': { name: 'app', version: '1.0.0' } };
  for (const p of entries)
    packages[`node_modules/${p.name}`] = {
      version: p.version,
      resolved: `https://registry.example/${p.name}/-/${p.name}-${p.version}.tgz`,
      integrity: p.integrity,
    };
  const path = join(project, 'package-lock.json');
  writeFileSync(
    path,
    JSON.stringify(
      { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages },
      null,
      2,
    ),
  );
  return path;
}

export interface KeyFiles {
  readonly privateKey: string;
  readonly publicKey: string;
  readonly keyId: string;
}

export async function keygen(dir: string, name: string): Promise<KeyFiles> {
  const r = await runCli(['keygen', '--out', join(dir, name), '--json']);
  if (r.code !== 0) throw new Error(r.stderr);
  const k = JSON.parse(r.stdout) as {
    privateKey: string;
    publicKey: string;
    keyid?: string;
    keyId?: string;
  };
  return { privateKey: k.privateKey, publicKey: k.publicKey, keyId: (k.keyid ?? k.keyId)! };
}

/** Rewrite: given the request (method, path, JSON body) and the upstream's JSON answer, return the answer to send. */
export type Rewrite = (
  req: { method: string; path: string; body: unknown },
  answer: unknown,
) => unknown;

/**
 * Mitm is an HTTP proxy in front of an upstream Sigil server. `rewrite`, when
 * set, changes JSON answers; `upstream` can be switched (the same URL then
 * serves another server).
 */
export interface Mitm {
  readonly url: string;
  upstream: string;
  rewrite: Rewrite | undefined;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startMitm(upstream: string): Promise<Mitm> {
  const state: { upstream: string; rewrite: Rewrite | undefined } = {
    upstream,
    rewrite: undefined,
  };
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers))
        if (
          typeof v === 'string' &&
          !['host', 'connection', 'content-length', 'accept-encoding'].includes(k)
        )
          headers[k] = v;
      const method = req.method ?? 'GET';
      const up = await fetch(`${state.upstream}${req.url ?? '/'}`, {
        method,
        headers,
        ...(method === 'GET' || method === 'HEAD' ? {} : { body }),
      });
      let out = Buffer.from(await up.arrayBuffer());
      const type = up.headers.get('content-type') ?? 'application/octet-stream';
      if (state.rewrite && type.includes('json')) {
        let reqJson: unknown;
        try {
          reqJson = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
        } catch {
          reqJson = undefined;
        }
        const answer = state.rewrite(
          { method, path: req.url ?? '/', body: reqJson },
          JSON.parse(out.toString('utf8')),
        );
        out = Buffer.from(JSON.stringify(answer), 'utf8');
      }
      res.writeHead(up.status, { 'content-type': type, 'content-length': String(out.length) });
      res.end(out);
    })().catch((e: Error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`mitm: ${e.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get upstream() {
      return state.upstream;
    },
    set upstream(u: string) {
      state.upstream = u;
    },
    get rewrite() {
      return state.rewrite;
    },
    set rewrite(r: Rewrite | undefined) {
      state.rewrite = r;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Bench {
  readonly dir: string;
  readonly registry: Registry;
  readonly url: string;
  readonly mitm: Mitm;
  /** A fresh client config dir (checkpoint memory, server identities). */
  config(): Record<string, string>;
  close(): Promise<void>;
}

/** startBench opens a registry (open writes) under a temp dir with a MITM in front of it. */
export async function startBench(
  label: string,
  origin = `${label}.security.test/log`,
): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), `sigil-sec-${label}-`));
  const registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin,
    openWrites: true,
    batchIntervalMs: 2,
  });
  const url = await registry.listen();
  const mitm = await startMitm(url);
  let n = 0;
  return {
    dir,
    registry,
    url,
    mitm,
    config() {
      const c = join(dir, `config-${n++}`);
      mkdirSync(c);
      return { SIGIL_CONFIG_DIR: c };
    },
    async close() {
      await mitm.close();
      await registry.close();
    },
  };
}

type Report = {
  ok: boolean;
  dependencies: {
    display: string;
    status: string;
    checks: { name: string; code: string; status: string; reason: string }[];
  }[];
  project: { code: string; status: string }[];
};

/** verifyJson runs `sigil verify <lockfile> --json` and parses the report. */
export async function verifyJson(
  lock: string,
  server: string,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<{ code: number; report: Report; stderr: string }> {
  const r = await runCli(['verify', lock, '--server', server, '--json', ...extra], env);
  let report: Report;
  try {
    report = JSON.parse(r.stdout) as Report;
  } catch {
    throw new Error(`verify printed no JSON (exit ${r.code}): ${r.stderr}`);
  }
  return { code: r.code, report, stderr: r.stderr };
}

/** codes lists one dependency's check codes. */
export function codes(report: Report, display: string): string[] {
  const d = report.dependencies.find((x) => x.display === display);
  if (!d) throw new Error(`no dependency ${display} in the report`);
  return d.checks.map((c) => c.code);
}

/** check finds one dependency's check by name. */
export function check(
  report: Report,
  display: string,
  name: string,
): { code: string; status: string; reason: string } | undefined {
  return report.dependencies
    .find((x) => x.display === display)
    ?.checks.find((c) => c.name === name);
}
