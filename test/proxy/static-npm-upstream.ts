// A static npm registry for tests: real tarballs (from npm's content-addressed cache, as
// test/e2e/real-tree.test.ts reads them) served with packuments built from the package.json
// inside each tarball — `dist.tarball`, `dist.integrity` (sha512 of the bytes), `dist.shasum`,
// `time` — and, when given a key, npm registry signatures (`dist.signatures`) with the key at
// /-/npm/v1/keys, exactly the shape registry.npmjs.org serves. `faults` lets a test break it.
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { computeNpmTarballFacts } from '../../src/registry/personalities/npm/facts.js';
import { highestVersion } from '../../src/registry/personalities/npm/semver.js';

export interface UpstreamPackage {
  readonly name: string;
  readonly version: string;
  bytes: Buffer;
  /** Publish time on the upstream (default 2020-01-01). */
  time?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const cacheDir = process.env['npm_config_cache'] ?? join(homedir(), '.npm');

/** fromNpmCache returns the tarball npm cached for this integrity, verified, or undefined. */
export function fromNpmCache(integrity: string): Buffer | undefined {
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

/** cachedLockPackages: every package of this repository's package-lock.json whose real tarball is in npm's cache. */
export function cachedLockPackages(): UpstreamPackage[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { version?: string; integrity?: string; link?: boolean }>;
  };
  const seen = new Map<string, UpstreamPackage>();
  for (const [path, v] of Object.entries(lock.packages)) {
    if (path === '' || v.link || !v.version || !v.integrity) continue;
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const key = `${name}@${v.version}`;
    if (seen.has(key)) continue;
    const bytes = fromNpmCache(v.integrity);
    if (bytes) seen.set(key, { name, version: v.version, bytes });
  }
  return [...seen.values()];
}

export interface StaticNpmUpstream {
  readonly url: string;
  readonly packages: Map<string, UpstreamPackage[]>;
  /** Requests seen, by path. */
  readonly requests: string[];
  /** Replace a version's bytes (a republish): the packument then lists the new digest. */
  republish(name: string, version: string, bytes: Buffer): void;
  /** A fault handler: return true when it answered the request itself. */
  fault: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  /** Changes a version's manifest in the packument before it is served (e.g. adds dist.attestations). */
  decorate: ((manifest: Record<string, unknown>, p: UpstreamPackage) => void) | undefined;
  /** The npm keys document of the signing key (when signing). */
  readonly keysDoc: unknown;
  /** Take the upstream down (every connection is dropped at once, like a dead server behind a load balancer) / bring it back. Keeps the port: another process cannot take it meanwhile. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

const sri = (b: Buffer) => `sha512-${createHash('sha512').update(b).digest('base64')}`;

export async function startStaticNpmUpstream(
  pkgs: readonly UpstreamPackage[],
  options: { sign?: boolean; serveKeys?: boolean } = {},
): Promise<StaticNpmUpstream> {
  const packages = new Map<string, UpstreamPackage[]>();
  for (const p of pkgs) packages.set(p.name, [...(packages.get(p.name) ?? []), { ...p }]);
  const manifests = new Map<string, Record<string, unknown>>();
  const manifestOf = async (p: UpstreamPackage) => {
    const k = `${p.name}@${p.version}@${createHash('sha256').update(p.bytes).digest('hex')}`;
    let m = manifests.get(k);
    if (!m)
      manifests.set(
        k,
        (m = (await computeNpmTarballFacts(`${p.name}-${p.version}.tgz`, p.bytes)).manifest),
      );
    return m;
  };
  let key: { priv: KeyObject; keyid: string; doc: unknown } | undefined;
  if (options.sign) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const keyid = `SHA256:${createHash('sha256').update(der).digest('base64').replace(/=+$/, '')}`;
    key = {
      priv: privateKey,
      keyid,
      doc: {
        keys: [
          {
            expires: null,
            keyid,
            keytype: 'ecdsa-sha2-nistp256',
            scheme: 'ecdsa-sha2-nistp256',
            key: der.toString('base64'),
          },
        ],
      },
    };
  }
  const requests: string[] = [];
  let base = '';
  const up: StaticNpmUpstream = {
    url: '',
    packages,
    requests,
    fault: undefined,
    decorate: undefined,
    keysDoc: key?.doc,
    republish(name, version, bytes) {
      const p = packages.get(name)?.find((x) => x.version === version);
      if (!p) throw new Error(`no ${name}@${version}`);
      p.bytes = bytes;
    },
    stop: async () => {
      down = true;
      server.closeAllConnections();
    },
    start: async () => {
      down = false;
    },
    close: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  let down = false;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
      requests.push(path);
      if (up.fault?.(req, res)) return;
      if (path === '/-/npm/v1/keys') {
        if (!key || options.serveKeys === false) return void res.writeHead(404).end('{}');
        return void res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(key.doc));
      }
      const t = /^\/(@[^/]+\/[^/]+|[^/@][^/]*)\/-\/(.+)$/.exec(path);
      if (t) {
        const p = (packages.get(t[1]!) ?? []).find(
          (x) => `${x.name.split('/').pop()}-${x.version}.tgz` === t[2],
        );
        if (!p) return void res.writeHead(404).end('not found');
        return void res
          .writeHead(200, {
            'content-type': 'application/octet-stream',
            'content-length': p.bytes.length,
          })
          .end(p.bytes);
      }
      const name = path.slice(1);
      const list = packages.get(name);
      if (!list)
        return void res
          .writeHead(404, { 'content-type': 'application/json' })
          .end('{"error":"Not found"}');
      const versions: Record<string, unknown> = {};
      const time: Record<string, string> = {
        created: '2019-01-01T00:00:00.000Z',
        modified: '2020-01-01T00:00:00.000Z',
      };
      for (const p of list) {
        const integrity = sri(p.bytes);
        const dist: Record<string, unknown> = {
          tarball: `${base}/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`,
          integrity,
          shasum: createHash('sha1').update(p.bytes).digest('hex'),
        };
        if (key)
          dist['signatures'] = [
            {
              keyid: key.keyid,
              sig: cryptoSign(
                'sha256',
                Buffer.from(`${p.name}@${p.version}:${integrity}`),
                key.priv,
              ).toString('base64'),
            },
          ];
        const manifest: Record<string, unknown> = {
          ...(await manifestOf(p)),
          name: p.name,
          version: p.version,
          _id: `${p.name}@${p.version}`,
          dist,
        };
        up.decorate?.(manifest, p);
        versions[p.version] = manifest;
        time[p.version] = p.time ?? '2020-01-01T00:00:00.000Z';
      }
      const latest = highestVersion(list.map((x) => x.version))!;
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ _id: name, name, 'dist-tags': { latest }, versions, time }));
    })().catch((e: Error) => res.writeHead(500).end(e.message));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('connection', (socket) => {
    if (down) socket.destroy();
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  (up as { url: string }).url = base;
  return up;
}
