/**
 * UpstreamNames: the namespace rule that keeps a publish here from shadowing a public package
 * (the mirror image of dependency confusion; docs/proxy.md "Public names belong to their
 * upstream", docs/threat-model.md).
 *
 * For an ecosystem with an upstream configured:
 *   - a name with observed releases belongs to its upstream: no version of it is published
 *     here (else `lodash@99.0.0` published by any account would be what `npm install lodash`
 *     gets through Sigil), unless the operator lists it under `private` in the config;
 *   - a name with no release here that no account holds and no ledger governs is asked of the
 *     upstream once, before its first publish: if the upstream has it, the publish is refused
 *     the same way; if the upstream cannot answer, the publish is refused too (fail closed).
 *     Names that are private, already hosted, held by an account (an operator's `sigil account
 *     grant`, or an earlier first publish) or governed by a ledger are never asked: asking
 *     would leak a private name to the public registry.
 * The first rule is checked again inside the reservation's transaction (`reserveGuard`), so a
 * publish and a concurrent on-demand lookup of the same name cannot both land: whichever
 * reserves first wins, the other is refused (publish) or answered "not found" (lookup).
 */
import { parsePurl, purlWithoutVersion } from '../../core/purl.js';
import type { ReleaseTables } from '../../store/registry/release-tables.js';
import type { ReleaseRow, ReleaseStore } from '../../store/registry/releases.js';
import { RegistryError } from '../errors.js';
import { UpstreamError } from '../upstream/http.js';
import type { Upstream } from '../upstream/upstream.js';
import { isObservedRow } from './observe.js';
import { matchesPattern } from './policy.js';

export interface UpstreamNamesOptions {
  /** The release tables (ctx.storage.releases); the old synchronous store until proxy.ts passes them (issue 19). */
  readonly store: ReleaseTables | ReleaseStore;
  readonly upstreams: ReadonlyMap<string, Upstream>;
  readonly privatePatterns: readonly string[];
  /** Why a package is never resolved upstream (proxy.ts makeHostedReason), or undefined. */
  readonly hostedReason: (packagePurl: string) => Promise<string | undefined>;
}

const HINT_PRIVATE =
  'publish it under a name of your own (e.g. a scope you hold), or, if this registry must host it instead of the public package, the operator lists it under "private" in sigil.config.json';

export class UpstreamNames {
  constructor(private readonly o: UpstreamNamesOptions) {}

  /** isPrivate: does the config list this package as private (hosted here, never upstream)? */
  isPrivate(packagePurl: string): boolean {
    return this.o.privatePatterns.some((p) => matchesPattern(p, packagePurl));
  }

  /**
   * checkPublish refuses (403, or 502/504 when the upstream cannot answer) a publish or key event
   * that would shadow a public name. For a pattern (`pkg:npm/%40types/*`, a scope claimed by key
   * event) only the names observed here can be checked: the upstream cannot list a scope.
   */
  async checkPublish(packagePurl: string): Promise<void> {
    if (packagePurl.endsWith('*')) return this.checkPattern(packagePurl);
    const p = parsePurl(packagePurl);
    const upstream = this.o.upstreams.get(p.type);
    if (!upstream || this.isPrivate(packagePurl)) return;
    const rows = await this.o.store.versions(p.type, p.namespace ?? '', p.name);
    if (rows.some((r) => isObservedRow(r))) throw observedRefusal(packagePurl, upstream.url);
    if (rows.length > 0) return; // hosted here already (never resolved upstream)
    if ((await this.o.hostedReason(packagePurl)) !== undefined) return;
    let index: unknown;
    try {
      index = await upstream.fetchIndex(packagePurl);
    } catch (e) {
      if (!(e instanceof UpstreamError)) throw e;
      throw new UpstreamError(
        e.status as 502 | 504,
        'UPSTREAM_NAME_UNCHECKED',
        `${packagePurl} is not published here yet, and the ${upstream.ecosystem} upstream ${upstream.url} could not say whether it is a public name (${e.message}); refused, since publishing a public name here would shadow it`,
        'retry when the upstream answers, or have the operator list the name under "private" in sigil.config.json',
      );
    }
    if (index !== undefined)
      throw new RegistryError(
        403,
        'NAME_BELONGS_TO_UPSTREAM',
        `${packagePurl} is a public package on the ${upstream.ecosystem} upstream ${upstream.url}; publishing it here would shadow it for everyone installing through this registry`,
        HINT_PRIVATE,
      );
  }

  private async checkPattern(pattern: string): Promise<void> {
    const type = /^pkg:([a-z0-9.+-]+)\//i.exec(pattern)?.[1]?.toLowerCase();
    const upstream = type ? this.o.upstreams.get(type) : undefined;
    if (!type || !upstream || this.isPrivate(pattern)) return;
    const observed = (await this.o.store.ofType(type)).find(
      (r) => matchesPattern(pattern, r.purl) && isObservedRow(r),
    );
    if (observed)
      throw new RegistryError(
        403,
        'NAME_BELONGS_TO_UPSTREAM',
        `${pattern} covers ${purlWithoutVersion(observed.purl)}, a public package this registry serves from ${upstream.url}; claiming it here would shadow it`,
        HINT_PRIVATE,
      );
  }

  /**
   * reserveGuard runs inside the reservation's transaction with every row (pending too) of the
   * package: a publish is refused once any version of the name was observed (or is being
   * observed), unless the name is private.
   */
  reserveGuard(packagePurl: string): ((siblings: readonly ReleaseRow[]) => void) | undefined {
    const p = parsePurl(packagePurl);
    const upstream = this.o.upstreams.get(p.type);
    if (!upstream || this.isPrivate(packagePurl)) return undefined;
    return (siblings) => {
      if (siblings.some((r) => isObservedRow(r))) throw observedRefusal(packagePurl, upstream.url);
    };
  }
}

function observedRefusal(packagePurl: string, upstreamUrl: string): RegistryError {
  return new RegistryError(
    403,
    'NAME_BELONGS_TO_UPSTREAM',
    `${packagePurl} is a public package: this registry serves it from ${upstreamUrl} and has logged versions of it from there; publishing it here would shadow the public package`,
    HINT_PRIVATE,
  );
}
