// WordPress core checks Sigil's signature itself: a plugin zip published over /api/v1 is
// offered by the update API (plugins/update-check/1.1) with a `signatures` list, and
// WordPress's own download_url() + verify_file_signature() (Debian's `wordpress`, run by
// php-cli through test/personalities/wordpress/download.php) fetch it from `sigil serve`
// and verify it against the registry's WordPress key pinned with wp_trusted_keys.
// A tampered zip (served by a mirror with the genuine signature) and another key are refused.
// Under CI=true missing php or WordPress fail; locally the suite is skipped, loudly.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { rawEd25519Public } from '../../src/registry/personalities/wordpress/index.js';
import { makeZip } from '../ecosystems/helpers.js';
import { plugin, WP, wpDownload } from '../helpers/wordpress-php.js';
import { expectRefused, startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { needsCondition, needsProgram, skipUnlessPresent } from '../helpers/real-program.js';

const FILE = 'test/personalities/wordpress.test.ts';
const php = needsProgram('php', ['--version'], 'apt-get install php-cli', FILE);
const wordpress = needsCondition(
  'WordPress',
  existsSync(join(WP, 'wp-admin/includes/file.php')),
  'apt-get install --no-install-recommends wordpress',
  FILE,
);
const skip = skipUnlessPresent(php) || skipUnlessPresent(wordpress);
async function mirror(body: Buffer, signature: string): Promise<{ server: Server; url: string }> {
  const server = createServer((_req, res) => {
    res.setHeader('x-content-signature', signature);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/wordpress/download/plugin/hello-sigil/hello-sigil.1.1.0.zip`,
  };
}

describe.skipIf(skip)(
  'WordPress installs plugin updates from Sigil and checks its signature',
  () => {
    let t: TestRegistry;
    let token: string;
    let key: string;
    const v1 = plugin('hello-sigil', '1.0.0');
    const v2 = plugin('hello-sigil', '1.1.0', 'echo "two";');
    beforeAll(async () => {
      php.require();
      wordpress.require();
      t = await startRegistry('wordpress');
      token = await t.tokenFor('ada');
      for (const [v, b] of [
        ['1.0.0', v1],
        ['1.1.0', v2],
      ] as const) {
        const r = await t.publish(token, b, {
          filename: `hello-sigil.${v}.zip`,
          type: 'wordpress',
        });
        expect(r.status, r.text).toBe(201);
      }
      key = (await (await fetch(`${t.url}/wordpress/trusted-key`)).text()).trim();
    });
    afterAll(async () => t?.close());

    it('update-check offers the newest release with a package URL and signatures; download_url verifies it', async () => {
      const form = new URLSearchParams({
        plugins: JSON.stringify({
          plugins: {
            'hello-sigil/hello-sigil.php': { Version: '1.0.0' },
            'akismet/akismet.php': { Version: '5.0' },
          },
          active: [],
        }),
        all: 'true',
      });
      const res = await fetch(`${t.url}/wordpress/plugins/update-check/1.1/`, {
        method: 'POST',
        body: form,
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as {
        plugins: Record<
          string,
          { new_version: string; package: string; signatures: string[]; purl: string }
        >;
        no_update: object;
      };
      expect(Object.keys(body.plugins)).toEqual(['hello-sigil/hello-sigil.php']); // akismet is not published here
      const offer = body.plugins['hello-sigil/hello-sigil.php']!;
      expect(offer.new_version).toBe('1.1.0');
      expect(offer.purl).toBe('pkg:wordpress/plugin/hello-sigil@1.1.0');

      const got = await wpDownload(offer.package, key);
      expect(got.status, got.raw).toBe(0);
      expect(got.out.ok, got.raw).toBe(true);
      expect(readFileSync(got.out.file!)).toEqual(v2);
      rmSync(got.out.file!, { force: true });
      // the signature in the API answer is the one WordPress checked (x-content-signature)
      const dl = await fetch(offer.package);
      expect(dl.headers.get('x-content-signature')).toBe(offer.signatures[0]);
      expect((await (await fetch(`${offer.package}.sig`)).text()).trim()).toBe(offer.signatures[0]);

      // up to date: no_update
      const up = await fetch(`${t.url}/wordpress/plugins/update-check/1.1/`, {
        method: 'POST',
        body: new URLSearchParams({
          plugins: JSON.stringify({
            plugins: { 'hello-sigil/hello-sigil.php': { Version: '1.1.0' } },
          }),
        }),
      });
      const upBody = (await up.json()) as { plugins: object; no_update: object };
      expect(upBody.plugins).toEqual({});
      expect(Object.keys(upBody.no_update)).toEqual(['hello-sigil/hello-sigil.php']);
    });

    it('a tampered zip with the genuine signature fails verify_file_signature', async () => {
      const sig = (
        await (
          await fetch(`${t.url}/wordpress/download/plugin/hello-sigil/hello-sigil.1.1.0.zip.sig`)
        ).text()
      ).trim();
      const evil = plugin('hello-sigil', '1.1.0', 'echo "evil";');
      const m = await mirror(evil, sig);
      try {
        const got = await wpDownload(m.url, key);
        expect(got.status, got.raw).not.toBe(0);
        expect(got.out.code, got.raw).toBe('signature_verification_failed');
      } finally {
        m.server.close();
      }
    });

    it('a signature checked against another trusted key fails', async () => {
      const other = rawEd25519Public(generateKey('ed25519')).toString('base64');
      const got = await wpDownload(
        `${t.url}/wordpress/download/plugin/hello-sigil/hello-sigil.1.0.0.zip`,
        other,
      );
      expect(got.out.code, got.raw).toBe('signature_verification_failed');
    });

    it('bad input over HTTP: malformed headers, overwrite, traversal, bad requests, oversize — clear errors, nothing stored', async () => {
      const before = t.reg.store.count();
      const noVersion = makeZip([
        { name: 'broken/' },
        { name: 'broken/broken.php', data: '<?php\n/* Plugin Name: broken */\n' },
      ]);
      const a = await t.publish(token, noVersion, { filename: 'broken.zip', type: 'wordpress' });
      expect(a.status, a.text).toBe(400);
      expect(a.json.error?.code, a.text).toBe('ARTIFACT_INVALID');
      expect(a.json.error?.message).toContain('broken/broken.php');
      const noHeader = makeZip([
        { name: 'nohead/' },
        { name: 'nohead/x.php', data: '<?php echo 1;\n' },
      ]);
      expect(
        (await t.publish(token, noHeader, { filename: 'nohead.zip', type: 'wordpress' })).json.error
          ?.code,
      ).toBe('ARTIFACT_INVALID');
      // the same version again with other bytes
      const again = await t.publish(token, plugin('hello-sigil', '1.1.0', '/* other */'), {
        filename: 'hello-sigil.1.1.0.zip',
        type: 'wordpress',
      });
      expect(again.status, again.text).toBe(409);
      // oversize (the test registry takes 1 MiB)
      const big = await t.publish(token, plugin('big', '1.0.0', `/* ${'x'.repeat(1_300_000)} */`), {
        filename: 'big.zip',
        type: 'wordpress',
      });
      expect(big.status, big.text).toBe(413);
      expect(t.reg.store.count()).toBe(before);

      for (const p of [
        '/wordpress/download/plugin/..%2F..%2Fetc/passwd',
        '/wordpress/download/plugin/hello-sigil/..%2F..%2Fkeys%2Fregistry.key',
        '/wordpress/download/plugin/hello-sigil/hello-sigil.9.9.zip',
      ]) {
        const r = await fetch(`${t.url}${p}`);
        expect([400, 404], p).toContain(r.status);
        expect(await r.text()).not.toMatch(/PRIVATE KEY|root:/);
      }
      const bad = await fetch(`${t.url}/wordpress/plugins/update-check/1.1/`, {
        method: 'POST',
        body: new URLSearchParams({ plugins: '{not json' }),
      });
      expectRefused(
        { status: bad.status, text: await bad.clone().text(), json: (await bad.json()) as never },
        400,
        'WORDPRESS_REQUEST_INVALID',
        'plugins',
      );
      const info = await fetch(
        `${t.url}/wordpress/plugins/info/1.2/?action=plugin_information&request[slug]=hello-sigil`,
      );
      const infoBody = (await info.json()) as { version: string; versions: Record<string, string> };
      expect(infoBody.version).toBe('1.1.0');
      expect(Object.keys(infoBody.versions).sort()).toEqual(['1.0.0', '1.1.0']);
      expect(
        (
          await fetch(
            `${t.url}/wordpress/plugins/info/1.2/?action=plugin_information&request[slug]=..%2Fx`,
          )
        ).status,
      ).toBe(400);
    });
  },
);
