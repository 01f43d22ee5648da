// Huge CPAN indexes (issue 17): an upstream 02packages of 250,000 lines (CPAN's own has about
// 260,000) is read once per indexTtlMs and merged into Sigil's 02packages whole; one past
// limits.maxIndexBytes (compressed) or limits.maxUncompressedIndexBytes (decompressed) is refused
// with a 502 that names the limit and how to raise it — not silently replaced by Sigil's own
// lines, since a limit is not a passing fault. Time is measured in bench/, not here.
import { mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { sendBytes, StaticUpstream } from './static-upstream.js';

const LINES = 250_000;

class Huge02packages extends StaticUpstream {
  protected readonly root = '/cpan';
  gz = Buffer.alloc(0);
  plainBytes = 0;
  protected serve(path: string, res: ServerResponse): void {
    sendBytes(res, path === '/cpan/modules/02packages.details.txt.gz' ? this.gz : undefined);
  }
}

describe('huge CPAN upstream indexes', () => {
  let dir: string;
  const upstream = new Huge02packages();
  const open: Registry[] = [];

  async function proxied(limits: Record<string, number>): Promise<string> {
    const reg = await openRegistry({
      dataDir: join(dir, `data-${open.length}`),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      proxy: parseProxyConfig(
        {
          upstreams: { cpan: upstream.url },
          limits: { indexTtlMs: 60_000, timeoutMs: 20_000, ...limits },
        },
        'test',
      ),
    });
    open.push(reg);
    return reg.listen();
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-cpan-huge-'));
    const lines: string[] = [];
    for (let i = 0; i < LINES; i++) {
      const author = `AU${String(i % 9000).padStart(4, '0')}`;
      lines.push(
        `Filler::Module${i}::Part${i % 17}`.padEnd(40) +
          ` ${`1.${i % 1000}`.padStart(8)}  A/AU/${author}/Filler-Module${i}-1.${i % 1000}.tar.gz`,
      );
    }
    const text = `File:         02packages.details.txt\nLine-Count:   ${LINES}\n\n${lines.join('\n')}\n`;
    upstream.plainBytes = Buffer.byteLength(text);
    upstream.gz = gzipSync(text);
    await upstream.start();
  });
  afterAll(async () => {
    for (const r of open) await r.close();
    await upstream.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a 250,000-line 02packages is merged whole and read once', async () => {
    const url = await proxied({});
    const first = await (await fetch(`${url}/cpan/modules/02packages.details.txt`)).text();
    const body = first.slice(first.indexOf('\n\n') + 2).trimEnd();
    expect(body.split('\n')).toHaveLength(LINES);
    expect(first).toMatch(
      new RegExp(
        `^Filler::Module${LINES - 1}::Part\\d+\\s+1\\.\\d+\\s+A/AU/AU\\d{4}/Filler-Module${LINES - 1}-`,
        'm',
      ),
    );
    const gz = await fetch(`${url}/cpan/modules/02packages.details.txt.gz`);
    expect(gz.status).toBe(200);
    expect(upstream.requests.filter((p) => p.endsWith('02packages.details.txt.gz'))).toHaveLength(
      1,
    );
  });

  it('an 02packages.gz over limits.maxIndexBytes is refused, naming the limit', async () => {
    const url = await proxied({ maxIndexBytes: upstream.gz.length - 1 });
    const r = await fetch(`${url}/cpan/modules/02packages.details.txt.gz`);
    const body = await r.text();
    expect(r.status, body).toBe(502);
    expect(body).toMatch(/UPSTREAM_TOO_LARGE/);
    expect(body).toContain(`limit of ${upstream.gz.length - 1} bytes`);
  });

  it('an 02packages that decompresses past limits.maxUncompressedIndexBytes is refused', async () => {
    const url = await proxied({ maxUncompressedIndexBytes: 1024 * 1024 });
    const r = await fetch(`${url}/cpan/modules/02packages.details.txt`);
    const body = await r.text();
    expect(r.status, body).toBe(502);
    expect(body).toMatch(/UPSTREAM_TOO_LARGE/);
    expect(body).toContain('limits.maxUncompressedIndexBytes');
  });
});
