/**
 * The Composer side of the verifying proxy: p2 metadata of upstream packages, as Sigil serves it.
 *
 * For a package that is not hosted here, the upstream's version entries (expanded) are served
 * with every `dist.url` pointing to Sigil (so every byte passes through observe()) and `source`
 * removed (a VCS checkout would bypass the log), except:
 *   - versions whose bytes Sigil has logged are rendered from the logged dist, with the LOGGED
 *     sha1 as `dist.shasum`; when the upstream now lists another, that is a conflict: it is
 *     logged, and composer still sees (and gets) the logged bytes;
 *   - versions the proxy policy hides (too young by `time`, denied) are left out.
 */
import { makePurl } from '../../core/purl.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import type { RegistryContext } from '../publish.js';
import type { ComposerUpstream } from '../upstream/composer.js';
import type { ObserveService } from './observe.js';
import { listedOrLogged } from './listed-or-logged.js';

type Json = Record<string, unknown>;

export type ProxiedVersion =
  | { readonly kind: 'entry'; readonly entry: Json; readonly version: string }
  | { readonly kind: 'logged'; readonly row: ReleaseRow };

export class ComposerProxy {
  constructor(
    readonly upstream: ComposerUpstream,
    readonly observe: ObserveService,
    private readonly ctx: RegistryContext,
  ) {}

  /** resolves: is `vendor/name` served from the upstream (not hosted, not private)? */
  async resolves(vendor: string, name: string): Promise<boolean> {
    return (
      (await this.observe.hostedReason(
        `pkg:composer/${encodeURIComponent(vendor)}/${encodeURIComponent(name)}`,
      )) === undefined
    );
  }

  /** versions: what Sigil's p2 document of `vendor/name` holds (dist URLs still the upstream's: the caller points them here). */
  async versions(vendor: string, name: string): Promise<ProxiedVersion[] | undefined> {
    const full = `${vendor}/${name}`;
    const logged = await this.ctx.storage.releases.releasesOf(
      `pkg:composer/${encodeURIComponent(vendor)}/${encodeURIComponent(name)}`,
    );
    const listed = await listedOrLogged(logged, () => this.upstream.versions(full));
    if (!listed && logged.length === 0) return undefined;
    const policy = this.observe.o.policy;
    const byVersion = new Map(logged.map((r) => [r.version, r]));
    const out: ProxiedVersion[] = [];
    for (const e of listed ?? []) {
      const version = e['version'];
      const dist = e['dist'] as Json | undefined;
      if (typeof version !== 'string' || dist?.['type'] !== 'zip') continue; // VCS-only versions are not served
      const purl = makePurl('composer', vendor, name, version);
      if (policy?.denied(purl) !== undefined) continue;
      const row = byVersion.get(version);
      const entry: Json = { ...e };
      delete entry['source'];
      if (!row) {
        if (!policy?.hides(purl, typeof e['time'] === 'string' ? e['time'] : null))
          out.push({ kind: 'entry', entry, version });
        continue;
      }
      byVersion.delete(version);
      const shasum = typeof dist['shasum'] === 'string' ? dist['shasum'].toLowerCase() : '';
      if (/^[0-9a-f]{40}$/.test(shasum))
        await this.observe.checkIndexDigest(row, this.upstream, { algorithm: 'sha1', hex: shasum });
      out.push({ kind: 'logged', row }); // rendered from the logged dist: its composer.json, its sha1
    }
    for (const row of byVersion.values())
      if (policy?.denied(row.purl) === undefined) out.push({ kind: 'logged', row });
    return out;
  }
}
