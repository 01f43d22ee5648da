// The web UI in a real browser: Debian's chromium driven by playwright-core, against a
// registry with author-signed releases (one key rotation), an unsigned upload, a release
// observed from an npm upstream and a conflict. In-browser verification passes for the
// good file and names the failing step for a tampered file, a forged inclusion proof and
// a wrong key; 2FA enrolment with the QR's secret yields a TOTP the registry accepts.
// Any Content-Security-Policy violation or page error fails the test.
// SIGIL_UI_SCREENSHOTS=1 writes the screenshots into docs/ui/ (else into a temp folder).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import QRCode from 'qrcode';
import { base32Decode, otpauthUri, totp } from '../../src/registry/auth/totp.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { startStaticNpmUpstream, type StaticNpmUpstream } from '../proxy/static-npm-upstream.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { buildTgz } from '../helpers/tar-builder.js';

const browserBin = needsProgram(
  'chromium',
  ['--version'],
  'apt-get install chromium',
  'test/web/browser.test.ts',
);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const tgz = (name: string, version: string, extra = '') =>
  buildTgz([
    {
      name: 'package/package.json',
      content: JSON.stringify({ name, version, description: extra }),
    },
    { name: 'package/index.js', content: `module.exports = ${JSON.stringify(version)};\n` },
  ]);
const bundleFor = (bytes: Buffer, purl: string, key: PrivateKey) =>
  JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key })));

describe.skipIf(skipUnlessPresent(browserBin))('web UI in Chromium', () => {
  let dir: string;
  let shots: string;
  let reg: Registry;
  let url: string;
  let upstream: StaticNpmUpstream;
  let browser: Browser;
  let context: BrowserContext;
  let aliceToken: string;
  let spareTokenId: string;
  const files: Record<string, string> = {};
  let key1: PrivateKey;
  let key2: PrivateKey;
  const violations: string[] = [];

  const publish = async (
    token: string,
    bytes: Buffer,
    filename: string,
    bundle?: unknown,
    keyEvents?: unknown[],
  ) => {
    const res = await fetch(`${url}/api/v1/publish`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        filename,
        artifact: bytes.toString('base64'),
        bundle: bundle ?? null,
        ...(keyEvents ? { keyEvents } : {}),
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
  };

  beforeAll(async () => {
    browserBin.require();
    dir = mkdtempSync(join(tmpdir(), 'sigil-webui-'));
    shots =
      process.env['SIGIL_UI_SCREENSHOTS'] === '1' ? join(ROOT, 'docs', 'ui') : join(dir, 'shots');
    mkdirSync(shots, { recursive: true });
    upstream = await startStaticNpmUpstream(
      [{ name: 'upstream-lib', version: '2.0.0', bytes: tgz('upstream-lib', '2.0.0') }],
      { sign: true },
    );
    reg = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 1,
      authLimits: {
        perIp: { burst: 10_000, perMinute: 60_000 },
        perAccount: { burst: 10_000, perMinute: 60_000 },
      },
      proxy: parseProxyConfig(
        { upstreams: { npm: { url: upstream.url } }, limits: { indexTtlMs: 0 } },
        'test',
      ),
    });
    url = await reg.listen();
    await reg.auth.createAccount('alice');
    aliceToken = (
      await reg.auth.createToken('alice', {
        actions: ['publish', 'keys'],
        label: 'browser sign-in',
      })
    ).token;
    spareTokenId = (
      await reg.auth.createToken('alice', { actions: ['publish'], label: 'ci spare' })
    ).info.id;

    // web-demo: 1.0.0 signed by key1 (first use), 1.1.0 signed by key2 after a rotation key1 → key2.
    key1 = generateKey();
    key2 = generateKey();
    const v1 = tgz('web-demo', '1.0.0');
    const add = buildKeyEvent(
      { namespace: 'pkg:npm/web-demo', previous: null, action: 'add', keys: [key1.publicKey] },
      [key1],
    );
    await publish(
      aliceToken,
      v1,
      'web-demo-1.0.0.tgz',
      bundleFor(v1, 'pkg:npm/web-demo@1.0.0', key1),
      [add.envelope],
    );
    const rotate = buildKeyEvent(
      {
        namespace: 'pkg:npm/web-demo',
        previous: add.digest,
        action: 'rotate',
        from: key1.publicKey.keyId,
        to: key2.publicKey,
      },
      [key1],
    );
    const res = await fetch(`${url}/api/v1/key-events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${aliceToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ envelope: rotate.envelope }),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    const v2 = tgz('web-demo', '1.1.0');
    await publish(
      aliceToken,
      v2,
      'web-demo-1.1.0.tgz',
      bundleFor(v2, 'pkg:npm/web-demo@1.1.0', key2),
    );
    await publish(aliceToken, tgz('plain-pkg', '0.1.0'), 'plain-pkg-0.1.0.tgz'); // no author signature

    // Observed from upstream, then republished upstream with other bytes: a conflict record.
    expect(
      (await fetch(`${url}/api/v1/releases/${encodeURIComponent('pkg:npm/upstream-lib@2.0.0')}`))
        .status,
    ).toBe(200);
    const original = upstream.packages.get('upstream-lib')![0]!.bytes;
    upstream.republish('upstream-lib', '2.0.0', gzipSync(gunzipSync(original), { level: 1 }));
    await fetch(`${url}/upstream-lib`, { headers: { accept: 'application/json' } });

    // A bundle for the good file, signed by a key the ledger never saw.
    files['wrong-key-bundle'] = join(dir, 'web-demo-1.1.0.tgz.sigstore.json');
    writeFileSync(
      files['wrong-key-bundle'],
      JSON.stringify(bundleFor(v2, 'pkg:npm/web-demo@1.1.0', generateKey())),
    );
    for (const [name, bytes] of [
      ['good', v2],
      [
        'tampered',
        Buffer.concat([v2.subarray(0, v2.length - 1), Buffer.from([v2[v2.length - 1]! ^ 1])]),
      ],
    ] as const) {
      files[name] = join(dir, `web-demo-1.1.0-${name}.tgz`);
      writeFileSync(files[name], bytes);
    }

    const which = spawnSync('which', ['chromium'], { encoding: 'utf8' }).stdout.trim();
    browser = await chromium.launch({
      executablePath: which,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
      timeout: 60_000,
    });
    context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    await context.addInitScript({
      content:
        "document.addEventListener('securitypolicyviolation', (e) => console.error('CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI));",
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await reg?.close();
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') violations.push(`${path}: ${m.text()}`);
    });
    page.on('pageerror', (e) => violations.push(`${path}: ${e.message}`));
    const res = await page.goto(`${url}${path}`);
    expect(res?.status(), path).toBeLessThan(400);
    await labelled(page);
    return page;
  }
  /** Every form control a person can reach has a label (accessible name). */
  const labelled = async (page: Page) =>
    expect(
      await page.evaluate<string[]>(
        "[...document.querySelectorAll('input:not([type=hidden])')].filter((i) => i.labels.length === 0 && !i.getAttribute('aria-label')).map((i) => i.id || i.name)",
      ),
    ).toEqual([]);
  const noViolations = () => expect(violations.splice(0)).toEqual([]); // each test answers for its own pages

  it('the CSP detector itself works: an injected inline script is blocked and reported', async () => {
    const page = await open('/ui/');
    await page.evaluate(
      "(() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1'; document.body.append(s); })()",
    );
    // Both reports arrive: Chromium's own console error and the securitypolicyviolation event.
    await expect
      .poll(() => violations.some((v) => v.includes('CSP violation: script-src')))
      .toBe(true);
    expect(violations.splice(0).join('\n')).toMatch(/Content Security Policy/);
    expect(await page.evaluate<unknown>('window.__ran')).toBeUndefined();
  });

  it('home and search: recent releases across ecosystems, the log size and age; search by name and by purl', async () => {
    const page = await open('/');
    expect(page.url()).toBe(`${url}/ui/`); // a browser at / lands on the UI
    const text = await page.locator('main').innerText();
    expect(text).toMatch(/holds \d+ entries; its checkpoint is \d+ s old/);
    expect(text).toContain('web-demo');
    expect(text).toContain('upstream-lib');
    await page.screenshot({ path: join(shots, 'home.png'), fullPage: true });
    await page.fill('#q', 'pkg:npm/web-demo');
    await page.press('#q', 'Enter');
    await page.waitForURL(/\/ui\/search/);
    expect(await page.locator('ul.releases li').count()).toBe(2);
    await page.goto(`${url}/ui/search?q=WEB-DE`);
    expect(await page.locator('ul.releases li').count()).toBe(2);
    noViolations();
  });

  it('package page: each version with its signer, the keys allowed at its log index, countersignature, log entries, digests, install command', async () => {
    const page = await open(`/ui/package/${encodeURIComponent('pkg:npm/web-demo')}`);
    const v11 = await page
      .locator('section.version', { has: page.locator('h2#v-1\\.1\\.0') })
      .innerText();
    expect(v11).toContain('author-signed');
    expect(v11).toContain(key2.publicKey.keyId.slice(0, 12));
    expect(v11).toMatch(/authorised at log index \d+/);
    expect(v11).toContain('registry publish statement');
    expect(v11).toMatch(/integrity \(package-lock.json\)\s+sha512-/);
    expect(v11).toContain(`npm install web-demo@1.1.0 --registry ${url}/`);
    // Before the rotation only key1 could sign; at 1.1.0 only key2.
    const keys11 = await page
      .locator('section.version', { has: page.locator('h2#v-1\\.1\\.0') })
      .locator('ul.keys li code')
      .allTextContents();
    expect(keys11).toEqual([`${key2.publicKey.keyId.slice(0, 12)}…`]);
    const keys10 = await page
      .locator('section.version', { has: page.locator('h2#v-1\\.0\\.0') })
      .locator('ul.keys li code')
      .allTextContents();
    expect(keys10).toEqual([`${key1.publicKey.keyId.slice(0, 12)}…`]);
    await page.screenshot({ path: join(shots, 'package.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390); // no sideways scrolling at phone width
    await page.screenshot({ path: join(shots, 'package-phone.png'), fullPage: false });
    noViolations();
  });

  it('reading works without JavaScript: package, ledger and log pages are complete as served', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await noJs.newPage();
      await page.goto(`${url}/ui/package/${encodeURIComponent('pkg:npm/web-demo')}`);
      expect(await page.locator('section.version').count()).toBe(2);
      expect(await page.locator('main').innerText()).toContain(key2.publicKey.keyId.slice(0, 12));
      await page.goto(`${url}/ui/ledger/${encodeURIComponent('pkg:npm/web-demo')}`);
      expect(await page.locator('.event').count()).toBe(2);
      await page.goto(`${url}/ui/log`);
      expect(await page.locator('table.entries tbody tr').count()).toBeGreaterThan(5);
      await page.goto(`${url}/ui/log/entry/1`);
      expect(await page.locator('noscript').count()).toBe(1); // says where the raw proof material is
    } finally {
      await noJs.close();
    }
  });

  it('observed release: upstream evidence, and the conflict in red', async () => {
    const page = await open(`/ui/package/${encodeURIComponent('pkg:npm/upstream-lib')}`);
    const text = await page.locator('main').innerText();
    expect(text).toContain('observed upstream');
    expect(text).toContain(`fetched from ${upstream.url}`);
    expect(text).toMatch(/Upstream registry signature\s+valid/);
    const conflict = page.locator('section.conflict');
    await expect.poll(() => conflict.count()).toBe(1);
    const color = await page.evaluate<string>(
      "getComputedStyle(document.querySelector('section.conflict')).color",
    );
    expect(color).toBe('rgb(179, 38, 30)');
    await page.screenshot({ path: join(shots, 'observed-conflict.png'), fullPage: true });
    noViolations();
  });

  it('key ledger: add then rotate, who signed each, with log entries', async () => {
    const page = await open(`/ui/ledger/${encodeURIComponent('pkg:npm/web-demo')}`);
    const actions = await page.locator('.event .action').allTextContents();
    expect(actions.map((a) => a.toLowerCase())).toEqual(['add', 'rotate']);
    const rotate = await page.locator('.event').nth(1).innerText();
    expect(rotate).toContain(key1.publicKey.keyId.slice(0, 12)); // signed by the old key
    expect(rotate).toContain(key2.publicKey.keyId.slice(0, 12)); // added the new one
    expect(await page.locator('.event a[href^="/ui/log/entry/"]').count()).toBe(2);
    await page.screenshot({ path: join(shots, 'ledger.png'), fullPage: true });
    noViolations();
  });

  it('log browser: entries decoded; an inclusion proof checked step by step in the page; a forged proof fails', async () => {
    const page = await open('/ui/log');
    expect(await page.locator('pre.checkpoint').innerText()).toContain(reg.log.origin);
    expect(await page.locator('table.entries tbody tr').count()).toBe(reg.log.size);
    expect(await page.locator('table.entries').innerText()).toContain('key event');
    await page.screenshot({ path: join(shots, 'log.png'), fullPage: true });

    const entry = await open('/ui/log/entry/1');
    await entry.click('button.run');
    await entry.locator('[data-check="inclusion"]').waitFor();
    expect(await entry.locator('[data-check="checkpoint"]').getAttribute('data-status')).toBe(
      'pass',
    );
    expect(await entry.locator('[data-check="inclusion"]').getAttribute('data-status')).toBe(
      'pass',
    );
    expect(await entry.locator('li.step').count()).toBeGreaterThan(2);
    await entry.screenshot({ path: join(shots, 'inclusion.png'), fullPage: true });

    const forged = await open('/ui/log/entry/1');
    await forged.route('**/ui/api/inclusion/1', async (route) => {
      const body = (await (await route.fetch()).json()) as { hashes: string[] };
      body.hashes[0] = Buffer.alloc(32, 7).toString('base64');
      await route.fulfill({ json: body });
    });
    await forged.click('button.run');
    await forged.locator('[data-check="inclusion"]').waitFor();
    expect(await forged.locator('[data-check="inclusion"]').getAttribute('data-status')).toBe(
      'fail',
    );
    expect(await forged.locator('[data-check="inclusion"]').getAttribute('data-code')).toBe(
      'PROOF_ROOT_MISMATCH',
    );

    // The browser pinned the log key on first use: another key for this origin is refused before any proof.
    const other = await open('/ui/log/entry/1');
    await other.evaluate(
      `localStorage.setItem(${JSON.stringify(`sigil.vkey.${reg.log.origin}`)}, ${JSON.stringify(`${reg.log.origin}+00000000+AAAA`)})`,
    );
    await other.click('button.run');
    await other.locator('[data-check="log key"]').waitFor();
    expect(await other.locator('[data-check="log key"]').getAttribute('data-code')).toBe(
      'SERVER_IDENTITY_CHANGED',
    );
    expect(await other.locator('[data-check="inclusion"]').count()).toBe(0);
    await other.evaluate(
      `localStorage.removeItem(${JSON.stringify(`sigil.vkey.${reg.log.origin}`)})`,
    );
    noViolations();
  });

  it('consistency: the browser remembers a checkpoint and checks the next one extends it', async () => {
    const page = await open('/ui/log');
    await expect
      .poll(() => page.evaluate<string | null>("localStorage.getItem('sigil.checkpoint')"))
      .not.toBeNull();
    const before = reg.log.size;
    await publish(aliceToken, tgz('plain-pkg', '0.2.0'), 'plain-pkg-0.2.0.tgz');
    const later = await open('/ui/log');
    expect(await later.inputValue('#size1')).toBe(String(before));
    await later.click('.consistency-form button');
    await later.locator('[data-check="consistency"]').waitFor();
    expect(await later.locator('[data-check="consistency"]').getAttribute('data-status')).toBe(
      'pass',
    );
    noViolations();
  });

  async function verify(
    file: string | undefined,
    opts: { purl?: string; pin?: string; forge?: boolean; bundle?: string } = {},
  ) {
    const page = await open('/ui/verify');
    if (opts.forge)
      await page.route('**/api/v1/releases**', async (route) => {
        const body = (await (await route.fetch()).json()) as {
          records?: { log: { publish: { hashes: string[] } } }[];
          log?: { publish: { hashes: string[] } };
        };
        const rec = body.records
          ? body.records[0]!
          : (body as { log: { publish: { hashes: string[] } } });
        rec.log.publish.hashes[0] = Buffer.alloc(32, 9).toString('base64');
        await route.fulfill({ json: body });
      });
    if (file) await page.setInputFiles('#artifact', file);
    if (opts.bundle) await page.setInputFiles('#bundle', opts.bundle);
    if (opts.purl) await page.fill('#purl', opts.purl);
    if (opts.pin) await page.fill('#expect-key', opts.pin);
    await page.click('.verify-form button[type="submit"]');
    await page.locator('.summary.pass, .summary.fail').waitFor();
    const status = async (name: string) =>
      page.locator(`[data-check="${name}"]`).first().getAttribute('data-status');
    return { page, status, summary: await page.locator('.summary').innerText() };
  }

  it('verify in the browser: a good file passes every step, found by its digest', async () => {
    const r = await verify(files['good']!);
    expect(r.summary).toBe('verified: pkg:npm/web-demo@1.1.0');
    for (const c of [
      'digest',
      'subject',
      'signature',
      'countersignature',
      'checkpoint',
      'inclusion',
    ])
      expect(await r.status(c), c).toBe('pass');
    await r.page.screenshot({ path: join(shots, 'verify.png'), fullPage: true });
    noViolations();
  });

  it('verify in the browser: a package URL alone checks the copy the registry serves', async () => {
    const r = await verify(undefined, { purl: 'pkg:npm/web-demo@1.0.0' });
    expect(r.summary).toBe('verified: pkg:npm/web-demo@1.0.0');
    expect(await r.status('digest')).toBe('pass');
    expect(await r.status('inclusion')).toBe('pass');
    const unsigned = await verify(undefined, { purl: 'pkg:npm/plain-pkg@0.1.0' });
    expect(await unsigned.status('signature')).toBe('skip');
    expect(await unsigned.status('countersignature')).toBe('pass');
    expect(await unsigned.status('inclusion')).toBe('pass');
    noViolations();
  });

  it('verify in the browser: a tampered file fails at the digest step', async () => {
    const r = await verify(files['tampered']!, { purl: 'pkg:npm/web-demo@1.1.0' });
    expect(r.summary).toContain('NOT verified');
    expect(await r.status('digest')).toBe('fail');
    expect(await r.page.locator('[data-check="digest"]').innerText()).toContain(
      'not the file that was signed',
    );
    await r.page.screenshot({ path: join(shots, 'verify-tampered.png'), fullPage: true });
    noViolations();
  });

  it('verify in the browser: a forged inclusion proof fails at the inclusion step', async () => {
    const r = await verify(files['good']!, { forge: true });
    expect(await r.status('signature')).toBe('pass');
    expect(await r.status('inclusion')).toBe('fail');
    expect(await r.page.locator('[data-check="inclusion"]').getAttribute('data-code')).toBe(
      'PROOF_ROOT_MISMATCH',
    );
    noViolations();
  });

  it('verify in the browser: a pinned key that did not sign fails at the signature step', async () => {
    const r = await verify(files['good']!, { pin: key1.publicKey.keyId });
    expect(await r.status('signature')).toBe('fail');
    expect(await r.page.locator('[data-check="signature"]').getAttribute('data-code')).toBe(
      'KEY_NOT_EXPECTED',
    );
    // A bundle signed by another key does not verify with the key the registry recorded.
    const other = await verify(files['good']!, { bundle: files['wrong-key-bundle']! });
    expect(await other.status('signature')).toBe('fail');
    expect(await other.page.locator('[data-check="signature"]').getAttribute('data-code')).toBe(
      'SIGNATURE_INVALID',
    );
    const ok = await verify(files['good']!, { pin: key2.publicKey.keyId });
    expect(await ok.status('signature')).toBe('pass');
    noViolations();
  });

  it('account: sign in with a token, revoke one, enrol 2FA from the QR secret; the TOTP works and recovery codes show once', async () => {
    const page = await open('/ui/account');
    await page.fill('#token', aliceToken);
    await page.click('form[action="/ui/account/sign-in"] button');
    await page.waitForURL(/\/ui\/account$/);
    expect(page.url()).not.toContain('sgl_'); // no secret in any URL
    expect(await page.locator('h1').innerText()).toBe('Account alice');
    await page.click(`button[aria-label="Revoke token ${spareTokenId}"]`);
    await expect
      .poll(() => page.locator('p.notice').innerText())
      .toContain(`token ${spareTokenId} revoked`);
    expect(
      (await reg.auth.listTokens('alice')).find((t) => t.id === spareTokenId)!.revokedAt,
    ).not.toBeNull();

    await page.click('form[action="/ui/account/2fa/enable"] button');
    const qr = page.locator('figure.qr svg');
    await qr.waitFor();
    await page.screenshot({ path: join(shots, 'account-2fa.png'), fullPage: true });
    const secret = (await page.locator('code.totp-secret').innerText()).trim();
    const raw = base32Decode(secret)!;
    // The QR code encodes exactly the otpauth URI of that secret (same modules as encoding it here).
    const modules = (svg: string) => [...svg.matchAll(/ d="([^"]+)"/g)].map((m) => m[1]);
    const expected = await QRCode.toString(otpauthUri('alice', raw), {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
    });
    expect(
      modules(await page.evaluate<string>("document.querySelector('figure.qr svg').outerHTML")),
    ).toEqual(modules(expected));
    await page.fill('#code', totp(raw, Date.now()));
    await page.click('form[action="/ui/account/2fa/confirm"] button');
    await page.locator('ul.recovery-codes').waitFor();
    expect(await page.locator('ul.recovery-codes li').count()).toBe(10);
    expect((await reg.auth.account('alice')).twoFactor).toBe('on');
    // The app's next code is accepted by the registry's own check (a publish would now need it).
    expect(
      await reg.auth.requireSecondFactor('alice', totp(raw, Date.now() + 30_000), 'publish'),
    ).toMatchObject({ ok: true, method: 'totp' });
    // Shown once: reloading the page does not show them again.
    await page.goto(`${url}/ui/account`);
    expect(await page.locator('ul.recovery-codes').count()).toBe(0);
    expect(await page.locator('main').innerText()).toContain('On.');
    // Revoking the token this session signed in with ends the session at once.
    const own = (await reg.auth.listTokens('alice')).find((t) => t.label === 'browser sign-in')!;
    await page.click(`button[aria-label="Revoke token ${own.id}"]`);
    await page.waitForURL(/\/ui\/account$/);
    expect(await page.locator('h1').innerText()).toBe('Sign in');
    noViolations();
  });
});
