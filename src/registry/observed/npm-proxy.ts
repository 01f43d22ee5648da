/**
 * The npm side of the verifying proxy: packuments of upstream names, as Sigil serves them.
 *
 * For a name that is not hosted here, the upstream's packument is served with:
 *   - every `dist.tarball` pointing to Sigil (so every byte passes through observe());
 *   - the upstream's `dist.signatures` and `dist.attestations` removed (they are checked
 *     and recorded in the observed record; npm would check them against Sigil's keys);
 *   - for versions whose bytes Sigil has logged: the LOGGED `dist.integrity`/`shasum`,
 *     Sigil's own registry signature in `dist.signatures` (so `npm audit signatures`
 *     through Sigil verifies), and `dist.sigil` pointing at the record. When the
 *     upstream's index now lists another digest, that is a conflict: it is logged and
 *     the logged digest is what npm sees;
 *   - versions the proxy policy hides (too young, denied) left out, and `latest`
 *     moved to the highest version left.
 * If the upstream fails, the versions already logged are still served (from the store).
 */
import { purlWithoutVersion, makePurl } from '../../core/purl.js';
import type { RegistryStorage } from '../../store/registry/registry-storage.js';
import { npmTarballFacts } from '../personalities/npm/facts.js';
import { CORGI_FIELDS, tarballUrl } from '../personalities/npm/packument.js';
import { highestVersion, isPrerelease } from '../personalities/npm/semver.js';
import type { NpmUpstream } from '../upstream/npm.js';
import type { ObserveService } from './observe.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface NpmProxyDocs {
  readonly full: Json;
  readonly abbreviated: Json;
}

export class NpmProxy {
  constructor(
    private readonly upstream: NpmUpstream,
    private readonly observe: ObserveService,
    private readonly storage: Pick<RegistryStorage, 'releases' | 'packages' | 'blobs'>,
  ) {}

  /** resolves: is `name` served from the upstream (not hosted, not private)? */
  async resolves(name: string, namespace: string, bare: string): Promise<boolean> {
    return (
      (await this.observe.hostedReason(
        purlWithoutVersion(makePurl('npm', namespace || undefined, bare, '0.0.0')),
      )) === undefined
    );
  }

  /** packuments returns the proxied documents of an upstream name, or undefined when the upstream has no such package. */
  async packuments(
    name: string,
    namespace: string,
    bare: string,
    baseUrl: string,
  ): Promise<NpmProxyDocs | undefined> {
    const doc = await this.upstream.packument(name);
    if (!doc) return undefined;
    const policy = this.observe.o.policy;
    const time = isObj(doc['time']) ? { ...(doc['time'] as Json) } : {};
    const versions: Json = {};
    // The versions already logged, in one read (not one per upstream version).
    const logged = new Map(
      (await this.storage.releases.versions('npm', namespace, bare)).map((r) => [r.purl, r]),
    );
    for (const [v, m] of Object.entries(doc['versions'] as Json)) {
      if (!isObj(m)) continue;
      const purl = makePurl('npm', namespace || undefined, bare, v);
      const publishedAt = typeof time[v] === 'string' ? (time[v] as string) : null;
      const row = logged.get(purl);
      if (policy?.denied(purl) !== undefined || (!row && policy?.hides(purl, publishedAt))) {
        delete time[v];
        continue;
      }
      const dist: Json = { ...(isObj(m['dist']) ? (m['dist'] as Json) : {}) };
      const upstreamIntegrity = dist['integrity'];
      delete dist['signatures'];
      delete dist['npm-signature'];
      delete dist['attestations'];
      dist['tarball'] = tarballUrl(baseUrl, name, v);
      if (row) {
        const integrity =
          (JSON.parse(row.native) as Record<string, string>)['sri-sha512'] ??
          `sha512-${Buffer.from(row.sha512, 'hex').toString('base64')}`;
        const listed =
          typeof upstreamIntegrity === 'string'
            ? /sha512-([A-Za-z0-9+/=]+)/.exec(upstreamIntegrity)?.[1]
            : undefined;
        if (listed !== undefined)
          await this.observe.checkIndexDigest(row, this.upstream, {
            algorithm: 'sha512',
            hex: Buffer.from(listed, 'base64').toString('hex'),
          });
        const facts = await npmTarballFacts(this.storage, row);
        dist['integrity'] = integrity;
        if (facts) dist['shasum'] = facts.sha1;
        if (row.registrySignature)
          dist['signatures'] = [JSON.parse(row.registrySignature) as unknown];
        dist['sigil'] = {
          record: `${baseUrl}/api/v1/releases/${encodeURIComponent(row.purl)}`,
          kind: 'observed',
          logIndex: row.publishIndex,
        };
      }
      versions[v] = { ...m, dist };
    }
    const names = Object.keys(versions);
    const tags: Json = {};
    for (const [t, v] of Object.entries(isObj(doc['dist-tags']) ? (doc['dist-tags'] as Json) : {}))
      if (typeof v === 'string' && v in versions) tags[t] = v;
    if (tags['latest'] === undefined) {
      const latest = highestVersion(names.filter((v) => !isPrerelease(v))) ?? highestVersion(names);
      if (latest !== undefined) tags['latest'] = latest;
    }
    const full: Json = { ...doc, 'dist-tags': tags, versions, time };
    delete full['_attachments'];
    delete full['_rev'];
    const abbreviated: Json = {
      name,
      modified: typeof time['modified'] === 'string' ? time['modified'] : new Date(0).toISOString(),
      'dist-tags': tags,
      versions: Object.fromEntries(
        Object.entries(versions).map(([v, m]) => [
          v,
          Object.fromEntries(
            CORGI_FIELDS.filter((f) => (m as Json)[f] !== undefined).map((f) => [
              f,
              (m as Json)[f],
            ]),
          ),
        ]),
      ),
    };
    return { full, abbreviated };
  }
}
