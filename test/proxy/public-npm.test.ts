// The one test against the real public npm registry (https://registry.npmjs.org, as this machine
// reaches it): left-pad@1.3.0 fetched through `sigil serve --upstream npm=https://registry.npmjs.org`
// is checked against the registry's own dist.integrity, logged, and its upstream evidence
// recorded as it really is. What this machine reaches is a mirror of the registry that serves no
// `dist.signatures`, no `dist.attestations` and answers 404 at /-/npm/v1/keys (checked below, not
// assumed): the observed record must then say "registry signature: missing" — never "valid".
// If the registry served signatures and keys, the record must say "valid" instead.
// Skipped (loudly) when the registry is unreachable.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseObservedStatement } from '../../src/core/observed.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';

const NPM = 'https://registry.npmjs.org';
const reachable = await fetch(`${NPM}/left-pad`, {
  signal: AbortSignal.timeout(10_000),
  headers: { accept: 'application/json' },
})
  .then((r) => r.ok)
  .catch(() => false);
if (!reachable)
  console.warn(`test/proxy/public-npm.test.ts: SKIPPED — ${NPM} is unreachable from this machine`);

describe.skipIf(!reachable)('through Sigil from the real public npm registry', () => {
  let dir: string;
  let registry: Registry;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sigil-public-npm-'));
    registry = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      openWrites: true,
      batchIntervalMs: 1,
      proxy: parseProxyConfig({ upstreams: { npm: NPM } }, 'test'),
    });
    url = await registry.listen();
  });
  afterAll(async () => {
    await registry?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("left-pad@1.3.0: logged with the registry's own integrity; the registry signature recorded as the registry really serves it", async () => {
    const doc = (await (
      await fetch(`${NPM}/left-pad`, { headers: { accept: 'application/json' } })
    ).json()) as {
      versions: Record<
        string,
        { dist: { integrity: string; signatures?: unknown[]; attestations?: unknown } }
      >;
    };
    const dist = doc.versions['1.3.0']!.dist;
    const keys = await fetch(`${NPM}/-/npm/v1/keys`);
    const signed = Array.isArray(dist.signatures) && dist.signatures.length > 0 && keys.ok;

    const res = await fetch(
      `${url}/api/v1/releases/${encodeURIComponent('pkg:npm/left-pad@1.3.0')}`,
    );
    expect(res.status).toBe(200);
    const record = (await res.json()) as {
      native: Record<string, string>;
      publishStatement: { payload: string };
    };
    expect(record.native['sri-sha512']).toBe(dist.integrity);
    const p = parseObservedStatement(
      Buffer.from(record.publishStatement.payload, 'base64'),
    ).predicate;
    expect(p.upstream).toBe(NPM);
    if (signed) {
      expect(p.evidence.registrySignature.verdict).toBe('valid');
    } else {
      // The mirror strips dist.signatures (and serves no keys): recorded as missing, with why.
      expect(p.evidence.registrySignature.verdict).toBe('missing');
      expect(p.evidence.registrySignature.reason).toMatch(
        /serves no dist\.signatures.*a mirror may strip them/,
      );
    }
    expect(p.evidence.provenance.verdict).toBe(dist.attestations ? 'valid' : 'none'); // left-pad@1.3.0 (2018) predates npm provenance
    // The packument Sigil serves carries Sigil's own signature for the logged version.
    const served = (await (
      await fetch(`${url}/left-pad`, { headers: { accept: 'application/json' } })
    ).json()) as {
      versions: Record<string, { dist: { tarball: string; signatures?: { keyid: string }[] } }>;
    };
    expect(served.versions['1.3.0']!.dist.tarball).toBe(`${url}/left-pad/-/left-pad-1.3.0.tgz`);
    expect(served.versions['1.3.0']!.dist.signatures?.[0]?.keyid).toMatch(/^SHA256:/);
  }, 60_000);
});
