/**
 * The WordPress side of the verifying proxy: plugins the upstream directory has, offered by
 * Sigil's update API with Sigil's Ed25519 `signatures`.
 *
 * A signature can only be made over bytes Sigil holds, so a version is observed (fetched,
 * checked against the directory's per-file checksums, logged) before Sigil offers it: on an
 * update check or plugin_information for the upstream's current version, on a download for any
 * listed version. WordPress then checks Sigil's signature over exactly the logged bytes.
 * Hosted and private plugins are never asked upstream.
 */
import { makePurl } from '../../core/purl.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import { UpstreamError } from '../upstream/http.js';
import type { WordpressUpstream } from '../upstream/wordpress.js';
import type { ObserveService } from './observe.js';

/** At most this many plugins of one update check are looked up upstream. */
export const MAX_UPSTREAM_PLUGINS_PER_CHECK = 100;

export class WordpressProxy {
  constructor(
    readonly upstream: WordpressUpstream,
    readonly observe: ObserveService,
  ) {}

  private async resolves(slug: string): Promise<boolean> {
    return (
      (await this.observe.hostedReason(makePurl('wordpress', 'plugin', slug, undefined))) ===
      undefined
    );
  }

  /** observeCurrent logs the upstream's current version of a plugin; undefined when hosted, private or unknown upstream. */
  async observeCurrent(slug: string): Promise<ReleaseRow | undefined> {
    if (!(await this.resolves(slug))) return undefined;
    const info = await this.upstream.info(slug);
    if (!info) return undefined;
    return this.observe.observe(makePurl('wordpress', 'plugin', slug, info.version));
  }

  /** observeVersion logs one listed version (a download); undefined when hosted, private or not listed. */
  observeVersion(slug: string, version: string): Promise<ReleaseRow | undefined> {
    return this.observe.observe(makePurl('wordpress', 'plugin', slug, version));
  }

  /**
   * prepareUpdateCheck observes the current upstream version of each installed plugin, so the
   * update check can offer it signed. A plugin whose upstream fails is left out of the answer
   * (as the directory leaves out plugins it does not know); the others are answered.
   */
  async prepareUpdateCheck(slugs: readonly string[]): Promise<void> {
    await Promise.all(
      [...new Set(slugs)].slice(0, MAX_UPSTREAM_PLUGINS_PER_CHECK).map(async (slug) => {
        try {
          await this.observeCurrent(slug);
        } catch (e) {
          if (!(e instanceof UpstreamError)) throw e;
        }
      }),
    );
  }

  /** upstreamVersions: the versions the directory lists for a plugin (empty when hosted, private, unknown or failing). */
  async upstreamVersions(slug: string): Promise<string[]> {
    if (!(await this.resolves(slug))) return [];
    try {
      return [...((await this.upstream.info(slug))?.versions.keys() ?? [])];
    } catch (e) {
      if (e instanceof UpstreamError) return [];
      throw e;
    }
  }
}
