// Issue 11, item 13 over HTTP: one version, once, and one package, one spelling — each
// ecosystem's own equality (src/ecosystems/release-key.ts) at publish and at lookup.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../src/core/keys.js';
import { writeZip } from '../../src/ecosystems/golang/make-zip.js';
import { buildKeyEvent } from '../../src/ledger/event.js';
import { expectRefused, startRegistry, type TestRegistry } from '../helpers/registry-http.js';
import { buildTgz } from '../helpers/tar-builder.js';

let t: TestRegistry;
let alice: string;
let mallory: string;
const enc = encodeURIComponent;

const npmTgz = (name: string, version: string) =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version }) },
    { name: 'package/index.js', content: `module.exports = ${JSON.stringify(version)};` },
  ]);
const nupkg = (id: string, version: string) =>
  writeZip([
    {
      name: `${id}.nuspec`,
      data: Buffer.from(
        `<?xml version="1.0"?><package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd"><metadata><id>${id}</id><version>${version}</version><authors>a</authors><description>d</description></metadata></package>`,
      ),
    },
    { name: 'lib/net8.0/x.dll', data: Buffer.from(`${id} ${version}`) },
  ]);
const wheel = (name: string, version: string) =>
  writeZip([
    {
      name: `${name.replace(/[-.]/g, '_')}-${version}.dist-info/METADATA`,
      data: Buffer.from(`Metadata-Version: 2.1\nName: ${name}\nVersion: ${version}\n`),
    },
    {
      name: `${name.replace(/[-.]/g, '_')}/__init__.py`,
      data: Buffer.from(`v = ${JSON.stringify(version)}\n`),
    },
  ]);
const lookup = async (purl: string) => t.call(t.admin, 'GET', `/api/v1/releases/${enc(purl)}`);

beforeAll(async () => {
  t = await startRegistry('onever');
  alice = await t.tokenFor('alice');
  mallory = await t.tokenFor('mallory');
});
afterAll(async () => {
  await t?.close();
});

describe("item 13: one version, once — the ecosystem's own equality at publish and lookup", () => {
  it('npm: 1.0.0+build and 1.0.0+evil are 1.0.0 (npm forbids the second publish); a lookup by either finds 1.0.0', async () => {
    expect((await t.publish(alice, npmTgz('one-version', '1.0.0'))).status).toBe(201);
    for (const v of ['1.0.0+build', '1.0.0+evil']) {
      const r = await t.publish(alice, npmTgz('one-version', v));
      expectRefused(r, 409, 'VERSION_EXISTS', 'pkg:npm/one-version@1.0.0 is already published');
      expect(r.json.error!.message).toContain(`pkg:npm/one-version@${enc(v).replace('%2B', '+')}`);
    }
    const got = await lookup('pkg:npm/one-version@1.0.0+evil');
    expect(got.status, got.text).toBe(200);
    expect(got.json['purl']).toBe('pkg:npm/one-version@1.0.0');
    const batch = await t.call(t.admin, 'POST', '/api/v1/releases/lookup', {
      purls: ['pkg:npm/one-version@1.0.0+x', 'pkg:npm/one-version@1.0.1'],
    });
    const records = batch.json['records'] as Record<string, { purl: string } | null>;
    expect(records['pkg:npm/one-version@1.0.0+x']?.purl).toBe('pkg:npm/one-version@1.0.0');
    expect(records['pkg:npm/one-version@1.0.1']).toBeNull();
  });

  it('NuGet: ids are case-insensitive — acme.lib is Acme.Lib, for publish, key events and lookup; 1.0.0.0 is 1.0.0', async () => {
    expect(
      (await t.publish(alice, nupkg('Acme.Lib', '1.0.0'), { filename: 'Acme.Lib.1.0.0.nupkg' }))
        .status,
    ).toBe(201);
    // Mallory cannot own another spelling of alice's package, by publish or by ledger.
    expectRefused(
      await t.publish(mallory, nupkg('acme.lib', '2.0.0'), { filename: 'acme.lib.2.0.0.nupkg' }),
      409,
      'NAME_TAKEN',
      'pkg:nuget/Acme.Lib',
    );
    const k = generateKey();
    const add = buildKeyEvent(
      { namespace: 'pkg:nuget/acme.lib', previous: null, action: 'add', keys: [k.publicKey] },
      [k],
    ).envelope;
    expectRefused(await t.keyEvent(mallory, add), 409, 'NAME_TAKEN', 'pkg:nuget/Acme.Lib');
    expect(
      (await t.call(t.admin, 'GET', `/api/v1/ledger/${enc('pkg:nuget/acme.lib')}`)).json['head'],
    ).toBeNull();
    await expect(lookup('pkg:nuget/acme.lib@2.0.0')).resolves.toMatchObject({ status: 404 });
    // One version, any spelling.
    expectRefused(
      await t.publish(alice, nupkg('Acme.Lib', '1.0.0.0'), { filename: 'Acme.Lib.1.0.0.0.nupkg' }),
      409,
      'VERSION_EXISTS',
    );
    const got = await lookup('pkg:nuget/ACME.LIB@1.0.0.0');
    expect(got.status, got.text).toBe(200);
    expect(got.json['purl']).toBe('pkg:nuget/Acme.Lib@1.0.0');
    // The owner's own next version under the one spelling is fine.
    expect(
      (await t.publish(alice, nupkg('Acme.Lib', '1.1.0'), { filename: 'Acme.Lib.1.1.0.nupkg' }))
        .status,
    ).toBe(201);
  });

  it('PyPI: a version is a set of files, each once — PEP 440 and PEP 503 spellings find them; the same file name again is refused', async () => {
    expect(
      (
        await t.publish(alice, wheel('pep-pkg', '1.0'), {
          filename: 'pep_pkg-1.0-py3-none-any.whl',
        })
      ).status,
    ).toBe(201);
    // 1.0.0 is 1.0 (PEP 440): a second file of that version, not a second version.
    expect(
      (
        await t.publish(alice, wheel('pep-pkg', '1.0.0'), {
          filename: 'pep_pkg-1.0.0-py3-none-any.whl',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.publish(alice, wheel('pep-pkg', '2.0a1'), {
          filename: 'pep_pkg-2.0a1-py3-none-any.whl',
        })
      ).status,
    ).toBe(201);
    // The same file under another spelling of its version (2.0A1 = 2.0a1), other bytes: refused.
    expectRefused(
      await t.publish(alice, wheel('pep-pkg', '2.0A1'), {
        filename: 'pep_pkg-2.0a1-py3-none-any.whl',
      }),
      409,
      'VERSION_EXISTS',
    );
    const got = await lookup('pkg:pypi/Pep.Pkg@1.0.0');
    expect(got.status, got.text).toBe(200);
    expect(got.json['purl']).toBe('pkg:pypi/pep.pkg@1.0.0');
    expect((got.json['files'] as { purl: string }[]).map((f) => f.purl)).toEqual([
      'pkg:pypi/pep-pkg@1.0?file_name=pep_pkg-1.0-py3-none-any.whl',
      'pkg:pypi/pep-pkg@1.0.0?file_name=pep_pkg-1.0.0-py3-none-any.whl',
    ]);
    const one = await lookup('pkg:pypi/pep_pkg@2.0A1?file_name=pep_pkg-2.0a1-py3-none-any.whl');
    expect(one.status, one.text).toBe(200);
    expect(one.json['purl']).toBe(
      'pkg:pypi/pep-pkg@2.0a1?file_name=pep_pkg-2.0a1-py3-none-any.whl',
    );
  });

  it('Go: module paths are case-sensitive — github.com/Acme/x and github.com/acme/x are two modules, both publishable', async () => {
    const goZip = (m: string, v: string) =>
      writeZip([{ name: `${m}@${v}/go.mod`, data: Buffer.from(`module ${m}\n`) }]);
    expect(
      (
        await t.publish(alice, goZip('github.com/Acme/x', 'v1.0.0'), {
          filename: 'v1.0.0.zip',
          type: 'golang',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await t.publish(mallory, goZip('github.com/acme/x', 'v1.0.0'), {
          filename: 'v1.0.0.zip',
          type: 'golang',
        })
      ).status,
    ).toBe(201);
    expect((await lookup('pkg:golang/github.com/Acme/x@v1.0.0')).json['purl']).toBe(
      'pkg:golang/github.com/Acme/x@v1.0.0',
    );
    expect((await lookup('pkg:golang/github.com/acme/x@v1.0.0')).json['purl']).toBe(
      'pkg:golang/github.com/acme/x@v1.0.0',
    );
  });
});
