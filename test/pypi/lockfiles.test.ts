// `sigil verify <Python lockfile> --server` against a version that is several files (wheel and
// sdist, each its own record): every hash a lockfile allows must be a logged file of that version;
// files logged but not pinned are fine; a hash that matches no logged file fails, named. Each of
// the five formats the pypi adapter reads, against a real `openRegistry` over HTTP.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { runCli } from '../helpers/cli.js';
import { form, sdist, twineFields, wheel, wheelFile } from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

let registry: Registry;
let url: string;
let dir: string;
const w1 = wheel('multi-file', '1.0.0');
const s1 = sdist('multi-file', '1.0.0');
const w2 = wheel('multi-file', '2.0.0');

async function twine(data: Buffer, filename: string, filetype: string, version: string) {
  const f = form(twineFields('multi-file', version, data, filetype), [{ filename, data }]);
  const r = await registry.app.inject({
    method: 'POST',
    url: '/pypi/legacy/',
    headers: {
      'content-type': f.type,
      authorization: `Basic ${Buffer.from(`__token__:${registry.adminToken!}`).toString('base64')}`,
    },
    payload: f.body,
  });
  expect(r.statusCode, r.body).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sigil-pylock-'));
  registry = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    batchIntervalMs: 2,
  });
  url = await registry.listen();
  await twine(w1, wheelFile('multi-file', '1.0.0'), 'bdist_wheel', '1.0.0');
  await twine(s1, 'multi-file-1.0.0.tar.gz', 'sdist', '1.0.0');
  await twine(w2, wheelFile('multi-file', '2.0.0'), 'bdist_wheel', '2.0.0');
});
afterAll(async () => {
  await registry?.close();
});

/** lockfiles writes one lockfile per format pinning multi-file 1.0.0 with these sha256s. */
function lockfiles(hashes: string[]): Record<string, string> {
  const name = (h: string) =>
    h === sha(s1) ? 'multi-file-1.0.0.tar.gz' : `${wheelFile('multi-file', '1.0.0')}`;
  const sd = hashes.filter((h) => h === sha(s1));
  const wh = hashes.filter((h) => h !== sha(s1));
  return {
    'requirements.txt': `multi-file==1.0.0 ${hashes.map((h) => `--hash=sha256:${h}`).join(' ')}\n`,
    'poetry.lock': `[[package]]\nname = "multi-file"\nversion = "1.0.0"\nfiles = [\n${hashes.map((h) => `  {file = "${name(h)}", hash = "sha256:${h}"},`).join('\n')}\n]\n`,
    'Pipfile.lock': JSON.stringify({
      _meta: { sources: [] },
      default: {
        'multi-file': { hashes: hashes.map((h) => `sha256:${h}`), version: '==1.0.0' },
      },
      develop: {},
    }),
    'uv.lock': `version = 1\n\n[[package]]\nname = "multi-file"\nversion = "1.0.0"\nsource = { registry = "${url}/pypi/simple" }\n${sd.map((h) => `sdist = { url = "${url}/x.tar.gz", hash = "sha256:${h}" }\n`).join('')}wheels = [\n${wh.map((h) => `  { url = "${url}/x.whl", hash = "sha256:${h}" },`).join('\n')}\n]\n`,
    'pylock.toml': `lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "multi-file"\nversion = "1.0.0"\n${sd.map((h) => `sdist = { name = "multi-file-1.0.0.tar.gz", hashes = { sha256 = "${h}" } }\n`).join('')}wheels = [\n${wh.map((h) => `  { name = "${name(h)}", hashes = { sha256 = "${h}" } },`).join('\n')}\n]\n`,
  };
}

async function verify(file: string, text: string) {
  const sub = mkdtempSync(join(dir, 'p-'));
  const path = join(sub, file);
  writeFileSync(path, text);
  const r = await runCli(['verify', path, '--server', url, '--json'], {
    SIGIL_CONFIG_DIR: join(dir, 'config'),
  });
  const report = JSON.parse(r.stdout || '{}') as {
    dependencies?: { purl: string; status: string; checks: { code: string; reason: string }[] }[];
  };
  return { code: r.code, out: r.stdout + r.stderr, dep: report.dependencies?.[0] };
}

describe('Python lockfiles against a version of several files', () => {
  it('passes when every hash the lockfile allows is a logged file of the version (all five formats)', async () => {
    for (const [file, text] of Object.entries(lockfiles([sha(w1), sha(s1)]))) {
      const r = await verify(file, text);
      expect(r.code, `${file}: ${r.out}`).toBe(0);
      expect(r.dep!.purl, file).toBe('pkg:pypi/multi-file@1.0.0');
      const digest = r.dep!.checks.find((c) => c.code === 'DIGEST_MATCH')!;
      expect(digest.reason, file).toContain('multi-file-1.0.0.tar.gz');
      expect(digest.reason, file).toContain(wheelFile('multi-file', '1.0.0'));
      // Both files' countersignatures and log inclusions were checked, each named.
      expect(r.dep!.checks.filter((c) => c.code === 'INCLUSION_PROOF_VALID').length, file).toBe(2);
    }
  });

  it('passes with only one file pinned: files logged but not pinned are fine', async () => {
    for (const [file, text] of Object.entries(lockfiles([sha(s1)]))) {
      const r = await verify(file, text);
      expect(r.code, `${file}: ${r.out}`).toBe(0);
    }
  });

  it("fails naming a pinned hash that is no logged file of the version (another version's file, or unknown bytes)", async () => {
    const forged = 'cd'.repeat(32);
    for (const bad of [forged, sha(w2)])
      for (const [file, text] of Object.entries(lockfiles([sha(w1), bad]))) {
        const r = await verify(file, text);
        expect(r.code, `${file}: ${r.out}`).toBe(1);
        expect(r.dep!.status, file).toBe('failed');
        const c = r.dep!.checks.find((x) => x.code === 'DIGEST_NOT_LOGGED')!;
        expect(c, `${file}: ${r.out}`).toBeDefined();
        expect(c.reason).toContain(`sha256:${bad}`);
        expect(c.reason).toContain('2 logged files of multi-file@1.0.0');
      }
  });

  it('fails a version with no logged file like any unknown release, and a lockfile with no hash as DIGEST_MISSING', async () => {
    const none = await verify('requirements.txt', `multi-file==3.0.0 --hash=sha256:${sha(w1)}\n`);
    expect(none.code, none.out).toBe(1);
    expect(none.dep!.checks.map((c) => c.code)).toContain('NO_RECORD');
    const bare = await verify('requirements.txt', 'multi-file==1.0.0\n');
    expect(bare.code, bare.out).toBe(1);
    expect(bare.dep!.checks.map((c) => c.code)).toContain('DIGEST_MISSING');
  });

  it('sigil fetch of a version asks which file; of a file purl it downloads and verifies that file', async () => {
    const env = { SIGIL_CONFIG_DIR: join(dir, 'config') };
    const which = await runCli(['fetch', 'pkg:pypi/multi-file@1.0.0', '--server', url], env);
    expect(which.code, which.stderr).toBe(2);
    expect(which.stderr).toContain('is a version of 2 files: say which one to fetch');
    expect(which.stderr).toContain('file_name=multi-file-1.0.0.tar.gz');
    const out = join(mkdtempSync(join(dir, 'f-')), 'got.tar.gz');
    const one = await runCli(
      [
        'fetch',
        'pkg:pypi/multi-file@1.0.0?file_name=multi-file-1.0.0.tar.gz',
        '--server',
        url,
        '-o',
        out,
      ],
      env,
    );
    expect(one.code, one.stdout + one.stderr).toBe(0);
    expect(sha(readFileSync(out))).toBe(sha(s1));
  });
});
