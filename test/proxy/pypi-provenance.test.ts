// PEP 740 provenance through the PyPI pull-through, with real provenance (test/fixtures/pep740,
// from trailofbits/pypi-attestations) behind a static upstream that links it the way PyPI does:
// `provenance` in PEP 691 JSON, `data-provenance` in PEP 503 HTML, served at the Integrity API
// path `/integrity/<project>/<version>/<file>/provenance`.
//   - the real provenance verifies: the observed record says "valid" with the publisher's
//     repository and workflow; the real pip downloads the file (--require-hashes); `sigil verify`
//     of the requirements file reports the provenance;
//   - provenance that is tampered, for another file, from another identity, or linked but
//     missing refuses the file: pip fails, the error names the reason, nothing is logged;
//   - no provenance linked: "none"; a publisher kind Sigil cannot match: "unverified".
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PUBLIC_GOOD_TRUSTED_ROOT } from '../../src/foreign/sigstore/index.js';
import { openRegistry, type Registry } from '../../src/registry/server.js';
import { parseProxyConfig } from '../../src/registry/upstream/config.js';
import { runCli } from '../helpers/cli.js';
import { pipEnv } from '../helpers/pip-client.js';
import { runProgram } from '../helpers/run-program.js';
import { needsProgram, skipUnlessPresent } from '../helpers/real-program.js';
import { openProxied, sendBytes, statementOf, StaticUpstream } from './static-upstream.js';

const FILE = 'test/proxy/pypi-provenance.test.ts';
const PY = '/usr/bin/python3';
const python = needsProgram(
  PY,
  ['-c', 'import setuptools, wheel, pip'],
  'apt-get install python3-setuptools python3-wheel python3-pip',
  FILE,
);

const DIR = 'test/fixtures/pep740/';
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface Project {
  readonly file: string;
  readonly version: string;
  readonly json: boolean;
  /** The provenance body served, or null to answer 404; undefined: the page links none. */
  provenance?: string | null;
}

/** A PyPI-like upstream: one file per project, its page linking its provenance. */
class StaticPypiWithProvenance extends StaticUpstream {
  readonly projects = new Map<string, Project>();
  protected readonly root = '/simple';

  private provenancePath(name: string, p: Project): string {
    return `/integrity/${name}/${p.version}/${p.file}/provenance`;
  }

  protected serve(path: string, res: ServerResponse): void {
    const page = /^\/simple\/([^/]+)\/$/.exec(path);
    if (page) {
      const p = this.projects.get(page[1]!);
      if (!p) return void res.writeHead(404).end('no such project');
      const sha = sha256(readFileSync(DIR + p.file));
      const prov = p.provenance === undefined ? undefined : this.provenancePath(page[1]!, p);
      if (p.json)
        return void res
          .writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' })
          .end(
            JSON.stringify({
              meta: { 'api-version': '1.3' },
              name: page[1],
              files: [
                {
                  filename: p.file,
                  url: `../../files/${p.file}`,
                  hashes: { sha256: sha },
                  provenance: prov ?? null,
                },
              ],
            }),
          );
      return void res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(
          `<!DOCTYPE html><html><body><a href="../../files/${p.file}#sha256=${sha}"${prov ? ` data-provenance="${prov}"` : ''}>${p.file}</a></body></html>`,
        );
    }
    const file = /^\/files\/([^/]+)$/.exec(path);
    if (file) {
      const f = decodeURIComponent(file[1]!);
      const known = [...this.projects.values()].some((p) => p.file === f);
      return sendBytes(res, known ? readFileSync(DIR + f) : undefined);
    }
    for (const [name, p] of this.projects)
      if (p.provenance !== undefined && path === this.provenancePath(name, p))
        return void (p.provenance === null
          ? res.writeHead(404).end()
          : res.writeHead(200, { 'content-type': 'application/json' }).end(p.provenance));
    res.writeHead(404).end();
  }
}

const GH_FILE = 'pypi_attestations-0.0.19.tar.gz';
const GL_FILE = 'gitlab_oidc_project-0.0.3.tar.gz';
const ghProvenance = () => JSON.parse(readFileSync(`${DIR}${GH_FILE}.provenance`, 'utf8'));
const glProvenanceText = () => readFileSync(`${DIR}${GL_FILE}.provenance`, 'utf8');

/** run starts a program without blocking the event loop (the server answers from this process). */
const run = (cmd: string, args: string[], cwd: string) => runProgram(cmd, args, cwd, pipEnv());

describe.skipIf(skipUnlessPresent(python))('PEP 740 provenance through the PyPI proxy', () => {
  let root: string;
  let up: StaticPypiWithProvenance;
  let reg: Registry;
  let url: string;
  const ghPurl = `pkg:pypi/pypi-attestations@0.0.19?file_name=${GH_FILE}`;
  const glPurl = `pkg:pypi/gitlab-oidc-project@0.0.3?file_name=${GL_FILE}`;

  /** pip download: the real client fetches the sdist by its pinned hash (no build: --no-build-isolation with Debian's setuptools). */
  const pipDownload = (req: string, dest: string) =>
    run(
      PY,
      [
        '-m',
        'pip',
        'download',
        '--no-cache-dir',
        '--no-deps',
        '--no-build-isolation',
        '--index-url',
        `${url}/pypi/simple/`,
        '--require-hashes',
        '-r',
        req,
        '-d',
        join(root, dest),
      ],
      root,
    );
  const fileUrl = (project: string, version: string, file: string) =>
    `${url}/pypi/files/${project}/${version}/${file}`;

  beforeAll(async () => {
    python.require();
    root = mkdtempSync(join(tmpdir(), 'sigil-pypi-prov-'));
    up = new StaticPypiWithProvenance();
    up.projects.set('pypi-attestations', { file: GH_FILE, version: '0.0.19', json: true });
    up.projects.set('gitlab-oidc-project', { file: GL_FILE, version: '0.0.3', json: false });
    await up.start();
    ({ reg, url } = await openProxied(root, 'pypi', up.url, []));
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
    await up?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  const refusals: [string, () => string | null][] = [
    [
      'tampered (signature changed)',
      () => {
        const p = ghProvenance();
        const a = p.attestation_bundles[0].attestations[0];
        const sig = Buffer.from(a.envelope.signature, 'base64');
        sig[sig.length - 3] = sig[sig.length - 3]! ^ 0x40;
        a.envelope.signature = sig.toString('base64');
        return JSON.stringify(p);
      },
    ],
    ['for another file (the GitLab project`s real provenance)', () => glProvenanceText()],
    [
      'from another identity (publisher evil/pypi-attestations)',
      () => {
        const p = ghProvenance();
        p.attestation_bundles[0].publisher.repository = 'evil/pypi-attestations';
        return JSON.stringify(p);
      },
    ],
    ['linked but missing (404)', () => null],
    ['not JSON', () => '<html>maintenance</html>'],
  ];

  it.each(refusals)(
    'provenance %s: the file is refused with the reason, nothing logged',
    async (_what, body) => {
      up.projects.get('pypi-attestations')!.provenance = body();
      const r = await fetch(fileUrl('pypi-attestations', '0.0.19', GH_FILE));
      expect(r.status).toBe(502);
      const err = (await r.json()) as { code?: string; error?: string; message?: string };
      expect(JSON.stringify(err)).toContain('UPSTREAM_PROVENANCE_INVALID');
      expect(JSON.stringify(err)).toMatch(
        /PEP 740 provenance for pypi_attestations-0\.0\.19\.tar\.gz that does not verify/,
      );
      expect(reg.store.get(ghPurl)).toBeUndefined();
    },
  );

  it('the real pip fails on a refused file (tampered provenance) and installs nothing', async () => {
    up.projects.get('pypi-attestations')!.provenance = refusals[0]![1]();
    const req = join(root, 'req-bad.txt');
    writeFileSync(
      req,
      `pypi-attestations==0.0.19 --hash=sha256:${sha256(readFileSync(DIR + GH_FILE))}\n`,
    );
    const pip = await pipDownload(req, 'dl-bad');
    expect(pip.code, pip.out).not.toBe(0);
    expect(pip.out).toMatch(/502/);
    expect(reg.store.get(ghPurl)).toBeUndefined();
  }, 120_000);

  it('the real provenance (GitHub Trusted Publisher): pip downloads the file; the record says valid with the publisher; sigil verify reports it', async () => {
    up.projects.get('pypi-attestations')!.provenance = readFileSync(
      `${DIR}${GH_FILE}.provenance`,
      'utf8',
    );
    const req = join(root, 'requirements.txt');
    writeFileSync(
      req,
      `pypi-attestations==0.0.19 --hash=sha256:${sha256(readFileSync(DIR + GH_FILE))}\n`,
    );
    const pip = await pipDownload(req, 'dl');
    expect(pip.code, pip.out).toBe(0);
    expect(pip.out).toMatch(/Saved .*pypi_attestations-0\.0\.19\.tar\.gz/);
    expect(up.requests).toContain(`/integrity/pypi-attestations/0.0.19/${GH_FILE}/provenance`);

    const row = reg.store.get(ghPurl);
    expect(row).toBeDefined();
    const st = statementOf(row!) as unknown as {
      predicate: { evidence: { provenance: Record<string, string> } };
    };
    expect(st.predicate.evidence.provenance).toEqual({
      verdict: 'valid',
      repository: 'https://github.com/trailofbits/pypi-attestations',
      workflow: '.github/workflows/release.yml',
      reason:
        'PEP 740 provenance verified with the Sigstore public-good root: published by GitHub trailofbits/pypi-attestations (release.yml)',
    });

    // The lookup answers the registry-signed statement carrying the verdict.
    const rec = (await (
      await fetch(`${url}/api/v1/releases/${encodeURIComponent(ghPurl)}`)
    ).json()) as { publishStatement: { payload: string } };
    const signed = JSON.parse(Buffer.from(rec.publishStatement.payload, 'base64').toString()) as {
      predicate: { evidence: { provenance: { verdict: string } } };
    };
    expect(signed.predicate.evidence.provenance.verdict).toBe('valid');

    const cfg = { SIGIL_CONFIG_DIR: join(root, 'cfg') };
    const v = await runCli(['verify', req, '--server', url, '--json'], cfg);
    expect(v.code, v.stdout + v.stderr).toBe(0);
    const report = JSON.parse(v.stdout) as {
      dependencies: { level: string; observed?: { provenance?: string }; reason: string }[];
    };
    expect(report.dependencies[0]!.level).toBe('logged');
    expect(report.dependencies[0]!.observed?.provenance).toBe('valid');
    const human = await runCli(['verify', req, '--server', url], cfg);
    expect(human.code).toBe(0);
    expect(report.dependencies[0]!.reason).toMatch(/from http:.*, upstream provenance verified$/);
  }, 120_000);

  it('upstreams.pypi.trustedRoot is used: a root without the Fulcio CA refuses the real provenance', async () => {
    const noFulcio = structuredClone(PUBLIC_GOOD_TRUSTED_ROOT) as unknown as {
      certificateAuthorities: unknown[];
    };
    noFulcio.certificateAuthorities = [];
    const dir = mkdtempSync(join(tmpdir(), 'sigil-pypi-prov-root-'));
    const other = await openRegistry({
      dataDir: join(dir, 'data'),
      host: '127.0.0.1',
      port: 0,
      batchIntervalMs: 2,
      proxy: parseProxyConfig(
        {
          upstreams: { pypi: { url: up.url, trustedRoot: noFulcio } },
          limits: { indexTtlMs: 0, timeoutMs: 1_000 },
        },
        'test',
      ),
    });
    try {
      up.projects.get('pypi-attestations')!.provenance = readFileSync(
        `${DIR}${GH_FILE}.provenance`,
        'utf8',
      );
      const r = await other.app.inject({ url: `/pypi/files/pypi-attestations/0.0.19/${GH_FILE}` });
      expect(r.statusCode).toBe(502);
      expect(r.body).toContain('UPSTREAM_PROVENANCE_INVALID');
      expect(other.store.get(ghPurl)).toBeUndefined();
    } finally {
      await other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the real GitLab provenance linked from PEP 503 HTML (data-provenance) verifies', async () => {
    up.projects.get('gitlab-oidc-project')!.provenance = glProvenanceText();
    const r = await fetch(fileUrl('gitlab-oidc-project', '0.0.3', GL_FILE));
    expect(r.status).toBe(200);
    const st = statementOf(reg.store.get(glPurl)!) as unknown as {
      predicate: { evidence: { provenance: Record<string, string> } };
    };
    expect(st.predicate.evidence.provenance).toMatchObject({
      verdict: 'valid',
      repository: 'https://gitlab.com/facutuesca/gitlab-oidc-project',
      workflow: '.gitlab-ci.yml',
    });
  });

  it('no provenance linked: "none"; a publisher kind Sigil cannot match: "unverified" (logged, never "valid")', async () => {
    // The same real sdist, observed again by fresh registries (one record per purl forever).
    const root2 = mkdtempSync(join(tmpdir(), 'sigil-pypi-prov2-'));
    const second = await openProxied(root2, 'pypi', up.url, []);
    try {
      const p = up.projects.get('pypi-attestations')!;
      p.provenance = undefined;
      const r1 = await fetch(`${second.url}/pypi/files/pypi-attestations/0.0.19/${GH_FILE}`);
      expect(r1.status).toBe(200);
      const none = statementOf(second.reg.store.get(ghPurl)!) as unknown as {
        predicate: { evidence: { provenance: Record<string, string> } };
      };
      expect(none.predicate.evidence.provenance.verdict).toBe('none');
    } finally {
      await second.reg.close();
      rmSync(root2, { recursive: true, force: true });
    }
    const root3 = mkdtempSync(join(tmpdir(), 'sigil-pypi-prov3-'));
    const third = await openProxied(root3, 'pypi', up.url, []);
    try {
      const doc = ghProvenance();
      doc.attestation_bundles[0].publisher = { kind: 'ActiveState', organization: 'x' };
      up.projects.get('pypi-attestations')!.provenance = JSON.stringify(doc);
      const r = await fetch(`${third.url}/pypi/files/pypi-attestations/0.0.19/${GH_FILE}`);
      expect(r.status).toBe(200);
      const st = statementOf(third.reg.store.get(ghPurl)!) as unknown as {
        predicate: { evidence: { provenance: Record<string, string> } };
      };
      expect(st.predicate.evidence.provenance.verdict).toBe('unverified');
      expect(st.predicate.evidence.provenance.reason).toMatch(/ActiveState/);
    } finally {
      await third.reg.close();
      rmSync(root3, { recursive: true, force: true });
    }
  });
});
