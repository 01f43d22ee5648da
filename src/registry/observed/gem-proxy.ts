/**
 * The RubyGems side of the verifying proxy: compact index files of upstream gems, as Sigil
 * serves them.
 *
 *   /info/<name>  the upstream's lines, except that versions whose bytes Sigil has logged are
 *                 rendered from the logged gem, with the LOGGED sha256 as `checksum:` (when the
 *                 upstream's line now says another, that is a conflict: it is logged, and
 *                 bundler still sees and gets the logged bytes); denied versions are left out
 *   /versions     Sigil's own hosted gems, then the upstream's lines for every other name
 *                 (bundler only asks /info for names it finds there); private and hosted names
 *                 are left out. The upstream's md5 per line is kept: where Sigil's /info differs
 *                 (a conflict), bundler just fetches /info again
 * Files (`/gems/…`, `/quick/…`) pass through observe(), so every byte is logged first.
 */
import type { ReleaseRow } from '../../store/registry/releases.js';
import type { RegistryContext } from '../publish.js';
import { gemPurl, GEM_NAME, type GemUpstream } from '../upstream/gem.js';
import { UpstreamError } from '../upstream/http.js';
import type { ObserveService } from './observe.js';
import { isObservedRow } from './observe.js';
import { matchesPattern } from './policy.js';
import { listedOrLogged } from './listed-or-logged.js';

/** ProxiedInfo: a line to serve as is, or a logged version to render from its gem. */
export type ProxiedInfo =
  | { readonly kind: 'line'; readonly text: string }
  | { readonly kind: 'logged'; readonly row: ReleaseRow };

export class GemProxy {
  constructor(
    readonly upstream: GemUpstream,
    readonly observe: ObserveService,
    private readonly ctx: RegistryContext,
    private readonly privatePatterns: readonly string[],
  ) {}

  /** resolves: is gem `name` served from the upstream (not hosted, not private)? */
  async resolves(name: string): Promise<boolean> {
    return (
      GEM_NAME.test(name) && (await this.observe.hostedReason(`pkg:gem/${name}`)) === undefined
    );
  }

  /** loggedRows: every published release of gem `name` (all platforms), oldest first. */
  private loggedRows(name: string): Promise<ReleaseRow[]> {
    return this.ctx.storage.releases.versions('gem', '', name);
  }

  /** info returns what Sigil's /info/<name> holds; undefined when neither the upstream nor the log has the gem. */
  async info(name: string): Promise<ProxiedInfo[] | undefined> {
    const logged = await this.loggedRows(name);
    const lines = await listedOrLogged(logged, () => this.upstream.info(name));
    if (!lines && logged.length === 0) return undefined;
    const policy = this.observe.o.policy;
    const byPurl = new Map(logged.map((r) => [r.purl, r]));
    const out: ProxiedInfo[] = [];
    for (const l of lines ?? []) {
      const purl = gemPurl(name, l.version, l.platform);
      if (policy?.denied(purl) !== undefined) continue;
      const row = byPurl.get(purl);
      if (!row) {
        out.push({ kind: 'line', text: l.text });
        continue;
      }
      byPurl.delete(purl);
      if (l.checksum)
        await this.observe.checkIndexDigest(row, this.upstream, {
          algorithm: 'sha256',
          hex: l.checksum,
        });
      out.push({ kind: 'logged', row }); // rendered from the logged gem: its deps, its checksum
    }
    for (const row of byPurl.values())
      if (policy?.denied(row.purl) === undefined) out.push({ kind: 'logged', row });
    return out;
  }

  /** versionsLines: the upstream's /versions lines for names that are neither hosted here nor private (empty when it fails). */
  async versionsLines(): Promise<string[]> {
    let text: string | undefined;
    try {
      text = await this.upstream.versions();
    } catch (e) {
      if (e instanceof UpstreamError) return [];
      throw e;
    }
    if (!text) return [];
    // One read of every gem release, not one per name: a gem is hosted when any release of it is.
    const hosted = new Set(
      (await this.ctx.storage.releases.ofType('gem'))
        .filter((row) => !isObservedRow(row))
        .map((row) => row.name),
    );
    const body = text.slice(text.indexOf('\n---\n') >= 0 ? text.indexOf('\n---\n') + 5 : 0);
    const out: string[] = [];
    for (const line of body.split('\n')) {
      const name = line.slice(0, line.indexOf(' '));
      if (!name || !GEM_NAME.test(name) || hosted.has(name)) continue;
      if (this.privatePatterns.some((p) => matchesPattern(p, `pkg:gem/${name}`))) continue;
      out.push(line);
    }
    return out;
  }
}
