// Rate limits behind a reverse proxy: X-Forwarded-For is believed only from the proxies named
// in trustedProxies (sigil serve --trust-proxy); from anyone else it is ignored, so a client
// cannot pick the address its limits are kept under.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TrustedProxies } from '../../src/registry/http-limits.js';
import { LogAdmission } from '../../src/registry/log-admission.js';
import { createLogServer } from '../../src/registry/log-routes.js';
import { openFileLog } from '../../src/store/file-log.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';

let registry: Registry | undefined;

async function start(trustedProxies?: string[]): Promise<string> {
  registry = await openRegistry({
    dataDir: mkdtempSync(join(tmpdir(), 'sigil-trust-proxy-')),
    host: '127.0.0.1',
    port: 0,
    authLimits: { perIp: { burst: 2, perMinute: 1 } },
    ...(trustedProxies ? { trustedProxies } : {}),
  });
  return registry.listen();
}

/** Unauthenticated publishes: each takes from the per-IP bucket before the token is looked at. */
async function attempts(url: string, forwardedFor: string, n: number): Promise<number[]> {
  const codes: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${url}/api/v1/publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: '{}',
    });
    codes.push(r.status);
  }
  return codes;
}

afterEach(async () => {
  await registry?.close();
  registry = undefined;
});

describe('trusted proxies', () => {
  it('behind a trusted proxy, each forwarded client has its own bucket', async () => {
    const url = await start(['127.0.0.1']);
    expect(await attempts(url, '203.0.113.7', 3)).toEqual([401, 401, 429]);
    expect(await attempts(url, '203.0.113.8', 2)).toEqual([401, 401]);
  });

  it('without one, X-Forwarded-For is ignored: a new header value does not buy a new bucket', async () => {
    const url = await start();
    expect(await attempts(url, '203.0.113.7', 3)).toEqual([401, 401, 429]);
    expect(await attempts(url, '203.0.113.8', 1)).toEqual([429]);
  });

  it('a spoofed hop in front of the real client is not believed', async () => {
    const url = await start(['127.0.0.1']);
    expect(await attempts(url, '198.51.100.1, 203.0.113.7', 3)).toEqual([401, 401, 429]);
    // Same real client (the address the trusted proxy appended), another forged first hop.
    expect(await attempts(url, '198.51.100.2, 203.0.113.7', 1)).toEqual([429]);
  });

  it('addresses and CIDR blocks, IPv4-mapped IPv6 included; nonsense is refused', () => {
    const t = new TrustedProxies(['10.0.0.0/8', '::1', '192.0.2.5']);
    expect(t.includes('10.1.2.3')).toBe(true);
    expect(t.includes('::ffff:10.1.2.3')).toBe(true);
    expect(t.includes('::1')).toBe(true);
    expect(t.includes('192.0.2.6')).toBe(false);
    expect(t.includes('garbage')).toBe(false);
    for (const bad of ['10.0.0.0/33', 'proxy.example', '10.0.0.1/8/1', '10.0.0.0/x'])
      expect(() => new TrustedProxies([bad])).toThrow(/not an IP address or CIDR block/);
  });

  it('sigil log serve: write rate limits follow the forwarded client only behind a trusted proxy', async () => {
    const codesFor = async (trusted: TrustedProxies | undefined) => {
      const log = await openFileLog(mkdtempSync(join(tmpdir(), 'sigil-trust-proxy-log-')), {
        origin: 'trust.test/log',
        batchIntervalMs: 1,
      });
      const app = createLogServer({
        log,
        admission: LogAdmission.policy({ open: true, rateLimit: { burst: 2, perMinute: 1 } }),
        ...(trusted ? { trustedProxies: trusted } : {}),
      });
      const add = (client: string, i: number) =>
        app
          .inject({
            method: 'POST',
            url: '/add',
            remoteAddress: '127.0.0.1',
            headers: { 'content-type': 'application/octet-stream', 'x-forwarded-for': client },
            payload: Buffer.from(`entry ${client} ${i}`),
          })
          .then((r) => r.statusCode);
      try {
        return [
          await add('203.0.113.7', 1),
          await add('203.0.113.7', 2),
          await add('203.0.113.7', 3),
          await add('203.0.113.8', 4),
        ];
      } finally {
        await app.close();
        await log.close();
      }
    };
    expect(await codesFor(new TrustedProxies(['127.0.0.1']))).toEqual([200, 200, 429, 200]);
    expect(await codesFor(undefined)).toEqual([200, 200, 429, 429]);
  });
});
