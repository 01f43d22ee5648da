/**
 * The Cargo side of the verifying proxy: index files of upstream crates, as Sigil serves them.
 *
 * For a crate that is not hosted here, the upstream's index lines are served as they are
 * (dependencies with `registry: null` then mean "this registry", i.e. Sigil, which proxies
 * the upstream), except:
 *   - versions whose bytes Sigil has logged carry the LOGGED sha256 as `cksum`; when the
 *     upstream's line now says another, that is a conflict: it is logged and cargo still sees
 *     (and gets) the logged bytes;
 *   - versions the proxy policy hides (too young by `pubtime`, denied) are left out.
 * Downloads go to Sigil's own `dl` (the index's config.json), so every byte passes through
 * observe(). If the upstream fails, nothing is served for a crate that has no logged version;
 * logged versions are served from their logged facts.
 */
import { makePurl } from '../../core/purl.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import type { RegistryContext } from '../publish.js';
import type { CargoUpstream } from '../upstream/cargo.js';
import { UpstreamError } from '../upstream/http.js';
import type { ObserveService } from './observe.js';

/** ProxiedLine: an index line to serve, or a logged version the upstream no longer lists (built from the crate). */
export type ProxiedLine =
  | { readonly kind: 'line'; readonly line: Record<string, unknown> }
  | { readonly kind: 'logged'; readonly row: ReleaseRow };

export class CargoProxy {
  constructor(
    readonly upstream: CargoUpstream,
    readonly observe: ObserveService,
    private readonly ctx: RegistryContext,
  ) {}

  /** resolves: is crate `name` served from the upstream (not hosted, not private)? */
  async resolves(name: string): Promise<boolean> {
    return (await this.observe.hostedReason(`pkg:cargo/${name}`)) === undefined;
  }

  /** lines returns what Sigil's index file of `name` holds; undefined when neither the upstream nor the log has it. */
  async lines(name: string): Promise<ProxiedLine[] | undefined> {
    let listed;
    let failure: unknown;
    try {
      listed = await this.upstream.lines(name);
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      failure = e;
    }
    const exact = listed?.[0]?.name ?? name;
    const logged = await this.ctx.storage.releases.releasesOf(`pkg:cargo/${exact}`);
    if (failure !== undefined && logged.length === 0) throw failure;
    if (!listed && logged.length === 0) return undefined;
    const policy = this.observe.o.policy;
    const byVersion = new Map(logged.map((r) => [r.version, r]));
    const out: ProxiedLine[] = [];
    for (const l of listed ?? []) {
      const purl = makePurl('cargo', undefined, l.name, l.vers);
      if (policy?.denied(purl) !== undefined) continue;
      const row = byVersion.get(l.vers);
      if (!row) {
        if (!policy?.hides(purl, l.pubtime)) out.push({ kind: 'line', line: l.raw });
        continue;
      }
      byVersion.delete(l.vers);
      await this.observe.checkIndexDigest(row, this.upstream, {
        algorithm: 'sha256',
        hex: l.cksum,
      });
      out.push({ kind: 'line', line: { ...l.raw, cksum: row.sha256 } });
    }
    for (const row of byVersion.values())
      if (policy?.denied(row.purl) === undefined) out.push({ kind: 'logged', row });
    return out;
  }
}
