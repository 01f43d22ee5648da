// Issue 12, the namespace rules of the verifying proxy, over HTTP against a real `openRegistry`
// with accounts and an npm upstream that records every request:
//   - shadowing: a public name (observed here, or listed by the upstream) is never published
//     here — by the npm client's PUT or the publish API — unless the config lists it private;
//     a publish racing an on-demand lookup of the same name: only one of them lands;
//   - names held by an account (an operator's grant, of a package or a pattern) or governed by
//     a key ledger are never fetched upstream: the upstream sees zero requests for them.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { expectRefused, startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { buildTgz } from '../helpers/tar-builder.js';
import { startStaticNpmUpstream, type StaticNpmUpstream } from './static-npm-upstream.js';

const tgz = (name: string, version: string) =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version }) },
    { name: 'package/index.js', content: `module.exports = ${JSON.stringify(name + version)};` },
  ]);
// What the public registry has (the upstream): each name also exists upstream unless said otherwise.
const PUBLIC = [
  ['lodash', '4.17.21'],
  ['public-only', '1.0.0'],
  ['@acme/widget', '3.0.0'], // dependency-confusion bait for the private @acme scope
  ['claimed-pkg', '1.0.0'],
  ['@granted/thing', '1.0.0'],
  ['racer', '1.0.0'],
  ['racer-two', '1.0.0'],
  ['@types/thing', '1.0.0'],
] as const;

let t: TestRegistry;
let upstream: StaticNpmUpstream;
let alice: string;
const enc = encodeURIComponent;
const purlOf = (name: string, version?: string) =>
  `pkg:npm/${name.replace('@', '%40')}${version ? `@${version}` : ''}`;
const logSize = () => t.reg.log.size;
const asked = (name: string) => upstream.requests.filter((r) => r.startsWith(`/${name}`));

/** npmPut publishes like `npm publish` does: PUT /<name> with the tarball attached. */
function npmPut(token: string, name: string, version: string) {
  const bytes = tgz(name, version);
  const file = `${name}-${version}.tgz`;
  return t.call(token, 'PUT', `/${name.replace('/', '%2f')}`, {
    _id: name,
    name,
    'dist-tags': { latest: version },
    versions: {
      [version]: {
        name,
        version,
        _id: `${name}@${version}`,
        dist: {
          integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
          shasum: createHash('sha1').update(bytes).digest('hex'),
          tarball: `http://x/${name}/-/${file}`,
        },
      },
    },
    access: null,
    _attachments: {
      [file]: {
        content_type: 'application/octet-stream',
        data: bytes.toString('base64'),
        length: bytes.length,
      },
    },
  });
}
const apiPublish = (token: string, name: string, version: string) =>
  t.publish(token, tgz(name, version), { filename: `${name.split('/').pop()}-${version}.tgz` });

beforeAll(async () => {
  upstream = await startStaticNpmUpstream(
    PUBLIC.map(([name, version]) => ({ name, version, bytes: tgz(name, version) })),
    { sign: true },
  );
  t = await startRegistry('proxy-ns', {
    proxy: parseProxyConfig(
      {
        upstreams: { npm: { url: upstream.url } },
        private: ['pkg:npm/%40acme/*'],
        limits: { timeoutMs: 2000, indexTtlMs: 0 },
      },
      'test',
    ),
  });
  alice = await t.tokenFor('alice');
}, 60_000);

afterAll(async () => {
  await t?.close();
  await upstream?.close();
});

beforeEach(() => {
  upstream.fault = undefined;
});

describe('shadowing: a public name is not published here', () => {
  it('a name observed from the upstream: npm publish and the publish API are refused, nothing logged', async () => {
    expect(
      (await t.call(alice, 'GET', `/api/v1/releases/${enc(purlOf('lodash', '4.17.21'))}`)).status,
    ).toBe(200); // observed
    const before = logSize();
    const put = await npmPut(alice, 'lodash', '99.0.0');
    expect(put.status, put.text).toBe(403);
    expect(put.json['code']).toBe('NAME_BELONGS_TO_UPSTREAM');
    expect(String(put.json['error'])).toContain('pkg:npm/lodash is a public package'); // npm prints body.error
    expectRefused(
      await apiPublish(alice, 'lodash', '99.0.0'),
      403,
      'NAME_BELONGS_TO_UPSTREAM',
      upstream.url,
    );
    expect(logSize()).toBe(before);
    expect(t.reg.store.versions('npm', '', 'lodash').map((r) => r.version)).toEqual(['4.17.21']);
    // What npm sees through Sigil is still the public package, and the account holds nothing.
    const doc = (await t.call(alice, 'GET', '/lodash')).json as {
      versions: Record<string, unknown>;
    };
    expect(Object.keys(doc.versions)).toEqual(['4.17.21']);
    expect(await t.reg.auth.grants.grantsOf('alice')).toEqual([]);
  });

  it('a name the upstream lists but nobody fetched yet: the first publish asks the upstream and is refused', async () => {
    const before = logSize();
    expectRefused(
      await apiPublish(alice, 'public-only', '2.0.0'),
      403,
      'NAME_BELONGS_TO_UPSTREAM',
      'public package on the npm upstream',
    );
    const put = await npmPut(alice, 'public-only', '2.0.0');
    expect([put.status, put.json['code']], put.text).toEqual([403, 'NAME_BELONGS_TO_UPSTREAM']);
    expect(logSize()).toBe(before);
    expect(t.reg.store.versions('npm', '', 'public-only')).toEqual([]);
  });

  it('the upstream cannot answer: a first publish is refused (fail closed), naming the upstream; once it answers "no such package", the name is hosted here for good', async () => {
    upstream.fault = (_req, res) => (res.writeHead(500).end('boom'), true);
    expectRefused(
      await apiPublish(alice, 'brand-new', '1.0.0'),
      502,
      'UPSTREAM_NAME_UNCHECKED',
      upstream.url,
    );
    expect(t.reg.store.versions('npm', '', 'brand-new')).toEqual([]);
    upstream.fault = undefined;
    expect((await apiPublish(alice, 'brand-new', '1.0.0')).status).toBe(201);
    const seen = upstream.requests.length;
    expect((await apiPublish(alice, 'brand-new', '1.1.0')).status).toBe(201); // hosted now: not asked again
    expect(
      (await t.call(alice, 'GET', `/api/v1/releases/${enc(purlOf('brand-new', '2.0.0'))}`)).status,
    ).toBe(404);
    expect(upstream.requests.slice(seen)).toEqual([]);
  });

  it('a private name (config) is published here even though the upstream has it, and the upstream is never asked', async () => {
    const put = await npmPut(alice, '@acme/widget', '1.0.0');
    expect(put.status, put.text).toBe(201);
    const doc = (await t.call(alice, 'GET', '/@acme%2fwidget')).json as {
      versions: Record<string, unknown>;
    };
    expect(Object.keys(doc.versions)).toEqual(['1.0.0']); // not the public 3.0.0
    expect(
      (await t.call(alice, 'GET', `/api/v1/releases/${enc(purlOf('@acme/widget', '3.0.0'))}`))
        .status,
    ).toBe(404);
    expect(asked('@acme')).toEqual([]);
  });

  it('a scope pattern claimed by key event over an observed public package: refused, and no claim is left behind', async () => {
    expect(
      (await t.call(alice, 'GET', `/api/v1/releases/${enc(purlOf('@types/thing', '1.0.0'))}`))
        .status,
    ).toBe(200); // observed
    const k = generateKey();
    const claim = buildKeyEvent(
      { namespace: 'pkg:npm/%40types/*', previous: null, action: 'add', keys: [k.publicKey] },
      [k],
    ).envelope;
    expectRefused(
      await t.keyEvent(alice, claim),
      403,
      'NAME_BELONGS_TO_UPSTREAM',
      'pkg:npm/%40types/thing',
    );
    expect(await t.reg.auth.grants.grantsFor(['pkg:npm/%40types/*'])).toEqual([]);
    expect((await t.call(alice, 'GET', '/@types%2fthing')).status).toBe(200); // still the public package
  });

  it('race: a lookup in flight when the name is first published here — the publish lands, the lookup answers 404 and logs nothing', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let fetching!: () => void;
    const started = new Promise<void>((r) => (fetching = r));
    const bytes = tgz('racer', '1.0.0');
    upstream.fault = (req, res) => {
      if (!req.url?.startsWith('/racer/-/')) return false;
      fetching();
      void gate.then(() => res.writeHead(200, { 'content-length': bytes.length }).end(bytes));
      return true;
    };
    const lookup = t.call(alice, 'GET', `/api/v1/releases/${enc(purlOf('racer', '1.0.0'))}`);
    await started; // the lookup passed its "not hosted" check and is fetching the bytes
    await t.reg.auth.grant('alice', 'pkg:npm/racer'); // the operator gives the name to alice meanwhile
    const before = logSize();
    expect((await apiPublish(alice, 'racer', '5.0.0')).status).toBe(201);
    release();
    expect((await lookup).status).toBe(404);
    expect(t.reg.store.versions('npm', '', 'racer').map((r) => r.version)).toEqual(['5.0.0']);
    expect(logSize()).toBe(before + 1); // the publish statement only
  });

  it('race, the other order: a publish arriving while the lookup is being logged is refused, the observed version lands', async () => {
    const log = t.reg.log as unknown as { append: (e: Uint8Array) => Promise<unknown> };
    const append = log.append.bind(log);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let appending!: () => void;
    const reserved = new Promise<void>((r) => (appending = r));
    log.append = async (e) => {
      log.append = append; // once: the lookup's entry
      appending();
      await gate;
      return append(e);
    };
    try {
      const lookup = t.call(alice, 'GET', `/api/v1/releases/${enc(purlOf('racer-two', '1.0.0'))}`);
      await reserved; // the observed row is reserved (pending), its entry on its way to the log
      await t.reg.auth.grant('alice', 'pkg:npm/racer-two');
      expectRefused(await apiPublish(alice, 'racer-two', '5.0.0'), 403, 'NAME_BELONGS_TO_UPSTREAM');
      release();
      expect((await lookup).status).toBe(200);
    } finally {
      log.append = append;
      release();
    }
    expect(t.reg.store.versions('npm', '', 'racer-two').map((r) => r.version)).toEqual(['1.0.0']);
  });
});

describe('names held by an account or governed by a ledger are never fetched upstream', () => {
  const everyRead = async (name: string, version: string) => {
    const purl = enc(purlOf(name, version));
    const esc = name.replace('/', '%2f');
    const reads = [
      `/api/v1/releases/${purl}`,
      `/api/v1/sum/${purl}`,
      `/${esc}`,
      `/${esc}/-/${name.split('/').pop()}-${version}.tgz`,
    ];
    for (const path of reads)
      expect((await t.call(alice, 'GET', path)).status, `GET ${path}`).toBe(404);
    const batch = await t.call(alice, 'POST', '/api/v1/releases/lookup', {
      purls: [purlOf(name, version)],
    });
    expect(batch.status, batch.text).toBeLessThan(500);
  };

  it('a package granted to an account by the operator', async () => {
    await t.reg.auth.grant('alice', 'pkg:npm/claimed-pkg');
    await everyRead('claimed-pkg', '1.0.0');
    expect(asked('claimed-pkg')).toEqual([]);
    expect(t.reg.store.versions('npm', '', 'claimed-pkg')).toEqual([]);
  });

  it('a scope pattern granted to an account (pkg:npm/%40granted/*)', async () => {
    await t.reg.auth.grant('alice', 'pkg:npm/%40granted/*');
    await everyRead('@granted/thing', '1.0.0');
    expect(asked('@granted')).toEqual([]);
  });

  it('a package with author keys in the ledger — and a ledger is not started over a public name', async () => {
    const k = generateKey();
    const add = (namespace: string) =>
      buildKeyEvent({ namespace, previous: null, action: 'add', keys: [k.publicKey] }, [k])
        .envelope;
    // A key event would make a public name hosted here (the same shadowing as a publish): refused.
    expectRefused(
      await t.keyEvent(alice, add('pkg:npm/public-only')),
      403,
      'NAME_BELONGS_TO_UPSTREAM',
    );
    // A name the upstream does not have yet gets its ledger; the upstream publishes it later.
    const r = await t.keyEvent(t.admin, add('pkg:npm/ledgered-later'));
    expect(r.status, r.text).toBe(201);
    await t.reg.auth.grants.deleteGrant('admin', 'pkg:npm/ledgered-later'); // the admin's first key event claimed it: now only the ledger holds it
    expect(await t.reg.auth.grants.grantsFor(['pkg:npm/ledgered-later'])).toEqual([]);
    upstream.packages.set('ledgered-later', [
      { name: 'ledgered-later', version: '1.0.0', bytes: tgz('ledgered-later', '1.0.0') },
    ]);
    const seen = upstream.requests.length;
    await everyRead('ledgered-later', '1.0.0');
    expect(upstream.requests.slice(seen)).toEqual([]);
  });
});
