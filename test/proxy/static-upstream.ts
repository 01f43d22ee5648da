// What the pull-through interop tests share: a static upstream registry served by a plain HTTP
// server, which records every path asked for and fails on demand (500, or an answer later than
// the proxy's timeout); a registry opened with one upstream; reading a release row's statement.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import type { ReleaseRow } from '../../src/store/registry/releases.js';

export abstract class StaticUpstream {
  readonly requests: string[] = [];
  /** The same requests with their query strings. */
  readonly urls: string[] = [];
  /** Requests whose path starts with `path` fail: 500, or 200 after 3 s (past a 1 s proxy timeout). */
  fault: { path: string; kind: '500' | 'slow' } | undefined;
  server!: Server;
  /** Where the registry lives under the server (the upstream URL is origin + root). */
  protected abstract readonly root: string;
  url = '';

  /** serve answers a request the faults let through (`url` keeps the query, for APIs that read it). */
  protected abstract serve(path: string, res: ServerResponse, url: string): void;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      this.requests.push(path);
      this.urls.push(req.url ?? '/');
      if (this.fault && path.startsWith(this.fault.path)) {
        if (this.fault.kind === '500') return void res.writeHead(500).end('boom');
        return void setTimeout(() => res.writeHead(200).end('late'), 3_000);
      }
      this.serve(path, res, req.url ?? '/');
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.root}`;
  }

  close(): Promise<void> {
    return new Promise((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** sendBytes answers 200 with a Content-Length (the proxy checks truncation against it), or 404. */
export function sendBytes(res: ServerResponse, bytes: Buffer | undefined): void {
  if (!bytes) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-length': bytes.length }).end(bytes);
}

/** openProxied opens a registry whose one upstream is `url` (plus its other config fields, e.g. a Hex key), with `private` names and a 1 s timeout. */
export async function openProxied(
  root: string,
  ecosystem: string,
  url: string,
  privateNames: string[],
  upstreamFields: Record<string, unknown> = {},
): Promise<{ reg: Registry; url: string }> {
  const reg = await openRegistry({
    dataDir: join(root, 'data'),
    host: '127.0.0.1',
    port: 0,
    batchIntervalMs: 2,
    proxy: parseProxyConfig(
      {
        upstreams: { [ecosystem]: { url, ...upstreamFields } },
        private: privateNames,
        limits: { indexTtlMs: 0, timeoutMs: 1_000 },
      },
      'test',
    ),
  });
  return { reg, url: await reg.listen() };
}

export interface ObservedStatementView {
  predicateType: string;
  predicate: {
    upstream: string;
    artifactUrl: string;
    evidence: {
      indexDigest: { algorithm: string; value: string } | null;
      registrySignature: { verdict: string };
    };
  };
}

/** statementOf reads the statement a release row's envelope carries. */
export function statementOf(row: ReleaseRow): ObservedStatementView {
  const env = JSON.parse(row.publishEnvelope) as { payload: string };
  return JSON.parse(Buffer.from(env.payload, 'base64').toString()) as ObservedStatementView;
}

/** conflictsAt lists the conflicts a registry reports, as [purl, upstream]. */
export async function conflictsAt(url: string): Promise<[string, string][]> {
  const doc = (await (await fetch(`${url}/api/v1/conflicts`)).json()) as {
    conflicts: { purl: string; upstream: string }[];
  };
  return doc.conflicts.map((c) => [c.purl, c.upstream]);
}
