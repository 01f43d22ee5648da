// The web UI's pure parts: escaping, key history at an index, digest spellings, install lines,
// and pages rendering hostile data as text.
import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../src/ledger/replay.js';
import { digestSpellings } from '../../src/web/digest-spelling.js';
import { escapeHtml, html } from '../../src/web/html.js';
import { installCommand } from '../../src/web/install-command.js';
import { keysAtIndex } from '../../src/web/key-history.js';
import { ledgerPage } from '../../src/web/pages/ledger.js';
import { searchPage } from '../../src/web/pages/home.js';

const event = (logIndex: number, e: Partial<HistoryEntry>): HistoryEntry =>
  ({
    logIndex,
    status: 'applied',
    code: 'OK',
    reason: '',
    namespace: 'pkg:npm/x',
    action: 'add',
    digest: undefined,
    signers: [],
    added: [],
    removed: [],
    firstUse: false,
    reset: false,
    warnings: [],
    checks: [],
    ...e,
  }) as HistoryEntry;

describe('html', () => {
  it('escapes every interpolated string, joins arrays, drops null/false', () => {
    const evil = `<script>alert("x")</script>&'`;
    expect(html`<p title="${evil}">${evil}${[evil, null, false]}</p>`.text).toBe(
      `<p title="${escapeHtml(evil)}">${escapeHtml(evil).repeat(2)}</p>`,
    );
    expect(escapeHtml(evil)).not.toMatch(/[<>"']/);
  });

  it('a hostile package name or query is text on every page', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const page = searchPage(evil, [
      {
        purl: `pkg:npm/${encodeURIComponent(evil)}@1.0.0`,
        type: 'npm',
        namespace: '',
        name: evil,
        version: '"><script>',
        publishedAt: '',
        signed: false,
        observed: false,
      },
    ]).text;
    expect(page).not.toContain('<img');
    expect(page).not.toContain('<script>');
    const ledger = ledgerPage(evil, [
      { entry: event(3, { reason: evil, signers: [evil] }), compromisedSince: undefined },
    ]).text;
    expect(ledger).not.toContain('<img');
  });
});

describe('ledgerPage', () => {
  it('a reset and a compromised key stand out; a plain rotation does not', () => {
    const page = ledgerPage('pkg:npm/x', [
      { entry: event(1, { added: ['k1'], firstUse: true }), compromisedSince: undefined },
      { entry: event(4, { action: 'revoke', removed: ['k1'] }), compromisedSince: 2 },
      {
        entry: event(8, { action: 'reset', reset: true, added: ['k3'] }),
        compromisedSince: undefined,
      },
    ]).text;
    const items = page.split('<li class="event').slice(1);
    expect(items[0]).not.toMatch(/^ alarm/);
    expect(items[1]).toMatch(/^ alarm/);
    expect(items[1]).toContain('key compromised since log index 2');
    expect(items[2]).toMatch(/^ alarm/);
    expect(items[2]).toContain('RESET by the registry');
  });
});

describe('keysAtIndex', () => {
  const history = [
    event(1, { added: ['k1'], firstUse: true }),
    event(4, { action: 'rotate', added: ['k2'], removed: ['k1'] }),
    event(6, { status: 'rejected', added: ['evil'] }),
    event(8, { action: 'reset', reset: true, added: ['k3'] }),
  ];
  it.each([
    [0, []],
    [1, []], // the add at 1 counts only for later indexes
    [2, ['k1']],
    [5, ['k2']],
    [7, ['k2']], // a rejected event changes nothing
    [9, ['k3']], // a reset replaces every key
  ])('at %i → %j', (index, keys) => expect(keysAtIndex(history, index)).toEqual(keys));
});

describe('ecosystem spellings', () => {
  const sha512 = 'ab'.repeat(64);
  it('npm: the SRI integrity of package-lock.json first', () => {
    const d = digestSpellings({ type: 'npm', sha256: 'cd'.repeat(32), sha512, native: {} });
    expect(d[0]).toEqual({
      label: 'integrity (package-lock.json)',
      value: `sha512-${Buffer.from(sha512, 'hex').toString('base64')}`,
    });
  });
  it('pypi: pip --hash; native digests kept once', () => {
    const d = digestSpellings({
      type: 'pypi',
      sha256: 'cd'.repeat(32),
      sha512,
      native: { h1: 'h1:abc=', dup: `sha256:${'cd'.repeat(32)}` },
    });
    expect(d.map((x) => x.value)).toEqual([
      `sha256:${'cd'.repeat(32)}`,
      'h1:abc=',
      'cd'.repeat(32),
      sha512,
    ]);
  });
  it('install lines point the native client at this registry', () => {
    const base = 'http://r.test';
    expect(
      installCommand(base, { type: 'npm', namespace: '@acme', name: 'x', version: '1.0.0' }),
    ).toBe('npm install @acme/x@1.0.0 --registry http://r.test/');
    expect(
      installCommand(base, { type: 'pypi', namespace: '', name: 'requests', version: '2.0' }),
    ).toBe('pip install --index-url http://r.test/pypi/simple/ requests==2.0');
    expect(
      installCommand(base, {
        type: 'golang',
        namespace: 'example.com',
        name: 'm',
        version: 'v1.0.0',
      }),
    ).toBe('GOPROXY=http://r.test/go go get example.com/m@v1.0.0');
    expect(
      installCommand(base, { type: 'generic', namespace: '', name: 'x', version: '1' }),
    ).toBeUndefined();
  });
});
