/**
 * The PyPI side of the verifying proxy: project pages of upstream names, as Sigil serves them.
 *
 * For a name that is not hosted here, every file the upstream lists is served, each linked to
 * Sigil's own /pypi/files/ URL (so every byte passes through observe()) and each its own record
 * under its file purl (`pkg:pypi/<name>@<version>?file_name=<file>`, docs/pypi.md):
 *   - files whose bytes Sigil has logged list the LOGGED sha256, with the record in `_sigil`;
 *     when the upstream now lists another sha256 for that file, that is a conflict of that
 *     file only: it is logged and pip still sees (and gets) the logged bytes;
 *   - files not logged yet list the upstream's sha256 (pip checks it; Sigil checks it too
 *     before logging, on the file's first download);
 *   - versions the proxy policy hides (too young, denied) are left out.
 * A file observed before files had purls (a row under the version purl) is matched by its
 * file name and served as one file of its version.
 * If the upstream fails, the files already logged are still served.
 */
import { makePurl } from '../../core/purl.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import type { RegistryContext } from '../publish.js';
import { publishedFilesOfVersion } from '../release-keys.js';
import { fileRank, pypiFilePurl, type PypiUpstream, type UpstreamFile } from '../upstream/pypi.js';
import type { ObserveService } from './observe.js';
import { listedOrLogged } from './listed-or-logged.js';

/** ProxiedFile: a file of a proxied project page; `row` when its bytes are logged. */
export interface ProxiedFile {
  readonly version: string;
  readonly row?: ReleaseRow;
  readonly upstream?: UpstreamFile;
}

/** Distribution files the proxy serves: wheels, .tar.gz and .zip sdists (PEP 527: no eggs, no installers). */
const served = (f: UpstreamFile) => fileRank(f.filename) <= 3;

/**
 * How many files of one version a lookup observes at once: one cheap lookup must not make
 * Sigil download a whole wheel matrix; the rest are logged on their first download.
 */
export const MAX_FILES_OBSERVED_PER_LOOKUP = 8;

/** filesToObserve: the files of one version a lookup observes: served ones, pure wheel and sdist first, at most MAX_FILES_OBSERVED_PER_LOOKUP. */
export function filesToObserve(ofVersion: readonly UpstreamFile[]): UpstreamFile[] {
  return ofVersion
    .filter(served)
    .sort((a, b) => fileRank(a.filename) - fileRank(b.filename))
    .slice(0, MAX_FILES_OBSERVED_PER_LOOKUP);
}

export class PypiProxy {
  constructor(
    readonly upstream: PypiUpstream,
    readonly observe: ObserveService,
    private readonly ctx: RegistryContext,
  ) {}

  /** resolves: is project `norm` served from the upstream (not hosted, not private)? */
  async resolves(norm: string): Promise<boolean> {
    return (await this.observe.hostedReason(`pkg:pypi/${norm}`)) === undefined;
  }

  /** files returns the proxied files of project `norm`; undefined when neither the upstream nor the log has it. */
  async files(norm: string): Promise<ProxiedFile[] | undefined> {
    const logged = await this.ctx.storage.releases.releasesOf(`pkg:pypi/${norm}`, { files: true });
    const listed = await listedOrLogged(logged, () => this.upstream.files(norm));
    if (!listed && logged.length === 0) return undefined;
    const policy = this.observe.o.policy;
    const out: ProxiedFile[] = [];
    // One record per file: matched by version and exact file name (a row stored under the
    // version purl before files had purls is matched the same way).
    const byFile = new Map(logged.map((r) => [`${r.version}\n${r.filename}`, r]));
    for (const f of listed ?? []) {
      if (!served(f)) continue;
      const purl = pypiFilePurl(norm, f);
      if (policy?.denied(purl) !== undefined) continue;
      const key = `${f.version}\n${f.filename}`;
      const row = byFile.get(key);
      if (!row) {
        if (policy?.hides(purl, f.uploadTime)) continue;
        out.push({ version: f.version, upstream: f });
        continue;
      }
      byFile.delete(key);
      // The logged digest wins; another sha256 listed now is a conflict of this file only.
      if (f.sha256)
        await this.observe.checkIndexDigest(row, this.upstream, {
          algorithm: 'sha256',
          hex: f.sha256,
        });
      out.push({ version: f.version, row, upstream: f });
    }
    for (const row of byFile.values())
      if (policy?.denied(row.purl) === undefined) out.push({ version: row.version, row });
    return out;
  }

  /**
   * observeVersion answers a version purl (`pkg:pypi/foo@1.0`) as its file set: when no file of
   * it is logged yet, the files the upstream lists for it are observed (each checked against
   * the upstream's sha256 for that file; at most MAX_FILES_OBSERVED_PER_LOOKUP); the answer is
   * the logged files. A file the upstream
   * serves wrongly or the policy refuses is left out of the set (a lockfile hash for it is then
   * reported as not logged). Undefined when neither the log nor the upstream has the version.
   */
  async observeVersion(norm: string, version: string): Promise<ReleaseRow[] | undefined> {
    const versionPurl = makePurl('pypi', undefined, norm, version);
    const have = await publishedFilesOfVersion(this.ctx.storage.releases, versionPurl);
    if (have && have.length > 0) return have;
    const listed = filesToObserve(await this.upstream.filesOfVersion(norm, version));
    const rows = await Promise.all(
      listed.map((f) => this.observe.observe(pypiFilePurl(norm, f)).catch(() => undefined)),
    );
    const files = (await publishedFilesOfVersion(this.ctx.storage.releases, versionPurl)) ?? [];
    if (files.length > 0) return files;
    const got = rows.filter((r): r is ReleaseRow => r !== undefined);
    return got.length > 0 ? got : undefined;
  }
}
