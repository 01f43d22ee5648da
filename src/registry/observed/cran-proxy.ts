/**
 * The CRAN side of the verifying proxy: one PACKAGES index for what is hosted here and what
 * the upstream has.
 *
 *   - packages published here keep Sigil's own entry (never shadowed by the upstream's);
 *   - a package Sigil only observed keeps its logged entry (logged MD5sum) while the upstream
 *     still lists that version; when the upstream's MD5sum for it differs, that is a conflict
 *     (logged once) and R still gets the logged bytes. When the upstream lists a newer version,
 *     that one is listed (and logged on its first download); the logged one stays in Archive/;
 *   - every other upstream package is listed as the upstream wrote it, minus private and denied
 *     names; its tarball path is Sigil's, so the first download logs it.
 * If the upstream fails, what Sigil has is still listed and served.
 */
import { gzipSync } from 'node:zlib';
import { makePurl } from '../../core/purl.js';
import { FIELDS, type CranSnapshot } from '../personalities/cran/repository.js';
import { packagesRds } from '../personalities/cran/rds.js';
import type { CranEntry, CranUpstream } from '../upstream/cran.js';
import { UpstreamError } from '../upstream/http.js';
import { isObservedRow, type ObserveService } from './observe.js';
import { matchesPattern } from './policy.js';

export interface MergedPackages {
  readonly packages: Buffer;
  readonly packagesGz: Buffer;
  readonly packagesRds: Buffer;
}

export class CranProxy {
  constructor(
    readonly upstream: CranUpstream,
    readonly observe: ObserveService,
    private readonly privatePatterns: readonly string[],
  ) {}

  /** resolves: is package `name` served from the upstream (not hosted, not private)? */
  async resolves(name: string): Promise<boolean> {
    return (await this.observe.hostedReason(`pkg:cran/${name}`)) === undefined;
  }

  async merged(snap: CranSnapshot): Promise<MergedPackages> {
    let upstream = new Map<string, CranEntry>();
    try {
      upstream = await this.upstream.packages();
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e; // the upstream failed: what Sigil has is still listed
    }
    const policy = this.observe.o.policy;
    const stanzas: { text: string; fields: ReadonlyMap<string, string> }[] = [];
    const names = [...new Set([...snap.entries.keys(), ...upstream.keys()])].sort();
    for (const name of names) {
      const own = snap.entries.get(name);
      const up = upstream.get(name);
      if (own && (!isObservedRow(own.row) || !up)) {
        stanzas.push(own);
        continue;
      }
      if (!up) continue;
      if (own && own.row.version === up.version) {
        if (up.md5 && (JSON.parse(own.row.native) as Record<string, string>)['md5'] !== up.md5)
          await this.observe.conflict(own.row, this.upstream, {
            indexDigest: { algorithm: 'md5', value: up.md5 },
          });
        stanzas.push(own);
        continue;
      }
      const purl = makePurl('cran', undefined, name, up.version);
      if (this.privatePatterns.some((p) => matchesPattern(p, purl))) continue;
      if (policy?.denied(purl) !== undefined) continue;
      if (policy?.hides(purl, up.fields.get('Date/Publication') ?? null)) {
        if (own) stanzas.push(own);
        continue;
      }
      const kept = FIELDS.filter((f) => f !== 'Path' && up.fields.has(f));
      stanzas.push({
        text: `${kept.map((f) => `${f}: ${up.fields.get(f)!.split('\n').join('\n        ')}`).join('\n')}\n`,
        fields: new Map(kept.map((f) => [f, up.fields.get(f)!.replace(/\s*\n\s*/g, ' ')])),
      });
    }
    const packages = Buffer.from(stanzas.map((s) => s.text).join('\n'), 'utf8');
    const columns = [...FIELDS, 'SHA256'].filter(
      (f) => f !== 'Path' && stanzas.some((s) => s.fields.has(f)),
    );
    return {
      packages,
      packagesGz: gzipSync(packages, { level: 9 }),
      packagesRds: packagesRds(
        columns,
        stanzas.map((s) => new Map(s.fields)),
      ),
    };
  }
}
