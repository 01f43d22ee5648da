/**
 * The PyPI side of the verifying proxy: project pages of upstream names, as Sigil serves them.
 *
 * For a name that is not hosted here, the upstream's page becomes one file per version
 * (upstream/pypi.ts chooseFiles), each linked to Sigil's own /pypi/files/ URL (so every byte
 * passes through observe()):
 *   - versions whose bytes Sigil has logged list the LOGGED file and sha256, with the record
 *     in `_sigil`; when the upstream now lists another sha256 for that file, that is a
 *     conflict: it is logged and pip still sees (and gets) the logged bytes;
 *   - versions not logged yet list the upstream's sha256 (pip checks it; Sigil checks it too
 *     before logging);
 *   - versions the proxy policy hides (too young, denied) are left out.
 * If the upstream fails, the versions already logged are still served.
 */
import { makePurl } from '../../core/purl.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import { releasesOf } from '../personalities/shared/releases-of.js';
import type { RegistryContext } from '../publish.js';
import { UpstreamError } from '../upstream/http.js';
import { chooseFiles, type PypiUpstream, type UpstreamFile } from '../upstream/pypi.js';
import type { ObserveService } from './observe.js';

/** ProxiedFile: a file of a proxied project page; `row` when its bytes are logged. */
export interface ProxiedFile {
  readonly version: string;
  readonly row?: ReleaseRow;
  readonly upstream?: UpstreamFile;
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
    const logged = releasesOf(this.ctx.store, `pkg:pypi/${norm}`);
    let listed: UpstreamFile[] | undefined;
    try {
      listed = await this.upstream.files(norm);
    } catch (e) {
      if (!(e instanceof UpstreamError) || logged.length === 0) throw e;
      listed = undefined; // the upstream failed: what is logged is still served
    }
    if (!listed && logged.length === 0) return undefined;
    const policy = this.observe.o.policy;
    const out: ProxiedFile[] = [];
    const byVersion = new Map(logged.map((r) => [r.version, r]));
    for (const [version, f] of chooseFiles(listed ?? [])) {
      const purl = makePurl('pypi', undefined, norm, version);
      const row = byVersion.get(version);
      if (policy?.denied(purl) !== undefined) continue;
      if (!row) {
        if (policy?.hides(purl, f.uploadTime)) continue;
        out.push({ version, upstream: f });
        continue;
      }
      byVersion.delete(version);
      const same = listed!.find((u) => u.filename === row.filename);
      if (same?.sha256)
        await this.observe.checkIndexDigest(row, this.upstream, {
          algorithm: 'sha256',
          hex: same.sha256,
        });
      out.push({ version, row, ...(same ? { upstream: same } : {}) });
    }
    for (const row of byVersion.values())
      if (policy?.denied(row.purl) === undefined) out.push({ version: row.version, row });
    return out;
  }
}
