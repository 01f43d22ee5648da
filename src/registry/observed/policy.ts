/**
 * ProxyPolicy: what the operator demands of upstream versions before any byte reaches a
 * client (sigil.config.json `policy`, docs/proxy.md):
 *
 *   minimumReleaseAgeHours   hide (packuments) and refuse (artifacts) versions the upstream
 *                            published less than N hours ago — the cool-down against
 *                            worm-style takeovers (pnpm minimumReleaseAge, yarn's age gate)
 *   requireRegistrySignature purl patterns whose upstream registry signature must be valid
 *   requireProvenance        purl patterns that must carry valid provenance
 *   deny                     purl patterns never served (with a version: that version only)
 *
 * Patterns: `pkg:npm/left-pad` (that package), `pkg:npm/%40acme/*` (a prefix), `*` (all),
 * `pkg:npm/left-pad@1.3.0` (one version). Refusals are RegistryError 403 with a message
 * the npm and go clients print.
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { purlWithoutVersion } from '../../core/purl.js';
import { versionPurlOf } from '../../ecosystems/release-key.js';
import { RegistryError } from '../errors.js';
import type { ArtifactRef, Upstream } from '../upstream/upstream.js';

export interface ProxyPolicyConfig {
  readonly minimumReleaseAgeHours?: number;
  readonly requireRegistrySignature?: readonly string[];
  readonly requireProvenance?: readonly string[];
  readonly deny?: readonly string[];
}

/** matchesPattern: does a purl pattern cover this purl (with or without version)? */
export function matchesPattern(pattern: string, purl: string): boolean {
  if (pattern === '*') return true;
  const bare = purlWithoutVersion(purl);
  const decoded = (s: string) => s.replace(/%40/gi, '@');
  const p = decoded(pattern);
  if (p.endsWith('*'))
    return decoded(bare).startsWith(p.slice(0, -1)) || decoded(purl).startsWith(p.slice(0, -1));
  // A PyPI file purl (…?file_name=) is covered by a pattern naming its version.
  return p === decoded(bare) || p === decoded(purl) || p === decoded(versionPurlOf(purl));
}

export class ProxyPolicy {
  constructor(
    readonly config: ProxyPolicyConfig,
    private readonly now: () => Date,
  ) {}

  /** denied: the deny pattern that covers `purl`, if any. */
  denied(purl: string): string | undefined {
    return (this.config.deny ?? []).find((p) => matchesPattern(p, purl));
  }

  /** tooYoung: hours since publication when younger than the minimum age, else undefined. */
  tooYoung(publishedAt: string | null): number | undefined {
    const min = this.config.minimumReleaseAgeHours;
    if (!min) return undefined;
    if (publishedAt === null) return undefined; // the upstream gives no time: nothing to hold it by (docs/proxy.md)
    const t = Date.parse(publishedAt);
    if (Number.isNaN(t)) return 0;
    const hours = (this.now().getTime() - t) / 3_600_000;
    return hours < min ? hours : undefined;
  }

  /** hides: should a packument / version list leave this version out? */
  hides(purl: string, publishedAt: string | null): boolean {
    return this.denied(purl) !== undefined || this.tooYoung(publishedAt) !== undefined;
  }

  checkBeforeFetch(ref: ArtifactRef, upstream: Upstream): void {
    const deny = this.denied(ref.purl);
    if (deny)
      throw new RegistryError(
        403,
        'POLICY_DENIED',
        `${ref.purl} is denied by this proxy's policy (deny: ${deny})`,
        'ask the registry operator; the deny list is in sigil.config.json',
      );
    const age = this.tooYoung(ref.publishedAt);
    if (age !== undefined) {
      throw new RegistryError(
        403,
        'POLICY_TOO_YOUNG',
        `${ref.purl} was published ${age.toFixed(1)} hours ago on ${upstream.url}; this proxy serves versions only after ${this.config.minimumReleaseAgeHours} hours (minimumReleaseAgeHours)`,
        'use an older version, or wait; the operator sets policy.minimumReleaseAgeHours in sigil.config.json',
      );
    }
  }

  checkEvidence(purl: string, evidence: UpstreamEvidence): void {
    const sig = (this.config.requireRegistrySignature ?? []).find((p) => matchesPattern(p, purl));
    if (sig && evidence.registrySignature.verdict !== 'valid') {
      throw new RegistryError(
        403,
        'POLICY_SIGNATURE_REQUIRED',
        `${purl} has no valid upstream registry signature (${evidence.registrySignature.verdict}: ${evidence.registrySignature.reason}); this proxy requires one (requireRegistrySignature: ${sig})`,
        'ask the registry operator',
      );
    }
    const prov = (this.config.requireProvenance ?? []).find((p) => matchesPattern(p, purl));
    if (prov && evidence.provenance.verdict !== 'valid') {
      throw new RegistryError(
        403,
        'POLICY_PROVENANCE_REQUIRED',
        `${purl} has no valid provenance (${evidence.provenance.verdict}: ${evidence.provenance.reason}); this proxy requires it (requireProvenance: ${prov})`,
        'ask the registry operator',
      );
    }
  }
}
