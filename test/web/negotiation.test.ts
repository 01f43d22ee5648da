// Content negotiation: a browser's Accept header reaches the web UI only at `/`; every
// path a package manager uses answers the same status, type and bytes whatever Accept says.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wantsHtml } from '../../src/web/negotiation.js';
import { startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { buildTgz } from '../helpers/tar-builder.js';

const BROWSER =
  'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';

describe('wantsHtml', () => {
  it.each([
    [BROWSER, true],
    ['text/html', true],
    [undefined, false],
    ['', false],
    ['*/*', false],
    ['application/json', false],
    ['application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*', false],
    ['application/vnd.pypi.simple.v1+json, text/html;q=0.2', false], // pip
    ['text/html;q=0.5, application/json', false],
    ['text/html;q=abc', false],
  ])('%s → %s', (accept, want) => expect(wantsHtml(accept)).toBe(want));
});

describe('client paths ignore a browser Accept header', () => {
  let r: TestRegistry;
  beforeAll(async () => {
    r = await startRegistry('webui-negotiation');
    const tgz = buildTgz([
      {
        name: 'package/package.json',
        content: JSON.stringify({ name: 'neg-pkg', version: '1.0.0' }),
      },
    ]);
    expect((await r.publish(r.admin, tgz, { filename: 'neg-pkg-1.0.0.tgz' })).status).toBe(201);
  });
  afterAll(async () => r?.close());

  const paths = [
    '/neg-pkg', // npm packument
    '/neg-pkg/-/neg-pkg-1.0.0.tgz',
    '/-/npm/v1/keys',
    '/-/ping',
    '/nonexistent-package',
    '/log/checkpoint',
    '/go/example.com/m/@v/list',
    '/pypi/simple/',
    '/pypi/simple/neg-pkg/',
    '/cargo/index/config.json',
    '/rubygems/specs.4.8.gz',
    '/composer/packages.json',
    '/maven2/com/example/x/maven-metadata.xml',
    '/debian/dists/sigil/InRelease',
    '/cran/src/contrib/PACKAGES',
    '/puppet/v3/modules?limit=1',
    '/hackage/root.json',
    '/hex/names',
    '/cpan/modules/02packages.details.txt.gz',
    '/api/v1/releases/pkg%3Anpm%2Fneg-pkg%401.0.0',
    '/.well-known/sigil/keys.json',
  ];
  it.each(paths)('%s', async (path) => {
    const plain = await fetch(`${r.url}${path}`, { redirect: 'manual' });
    const browser = await fetch(`${r.url}${path}`, {
      headers: { accept: BROWSER },
      redirect: 'manual',
    });
    const [a, b] = [
      Buffer.from(await plain.arrayBuffer()),
      Buffer.from(await browser.arrayBuffer()),
    ];
    expect(browser.status, path).toBe(plain.status);
    expect(browser.headers.get('content-type'), path).toBe(plain.headers.get('content-type'));
    expect(browser.headers.get('content-security-policy'), path).toBeNull(); // helmet stays inside /ui
    // Never the UI's page (pip's simple index is HTML of its own, PEP 503: it must stay that).
    expect(b.toString('latin1'), path).not.toContain('· Sigil</title>');
    // Signed, dated indexes (InRelease) may differ by a second; everything else is byte-identical.
    if (!path.includes('InRelease')) expect(b.equals(a), path).toBe(true);
  });

  it('`/` sends a browser to /ui/ and leaves every other client as it was', async () => {
    const browser = await fetch(`${r.url}/`, { headers: { accept: BROWSER }, redirect: 'manual' });
    expect(browser.status).toBe(303);
    expect(browser.headers.get('location')).toBe('/ui/');
    for (const accept of [undefined, '*/*', 'application/json']) {
      const res = await fetch(`${r.url}/`, {
        ...(accept ? { headers: { accept } } : {}),
        redirect: 'manual',
      });
      expect(res.status, String(accept)).toBe(404);
      expect(res.headers.get('content-type'), String(accept)).toMatch(/json/);
    }
  });

  it('every UI response carries the strict CSP; a form POST without its CSRF token is refused', async () => {
    const page = await fetch(`${r.url}/ui/`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    const post = await fetch(`${r.url}/ui/account/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${encodeURIComponent(r.admin)}`,
    });
    expect(post.status).toBe(403);
    expect(post.headers.get('set-cookie') ?? '').not.toContain('sigil_session');
    expect(await post.text()).not.toMatch(/\n\s+at |\.(ts|js):\d+/);
  });

  it('hostile paths get a page that says what to do, never a stack trace', async () => {
    for (const p of [
      '/ui/package/pkg%3Anpm%2F',
      '/ui/package/%3Cscript%3E',
      '/ui/log/entry/99999999',
      '/ui/log/entry/-1',
      '/ui/search?q=%3Cimg%20src%3Dx%3E',
      '/ui/ledger/x',
    ]) {
      const res = await fetch(`${r.url}${p}`);
      const t = await res.text();
      expect(res.status, p).toBeLessThan(500);
      expect(t, p).not.toMatch(/\n\s+at |node_modules/);
      expect(t, p).not.toContain('<script>');
      expect(t, p).not.toContain('<img src=x>');
    }
  });
});
