// Interop: WordPress core's own download_url() + verify_file_signature() (php-cli, Debian's
// wordpress) installs an update of a plugin that was never published to Sigil, through
// `sigil serve --upstream wordpress=<static plugin directory>`. The directory answers
// plugins/info/1.2 (version, download_link, versions), serves zips, and per-file checksums at
// /plugin-checksums/<slug>/<version>.json, as wordpress.org does; it signs nothing and lists
// no digest of the zip. Sigil checks every file of the zip against those checksums, logs the
// zip as observed, and offers it in the update check with its own Ed25519 signature, which
// WordPress checks against the key pinned with wp_trusted_keys.
// Also: a zip whose files disagree with the checksums is refused (nothing logged, left out of
// the update check); a plugin with no checksums is logged as first seen, and its evidence says
// so; a private name is never asked upstream; when the upstream fails, logged versions are
// still offered.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Registry } from '../../src/registry/server.js';
import { needsCondition, needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { plugin, WP, wpDownload } from '../helpers/wordpress-php.js';
import { openProxied, sendBytes, statementOf, StaticUpstream } from './static-upstream.js';

const FILE = 'test/proxy/wordpress-proxy.test.ts';
const php = needsProgram('php', ['--version'], 'apt-get install php-cli', FILE);
const wordpress = needsCondition(
  'WordPress',
  existsSync(join(WP, 'wp-admin/includes/file.php')),
  'apt-get install --no-install-recommends wordpress',
  FILE,
);
const skip = skipUnlessPresent(php) || skipUnlessPresent(wordpress);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sha384 = (b: Buffer) => createHash('sha384').update(b).digest('hex');

interface DirPlugin {
  version: string;
  zips: Map<string, Buffer>;
  /** Per-file checksums by version; absent: the checksums file answers 404. */
  checksums: Map<string, Record<string, { md5: string; sha256: string }>>;
}

/** A static plugin directory: info API under /wp, zips under /dl, checksums at the origin's /plugin-checksums. */
class StaticDirectory extends StaticUpstream {
  protected readonly root = '/wp';
  readonly plugins = new Map<string, DirPlugin>();

  /** add lists a version; `listedPhp` is the plugin file the checksums describe (none: 404). */
  add(slug: string, version: string, zip: Buffer, listedPhp: Buffer | undefined): void {
    const p = this.plugins.get(slug) ?? { version, zips: new Map(), checksums: new Map() };
    p.version = version;
    p.zips.set(version, zip);
    if (listedPhp)
      p.checksums.set(version, {
        [`${slug}.php`]: {
          md5: createHash('md5').update(listedPhp).digest('hex'),
          sha256: sha256(listedPhp),
        },
      });
    this.plugins.set(slug, p);
  }

  protected serve(path: string, res: ServerResponse, url: string): void {
    const q = new URL(`http://x${url}`).searchParams;
    if (path === '/wp/plugins/info/1.2/') {
      const slug = q.get('request[slug]') ?? '';
      const p = this.plugins.get(slug);
      if (!p) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return void res.end('{"error":"Plugin not found."}');
      }
      return sendBytes(
        res,
        Buffer.from(
          JSON.stringify({
            name: slug,
            slug,
            version: p.version,
            download_link: `${this.origin}/dl/plugin/${slug}.${p.version}.zip`,
            versions: Object.fromEntries(
              [...p.zips.keys()].map((v) => [v, `${this.origin}/dl/plugin/${slug}.${v}.zip`]),
            ),
            last_updated: '2024-01-01 3:00pm GMT',
          }),
        ),
      );
    }
    const zip = /^\/dl\/plugin\/([a-z0-9-]+)\.(\d[\d.]*)\.zip$/.exec(path);
    if (zip) return sendBytes(res, this.plugins.get(zip[1]!)?.zips.get(zip[2]!));
    const sums = /^\/plugin-checksums\/([a-z0-9-]+)\/(\d[\d.]*)\.json$/.exec(path);
    const files = sums && this.plugins.get(sums[1]!)?.checksums.get(sums[2]!);
    sendBytes(
      res,
      files ? Buffer.from(JSON.stringify({ plugin: sums[1], version: sums[2], files })) : undefined,
    );
  }

  get origin(): string {
    return this.url.replace(/\/wp$/, '');
  }
}

/** A plugin zip and its PHP file's bytes (what the checksums list). */
function pluginWithFile(slug: string, version: string, extra = ''): [Buffer, Buffer] {
  const zip = plugin(slug, version, extra);
  const file = Buffer.from(
    `<?php\n/*\n * Plugin Name: ${slug}\n * Version: ${version}\n */\n${extra}\n`,
  );
  return [zip, file];
}

describe.skipIf(skip)('WordPress updates a plugin through the verifying proxy', () => {
  let root: string;
  let up: StaticDirectory;
  let reg: Registry;
  let url: string;
  let key: string;
  const [good, goodPhp] = pluginWithFile('up-plugin', '1.1.0', 'echo "upstream";');
  const [bad] = pluginWithFile('bad-plugin', '2.0.0', 'echo "changed";');
  const [, listedPhp] = pluginWithFile('bad-plugin', '2.0.0', 'echo "listed";');
  const [bare] = pluginWithFile('bare-plugin', '1.0.0');
  const [secret, secretPhp] = pluginWithFile('acme-secret', '1.0.0');

  const updateCheck = async (installed: Record<string, string>) => {
    const res = await fetch(`${url}/wordpress/plugins/update-check/1.1/`, {
      method: 'POST',
      body: new URLSearchParams({
        plugins: JSON.stringify({
          plugins: Object.fromEntries(
            Object.entries(installed).map(([f, v]) => [f, { Version: v }]),
          ),
          active: [],
        }),
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      plugins: Record<string, { new_version: string; package: string; signatures: string[] }>;
    };
  };

  beforeAll(async () => {
    php.require();
    wordpress.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-wp-proxy-'));
    up = new StaticDirectory();
    up.add('up-plugin', '1.1.0', good, goodPhp);
    up.add('bad-plugin', '2.0.0', bad, listedPhp); // the zip holds other bytes than listed
    up.add('bare-plugin', '1.0.0', bare, undefined);
    up.add('acme-secret', '1.0.0', secret, secretPhp);
    await up.start();
    ({ reg, url } = await openProxied(root, 'wordpress', up.url, ['pkg:wordpress/plugin/acme-*']));
    key = (await (await fetch(`${url}/wordpress/trusted-key`)).text()).trim();
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it("the update check offers the upstream's version signed by Sigil; WordPress's download_url() verifies it; it is logged as observed, each file checked", async () => {
    const body = await updateCheck({ 'up-plugin/up-plugin.php': '1.0.0' });
    const offer = body.plugins['up-plugin/up-plugin.php']!;
    expect(offer.new_version).toBe('1.1.0');
    expect(offer.package.startsWith(`${url}/wordpress/download/plugin/up-plugin/`)).toBe(true);
    const r = await wpDownload(offer.package, key);
    expect(r.out.ok, r.raw).toBe(true);
    expect(r.out.sha384).toBe(sha384(good));

    const row = reg.store.get('pkg:wordpress/plugin/up-plugin@1.1.0');
    expect(row).toBeDefined();
    expect(row!.sha256).toBe(sha256(good));
    const st = statementOf(row!) as ReturnType<typeof statementOf> & {
      predicate: { evidence: { registrySignature: { reason: string } } };
    };
    expect(st.predicateType).toBe('https://sigil.dev/observed/v0.1');
    expect(st.predicate.evidence.indexDigest).toBeNull();
    expect(st.predicate.evidence.registrySignature.verdict).toBe('not-applicable');
    expect(st.predicate.evidence.registrySignature.reason).toContain(
      'each of its 1 files matched the sha256',
    );
  }, 120_000);

  it('a zip whose files disagree with the directory checksums is refused, left out of the update check; nothing logged', async () => {
    const body = await updateCheck({ 'bad-plugin/bad-plugin.php': '1.0.0' });
    expect(body.plugins['bad-plugin/bad-plugin.php']).toBeUndefined();
    const res = await fetch(`${url}/wordpress/download/plugin/bad-plugin/bad-plugin.2.0.0.zip`);
    expect(res.status).toBe(502);
    const text = JSON.stringify(await res.json());
    expect(text).toContain('UPSTREAM_DIGEST_MISMATCH');
    expect(text).toContain('bad-plugin.php has another sha256');
    expect(text).toContain(up.url);
    expect(reg.store.get('pkg:wordpress/plugin/bad-plugin@2.0.0')).toBeUndefined();
  });

  it('a plugin with no checksums upstream is logged as first seen, and its evidence says so', async () => {
    const info = (await (
      await fetch(
        `${url}/wordpress/plugins/info/1.2/?action=plugin_information&request[slug]=bare-plugin`,
      )
    ).json()) as { version: string; download_link: string; signatures: string[] };
    expect(info.version).toBe('1.0.0');
    expect(info.signatures).toHaveLength(1);
    const row = reg.store.get('pkg:wordpress/plugin/bare-plugin@1.0.0');
    expect(row?.sha256).toBe(sha256(bare));
    const st = statementOf(row!) as unknown as {
      predicate: { evidence: { registrySignature: { reason: string } } };
    };
    expect(st.predicate.evidence.registrySignature.reason).toContain(
      'no per-file checksums to check',
    );
  });

  it('when the upstream fails, logged versions are still offered; a private name is never asked upstream', async () => {
    up.fault = { path: '/wp/', kind: '500' };
    const body = await updateCheck({
      'up-plugin/up-plugin.php': '1.0.0',
      'acme-secret/acme-secret.php': '0.1',
    });
    expect(body.plugins['up-plugin/up-plugin.php']?.new_version).toBe('1.1.0');
    expect(body.plugins['acme-secret/acme-secret.php']).toBeUndefined();
    up.fault = undefined;
    expect(up.urls.filter((p) => p.includes('acme'))).toEqual([]);
    expect(
      (await fetch(`${url}/wordpress/download/plugin/acme-secret/acme-secret.1.0.0.zip`)).status,
    ).toBe(404);
    expect(up.urls.filter((p) => p.includes('acme'))).toEqual([]);
  });
});
