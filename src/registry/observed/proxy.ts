/**
 * openProxy: the verifying pull-through proxy of `sigil serve --upstream …` assembled from
 * the config — upstream clients, the observe service, the npm packument proxy — and the
 * rule that decides which names are never resolved upstream.
 */
import type { ConflictStore } from '../../store/registry/conflicts.js';
import { coveringPatterns, normalizeNamespace } from '../auth/scope.js';
import type { RegistryContext } from '../publish.js';
import type { ProxyConfig } from '../upstream/config.js';
import { GoUpstream } from '../upstream/go.js';
import { UpstreamSumdb } from '../upstream/go-sumdb.js';
import { UpstreamClient } from '../upstream/http.js';
import { NpmUpstream } from '../upstream/npm.js';
import type { Upstream } from '../upstream/upstream.js';
import { NpmProxy } from './npm-proxy.js';
import { pypiNameOf, PypiUpstream } from '../upstream/pypi.js';
import type { ReleaseRow } from '../../store/registry/releases.js';
import { PypiProxy } from './pypi-proxy.js';
import { CargoUpstream } from '../upstream/cargo.js';
import { CargoProxy } from './cargo-proxy.js';
import { GemUpstream } from '../upstream/gem.js';
import { GemProxy } from './gem-proxy.js';
import { ComposerUpstream } from '../upstream/composer.js';
import { ComposerProxy } from './composer-proxy.js';
import { CranUpstream } from '../upstream/cran.js';
import { CranProxy } from './cran-proxy.js';
import { MavenUpstream } from '../upstream/maven.js';
import { MavenProxy } from './maven-proxy.js';
import { HexUpstream } from '../upstream/hex.js';
import { HexProxy } from './hex-proxy.js';
import { HackageUpstream } from '../upstream/hackage.js';
import { HackageProxy } from './hackage-proxy.js';
import { PuppetUpstream } from '../upstream/puppet.js';
import { PuppetProxy } from './puppet-proxy.js';
import { WordpressUpstream } from '../upstream/wordpress.js';
import { WordpressProxy } from './wordpress-proxy.js';
import { DebUpstream } from '../upstream/deb.js';
import { CpanUpstream } from '../upstream/cpan.js';
import { DEFAULT_DEB_UPSTREAM } from '../upstream/deb-config.js';
import { readFileSync } from 'node:fs';
import { InputError } from '../../core/errors.js';
import { isObservedRow, ObserveService } from './observe.js';
import { matchesPattern, ProxyPolicy } from './policy.js';
import { UpstreamNames } from './shadowing.js';
import { parsePurl } from '../../core/purl.js';
import { computeNpmTarballFacts } from '../personalities/npm/facts.js';

export interface Proxy {
  readonly observe: ObserveService;
  /** Not set: conflicts are kept in ctx.storage.packages (server.ts's readers move there; issue 19). */
  readonly conflicts?: ConflictStore;
  readonly npm: NpmProxy | undefined;
  readonly go: GoUpstream | undefined;
  readonly pypi?: PypiProxy | undefined;
  readonly cargo?: CargoProxy | undefined;
  readonly gem?: GemProxy | undefined;
  readonly composer?: ComposerProxy | undefined;
  readonly cran?: CranProxy | undefined;
  readonly maven?: MavenProxy | undefined;
  readonly hex?: HexProxy | undefined;
  readonly hackage?: HackageProxy | undefined;
  readonly puppet?: PuppetProxy | undefined;
  readonly wordpress?: WordpressProxy | undefined;
  /** The Debian upstream; its signed suite (DebMirror) needs the registry's OpenPGP key, so server.ts builds it. */
  readonly deb?: DebUpstream | undefined;
  /** The CPAN upstream; its CHECKSUMS are signed again with the registry's OpenPGP key (server.ts builds the CpanProxy). */
  readonly cpan?: CpanUpstream | undefined;
  readonly config: ProxyConfig;
  /** The publish-side rule: public names are not published here (shadowing.ts). */
  readonly names: UpstreamNames;
  /** A lookup's miss asked upstream: a PyPI version purl answers its file set (pypi-proxy.ts observeVersion), any other purl its one observed record. */
  readonly resolve: (purl: string) => Promise<ReleaseRow | ReleaseRow[] | undefined>;
}

export interface ProxyDeps {
  readonly ctx: RegistryContext;
}

/**
 * hostedReason: a name is never resolved upstream when the config lists it as private, when
 * releases of it were published here, when an account holds its namespace, or when it has
 * author keys in the ledger (dependency confusion: a hosted @acme/x must never be shadowed).
 */
export function makeHostedReason(
  config: ProxyConfig,
  deps: ProxyDeps,
): (packagePurl: string) => Promise<string | undefined> {
  return async (packagePurl) => {
    const priv = config.private.find((p) => matchesPattern(p, packagePurl));
    if (priv) return `private in the config (${priv})`;
    const p = parsePurl(packagePurl);
    const { releases, grants } = deps.ctx.storage;
    const rows = await releases.versions(p.type, p.namespace ?? '', p.name);
    if (rows.some((r) => !isObservedRow(r))) return 'published on this registry';
    let patterns: string[] | undefined;
    try {
      patterns = coveringPatterns(normalizeNamespace(packagePurl));
    } catch {
      /* not a namespace the accounts know how to name: no grant can hold it */
    }
    if (patterns && (await grants.grantsFor(patterns)).length > 0)
      return 'its namespace is held by an account here';
    const keys = await deps.ctx.authority.keysFor(packagePurl);
    if (keys.keys.length > 0) return "it has author keys in this registry's ledger";
    return undefined;
  };
}

function readKeyringFile(file: string, eco: string, hint: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new InputError(
      'CONFIG_INVALID',
      `upstreams.${eco}.keyring: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
      { hint },
    );
  }
}

export function openProxy(config: ProxyConfig, deps: ProxyDeps): Proxy | undefined {
  const entries = Object.entries(config.upstreams);
  if (entries.length === 0) return undefined;
  const limits = {
    maxArtifactBytes: config.limits.maxArtifactBytes,
    maxIndexBytes: config.limits.maxIndexBytes,
  };
  const upstreams = new Map<string, Upstream>();
  let npm: NpmUpstream | undefined;
  let go: GoUpstream | undefined;
  let pypi: PypiUpstream | undefined;
  let cargo: CargoUpstream | undefined;
  let gem: GemUpstream | undefined;
  let composer: ComposerUpstream | undefined;
  let cran: CranUpstream | undefined;
  let maven: MavenUpstream | undefined;
  let hex: HexUpstream | undefined;
  let hackage: HackageUpstream | undefined;
  let puppet: PuppetUpstream | undefined;
  let wordpress: WordpressUpstream | undefined;
  let deb: DebUpstream | undefined;
  let cpan: CpanUpstream | undefined;
  for (const [eco, u] of entries) {
    const client = new UpstreamClient({
      timeoutMs: config.limits.timeoutMs,
      concurrency: config.limits.concurrency,
    });
    // What an upstream that caches a plain index needs (cargo, gem, composer, cran, puppet, wordpress).
    const indexed = { url: u.url, client, limits, indexTtlMs: config.limits.indexTtlMs };
    if (eco === 'npm')
      upstreams.set(
        'npm',
        (npm = new NpmUpstream({
          url: u.url,
          client,
          limits,
          packumentTtlMs: config.limits.indexTtlMs,
          ...(u.keys !== undefined ? { keys: u.keys } : {}),
        })),
      );
    if (eco === 'golang')
      upstreams.set(
        'golang',
        (go = new GoUpstream({
          url: u.url,
          client,
          limits,
          ...(u.sumdb !== undefined ? { sumdb: new UpstreamSumdb(u.sumdb, client) } : {}),
        })),
      );
    if (eco === 'cargo') upstreams.set('cargo', (cargo = new CargoUpstream(indexed)));
    if (eco === 'gem') upstreams.set('gem', (gem = new GemUpstream(indexed)));
    if (eco === 'composer') upstreams.set('composer', (composer = new ComposerUpstream(indexed)));
    if (eco === 'cran') upstreams.set('cran', (cran = new CranUpstream(indexed)));
    if (eco === 'maven')
      upstreams.set('maven', (maven = new MavenUpstream({ url: u.url, client, limits })));
    if (eco === 'hex' && u.publicKey)
      upstreams.set(
        'hex',
        (hex = new HexUpstream({
          url: u.url,
          client,
          limits,
          publicKey: u.publicKey,
          repository: u.repository ?? 'hexpm',
          indexTtlMs: config.limits.indexTtlMs,
        })),
      );
    if (eco === 'hackage' && u.rootKeys)
      upstreams.set(
        'hackage',
        (hackage = new HackageUpstream({
          url: u.url,
          client,
          limits,
          rootKeys: u.rootKeys,
          keyThreshold: u.keyThreshold ?? 1,
          indexTtlMs: config.limits.indexTtlMs,
        })),
      );
    if (eco === 'puppet') upstreams.set('puppet', (puppet = new PuppetUpstream(indexed)));
    if (eco === 'wordpress')
      upstreams.set('wordpress', (wordpress = new WordpressUpstream(indexed)));
    if (eco === 'cpan')
      upstreams.set(
        'cpan',
        (cpan = new CpanUpstream({
          url: u.url,
          client,
          limits: {
            ...limits,
            maxUncompressedIndexBytes: config.limits.maxUncompressedIndexBytes,
          },
          ...(u.keyring
            ? {
                keyring: {
                  bytes: readKeyringFile(
                    u.keyring,
                    'cpan',
                    'name the keyring CHECKSUMS are signed with',
                  ),
                  name: u.keyring,
                },
              }
            : {}),
          indexTtlMs: config.limits.indexTtlMs,
          now: () => deps.ctx.now().getTime(),
        })),
      );
    if (eco === 'deb') {
      const d = u.deb ?? DEFAULT_DEB_UPSTREAM;
      const keyring = readKeyringFile(
        d.keyring,
        'deb',
        'install debian-archive-keyring, or name the keyring the archive signs with',
      );
      upstreams.set(
        'deb',
        (deb = new DebUpstream({
          url: u.url,
          client,
          limits: { ...limits, maxUncompressedIndexBytes: config.limits.maxUncompressedIndexBytes },
          suite: d.suite,
          components: d.components,
          architectures: d.architectures,
          keyring,
          keyringName: d.keyring,
          indexTtlMs: config.limits.indexTtlMs,
          now: deps.ctx.now,
        })),
      );
    }
    if (eco === 'pypi')
      upstreams.set(
        'pypi',
        (pypi = new PypiUpstream({
          url: u.url,
          client,
          limits,
          indexTtlMs: config.limits.indexTtlMs,
          ...(u.trustedRoot !== undefined ? { trustedRoot: u.trustedRoot } : {}),
        })),
      );
  }
  const policy = new ProxyPolicy(config.policy, deps.ctx.now);
  // npm: the packument facts (sha1, package.json) are read from the bytes once, while they are in memory.
  const prepare = async (
    _purl: string,
    type: string,
    filename: string,
    bytes: Buffer,
    sha256: string,
  ) => {
    if (type !== 'npm' || (await deps.ctx.storage.packages.npmTarball(sha256))) return;
    try {
      const facts = await computeNpmTarballFacts(filename, bytes);
      await deps.ctx.storage.packages.putNpmTarball(sha256, {
        sha1: facts.sha1,
        manifest: JSON.stringify(facts.manifest),
      });
    } catch {
      /* computed (and refused) again when a packument needs it */
    }
  };
  const hostedReason = makeHostedReason(config, deps);
  const observe = new ObserveService({
    ctx: deps.ctx,
    upstreams,
    hostedReason,
    policy,
    prepare,
  });
  const pypiProxy = pypi ? new PypiProxy(pypi, observe, deps.ctx) : undefined;
  const resolve = async (purl: string): Promise<ReleaseRow | ReleaseRow[] | undefined> => {
    if (pypiProxy && /^pkg:\/*pypi\//i.test(purl)) {
      const { norm, version, fileName } = pypiNameOf(purl);
      if (version !== undefined && fileName === undefined)
        return pypiProxy.observeVersion(norm, version);
    }
    return observe.observe(purl);
  };
  return {
    observe,
    resolve,
    npm: npm ? new NpmProxy(npm, observe, deps.ctx.storage) : undefined,
    go,
    pypi: pypiProxy,
    cargo: cargo ? new CargoProxy(cargo, observe, deps.ctx) : undefined,
    gem: gem ? new GemProxy(gem, observe, deps.ctx, config.private) : undefined,
    composer: composer ? new ComposerProxy(composer, observe, deps.ctx) : undefined,
    cran: cran ? new CranProxy(cran, observe, config.private) : undefined,
    maven: maven ? new MavenProxy(maven, observe) : undefined,
    hex: hex ? new HexProxy(hex, observe) : undefined,
    hackage: hackage ? new HackageProxy(hackage, observe) : undefined,
    puppet: puppet ? new PuppetProxy(puppet, observe) : undefined,
    wordpress: wordpress ? new WordpressProxy(wordpress, observe) : undefined,
    deb,
    cpan,
    config,
    names: new UpstreamNames({
      store: deps.ctx.storage.releases,
      upstreams,
      privatePatterns: config.private,
      hostedReason,
    }),
  };
}
