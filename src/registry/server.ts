/**
 * openRegistry: the whole `sigil serve` — registry API, key ledger, accounts,
 * and the transparency log under /log (C2SP tiles + Rekor v2 write API) — on
 * the embedded default: SQLite and files under one data directory.
 *
 *   <data>/registry.sqlite   releases, key events, accounts, tokens, artifacts ≤ 128 KiB
 *   <data>/blobs/sha256/…    larger artifacts, content-addressed
 *   <data>/keys/registry.key registry signing key (ECDSA P-256)
 *   <data>/log/              the log: its key, tiles, entry bundles, checkpoint
 *   <data>/gosumdb/          the Go checksum database: a second log (go.sum records)
 */
import { join } from 'node:path';
import { purlWithoutVersion } from '../core/purl.js';
import Fastify, { type FastifyInstance } from 'fastify';
import { logRoutes } from './log-routes.js';
import { LogAdmission } from './log-admission.js';
import type { LookupLimits } from './batch-lookup.js';
import {
  capConnections,
  TrustedProxies,
  fastifyHttpOptions,
  type HttpLimits,
  resolveHttpLimits,
} from './http-limits.js';
import { entryRoutes } from './entry-routes.js';
import { WitnessedLog, type WitnessingOptions } from '../witness/witnessed-log.js';
import { rekorRoutes } from './personalities/rekor/routes.js';
import { npmRoutes } from './personalities/npm/index.js';
import { registryRoutes } from './routes.js';
import { LedgerAuthority } from './ledger-authority.js';
import { backfillReleaseKeys, storedSpelling } from './release-keys.js';
import {
  recoverPending,
  RECOVERY_INTERVAL_MS,
  RECOVERY_LEASE_MS,
  type RegistryContext,
} from './publish.js';
import { loadOrCreateRegistryKey } from './registry-key.js';
import { AuthService } from './auth/service.js';
import { createAuthGuard, type AuthLimits } from './auth/http.js';
import { KeyEventStore } from '../store/registry/key-events.js';
import { tablesJournal } from './key-event-journal.js';
import { ReleaseStore } from '../store/registry/releases.js';
import {
  embeddedRegistryStorage,
  type RegistryStorage,
} from '../store/registry/registry-storage.js';
import { openFileLog } from '../store/file-log.js';
import type { TransparencyLog } from '../log/service.js';
import { openRegistryScaleOut, type ScaleOutOptions } from './scale-out.js';
import { loadLogKey } from '../store/log-key.js';
import type { PrivateKey } from '../core/keys.js';
import { openProxy, type Proxy } from './observed/proxy.js';
import { DebMirror } from './observed/deb-proxy.js';
import { CpanProxy } from './observed/cpan-proxy.js';
import { observedRoutes } from './observed/routes.js';
import { ContentStore } from '../store/scale/objects.js';
import type { ProxyConfig } from './upstream/config.js';
import {
  defaultSumdbName,
  goRoutes,
  type GoPersonality,
  openGoPersonality,
} from './personalities/go/index.js';
import {
  loadOrCreateWordpressKey,
  WordpressPlugins,
  wordpressRoutes,
} from './personalities/wordpress/index.js';
import { CranRepository, cranRoutes } from './personalities/cran/index.js';
import { MavenRepository, mavenRoutes } from './personalities/maven/index.js';
import { PuppetForge, puppetRoutes } from './personalities/puppet/index.js';
import {
  AptRepository,
  aptRoutes,
  DEFAULT_APT_OPTIONS,
  loadOrCreateOpenPgpKey,
  type AptOptions,
  type RegistryOpenPgpKey,
} from './personalities/apt/index.js';
import { CpanRepository, cpanRoutes } from './personalities/cpan/index.js';
import {
  DEFAULT_HACKAGE_OPTIONS,
  HackageRepository,
  hackageRoutes,
  loadOrCreateHackageKeys,
  rootFileAt,
  type HackageKeySet,
  type HackageRootOptions,
  type HackageOptions,
} from './personalities/hackage/index.js';
import {
  HexRepository,
  hexRoutes,
  loadOrCreateHexKey,
  type HexOptions,
  type RegistryHexKey,
} from './personalities/hex/index.js';
import { PYPI_PREFIX, pypiRoutes } from './personalities/pypi/index.js';
import { CARGO_PREFIX, cargoRoutes } from './personalities/cargo/index.js';
import { COMPOSER_PREFIX, composerRoutes } from './personalities/composer/index.js';
import { GEM_PREFIX, gemRoutes } from './personalities/gem/index.js';
import { mountWebUi } from '../web/routes.js';

export interface RegistryOptions {
  readonly dataDir: string;
  /** Log origin for a new data directory (default: "<host>:<port>/log"). */
  readonly origin?: string;
  /** Public base URL (default http://<host>:<port>, known after listen). */
  readonly publicUrl?: string;
  readonly host: string;
  readonly port: number;
  readonly maxUploadBytes?: number;
  readonly requireAuthorSignature?: boolean;
  /** Passphrase of the registry key (SIGIL_SERVER_PASSPHRASE). */
  readonly passphrase?: string;
  /** Turn off accounts and tokens (tests and private single-user use). */
  readonly openWrites?: boolean;
  /** Log batching (defaults: the sequencer's batch size, REGISTRY_BATCH_INTERVAL_MS). */
  readonly batchSize?: number;
  readonly batchIntervalMs?: number;
  /** Key name of a new Go checksum database (default: "<host>:<port>/go", from the public URL when given). */
  readonly goSumdbName?: string;
  /** Rate limits on write endpoints (default DEFAULT_LIMITS of auth/http.ts). */
  readonly authLimits?: AuthLimits;
  /** Upstreams, private names, limits and policy of the verifying proxy (upstream/config.ts). */
  readonly proxy?: ProxyConfig;
  /** apt repository settings (suite, Valid-Until window, clock). */
  readonly apt?: Partial<AptOptions>;
  /** Hex repository settings (the repository name rebar3/mix configure, default "sigil"). */
  readonly hex?: Partial<HexOptions>;
  /** hackage-security lifetimes and clock. */
  readonly hackage?: Partial<HackageOptions>;
  /** Root keys and threshold of the hackage-security repository (default 1 of 1). */
  readonly hackageRoot?: HackageRootOptions;
  /** Timeouts and connection caps (default DEFAULT_HTTP_LIMITS of http-limits.ts). */
  readonly httpLimits?: Partial<HttpLimits>;
  /** Reverse proxies (IPs or CIDR blocks) whose X-Forwarded-For names the client for rate limits; no others are believed. */
  readonly trustedProxies?: readonly string[];
  /** Batch lookup limits (default DEFAULT_LOOKUP_LIMITS of batch-lookup.ts). */
  readonly lookupLimits?: Partial<LookupLimits>;
  /** Witnesses to cosign the log's checkpoints (served at /log with their cosignatures). */
  readonly witnessing?: WitnessingOptions;
  /** Scale-out: PostgreSQL + S3 shared by every replica instead of the data folder's SQLite + files (scale-out.ts). */
  readonly scaleOut?: ScaleOutOptions;
  /**
   * Where the registry keeps its state (default: the embedded SQLite store of dataDir). Shared
   * storage (PostgreSQL + S3: scaleRegistryStorage) is closed with the registry.
   */
  readonly storage?: RegistryStorage;
}

export interface Registry {
  readonly app: FastifyInstance;
  /** The registry's log: the data folder's file log, or (scale-out) the log the replicas share. */
  readonly log: TransparencyLog & { readonly size: number };
  readonly store: ReleaseStore;
  /** The same data as `store` through the asynchronous contracts (issue 19). */
  readonly storage: RegistryStorage;
  readonly auth: AuthService;
  readonly ledger: LedgerAuthority;
  readonly registryKey: PrivateKey;
  readonly registryKeyCreated: boolean;
  readonly registryKeyEncrypted: boolean;
  /** The Go personality: module proxy at /go, checksum database at /go/sumdb/<name>. */
  readonly go: GoPersonality;
  /** The registry's OpenPGP key (apt's signed-by, CPAN CHECKSUMS): public half at /debian/sigil-archive-keyring.asc. */
  readonly openpgpKey: RegistryOpenPgpKey;
  readonly apt: AptRepository;
  /** The CPAN mirror under /cpan (CHECKSUMS signed with openpgpKey). */
  readonly cpan: CpanRepository;
  /** The Hex repository under /hex and the RSA key that signs it. */
  readonly hex: HexRepository;
  readonly hexKey: RegistryHexKey;
  /** The hackage-security repository under /hackage and its Ed25519 keys. */
  readonly hackage: HackageRepository;
  readonly hackageKeys: HackageKeySet;
  /** WordPress plugin update API; its Ed25519 key is what users add with wp_trusted_keys. */
  readonly wordpress: WordpressPlugins;
  /** CRAN-like repository (install.packages(repos = <url>/cran)). */
  readonly cran: CranRepository;
  /** Maven 2 repository (read side; .asc by the registry OpenPGP key). */
  readonly maven: MavenRepository;
  /** Puppet Forge v3 API (puppet module install --module_repository <url>/puppet). */
  readonly puppet: PuppetForge;
  /** The admin's publish token, only on the very first start (shown once). */
  readonly adminToken: string | undefined;
  readonly recovered: { completed: string[]; dropped: string[] };
  /** The verifying pull-through proxy, when upstreams are configured. */
  readonly proxy: Proxy | undefined;
  /** Start listening; returns the base URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * REGISTRY_BATCH_INTERVAL_MS: a publish waits for its log entries to be durable, so the
 * registry's logs integrate as soon as the writer is free (group commit: whatever arrived
 * while the previous batch was being written forms the next one) instead of waiting a
 * fixed interval. Measured: 284 publishes/s, p99 89 ms at 0 ms vs ~100/s, p99 540 ms at 100 ms.
 */
export const REGISTRY_BATCH_INTERVAL_MS = 0;

export const DEFAULT_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

/** publicHostPath is "host[:port][/path]" of a public URL, the stem of the names derived from it. */
export function publicHostPath(publicUrl: string): string {
  const u = new URL(publicUrl);
  return `${u.host}${u.pathname.replace(/\/+$/, '')}`;
}

export async function openRegistry(options: RegistryOptions): Promise<Registry> {
  const logDir = join(options.dataDir, 'log');
  const urlHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  // A new log is named after the address clients use: --public-url when given, else the listen address.
  const origin =
    options.origin ??
    (loadLogKey(logDir)
      ? undefined
      : `${options.publicUrl ? publicHostPath(options.publicUrl) : `${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${options.port}`}/log`);
  const sequencing = {
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    batchIntervalMs: options.batchIntervalMs ?? REGISTRY_BATCH_INTERVAL_MS,
  };
  const scale = options.scaleOut
    ? await openRegistryScaleOut(options.scaleOut, options.dataDir, origin, sequencing)
    : undefined;
  const fileLog = scale
    ? undefined
    : await openFileLog(logDir, { ...(origin !== undefined ? { origin } : {}), ...sequencing });
  const log: TransparencyLog & { readonly size: number } = scale?.log ?? fileLog!;
  // Replicas keep nothing but keys in --data: no registry.sqlite is opened, and anything that
  // still reached for the SQLite store would fail loudly instead of reading a private copy.
  const store = scale ? noSqliteStore(scale.location) : new ReleaseStore(options.dataDir);
  const storage =
    scale?.storage ?? options.storage ?? embeddedRegistryStorage(store, options.dataDir);
  const registry = loadOrCreateRegistryKey(options.dataDir, options.passphrase);
  const auth = new AuthService(storage.auth, storage.grants);
  let adminToken: string | undefined;
  // The insert is the claim: of replicas started together on an empty database, exactly one
  // creates the admin account and prints its token; the others find it made and start.
  if ((await auth.listAccounts()).length === 0 && (await createFirstAdmin(auth))) {
    adminToken = (
      await auth.createToken('admin', {
        actions: ['publish', 'keys', 'admin'],
        label: 'first start',
      })
    ).token;
  }
  const openpgpKey = await loadOrCreateOpenPgpKey(
    options.dataDir,
    options.passphrase,
    `Sigil registry (${log.origin})`,
  );
  const apt = new AptRepository(storage, openpgpKey.privateKey, {
    ...DEFAULT_APT_OPTIONS,
    now: () => new Date(),
    origin: 'Sigil',
    ...options.apt,
  });
  const cpan = new CpanRepository(storage, openpgpKey.privateKey, { now: () => new Date() });
  const hexKey = await loadOrCreateHexKey(options.dataDir, options.passphrase);
  const hex = new HexRepository(storage, hexKey.privateKey, {
    repository: 'sigil',
    ...options.hex,
  });
  const hackageKeys = await loadOrCreateHackageKeys(
    options.dataDir,
    options.passphrase,
    options.hackageRoot,
  );
  const hackage = new HackageRepository(storage, hackageKeys, {
    ...DEFAULT_HACKAGE_OPTIONS,
    now: () => new Date(),
    rootFile: rootFileAt(join(options.dataDir, 'hackage-root.json')),
    ...options.hackage,
  });
  await hackage.root(new Date()); // a root rotation that cannot be signed stops the start, with its hint
  const ledger = await LedgerAuthority.open(
    log,
    // Replicas: key events in the shared tables, judged one replica at a time (the turn).
    storage.keyEventTurn
      ? tablesJournal(storage.releases, storage.keyEventTurn)
      : new KeyEventStore(store.db),
    [registry.key.publicKey],
    (packageKey) => storedSpelling(storage.releases, packageKey),
  );
  await backfillReleaseKeys(storage.releases); // rows stored before release keys existed
  // With witnesses, every checkpoint the registry hands out (log routes, records, publish answers) is cosigned.
  const served = options.witnessing ? new WitnessedLog(log, options.witnessing) : log;

  const base = { url: options.publicUrl?.replace(/\/+$/, '') ?? '' };
  const wordpress = new WordpressPlugins(
    storage,
    loadOrCreateWordpressKey(options.dataDir, options.passphrase),
    () => base.url,
  );
  const goKeyName =
    options.goSumdbName ??
    defaultSumdbName(
      base.url || `http://${urlHost === '0.0.0.0' ? '127.0.0.1' : urlHost}:${options.port}`,
    );
  const go = await openGoPersonality(options.dataDir, storage, {
    keyName: goKeyName,
    // Replicas: one checksum database for all of them, a second log in the shared tables.
    ...(scale
      ? {
          // Loaded only here, like scale-out.ts: pg stays out of the embedded start-up.
          sharedLog: await (
            await import('./personalities/go/shared-sumdb.js')
          ).openSharedSumdbLog(join(options.dataDir, 'gosumdb'), {
            keyName: goKeyName,
            pool: scale.engines.pool,
            content: new ContentStore(scale.engines.objects),
            databaseUrl: scale.engines.databaseUrl,
          }),
        }
      : {}),
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    batchIntervalMs: options.batchIntervalMs ?? REGISTRY_BATCH_INTERVAL_MS,
  });
  const maxUploadBytes = options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES;
  let upstreamNames: Proxy['names'] | undefined; // set once the proxy is open, below
  const ctx: RegistryContext = {
    get upstreamNames() {
      return upstreamNames;
    },
    store,
    storage,
    log: served,
    registryKey: registry.key,
    get baseUrl() {
      return base.url;
    },
    authority: ledger,
    requireAuthorSignature: options.requireAuthorSignature ?? false,
    now: () => new Date(),
    onPublished: (row) => go.onPublished(row),
  };
  // Replicas: another replica's reservation may be in flight; only what outlived the lease is recovered.
  const lease = storage.shared ? { olderThanMs: RECOVERY_LEASE_MS } : {};
  const recovered = await recoverPending(ctx, lease);
  const recovering = storage.shared
    ? setInterval(
        () => void recoverPending(ctx, lease).catch(() => undefined), // tried again next time
        RECOVERY_INTERVAL_MS,
      ).unref()
    : undefined;
  const proxy = options.proxy ? openProxy(options.proxy, { ctx }) : undefined;
  upstreamNames = proxy?.names;
  const resolve = proxy ? (purl: string) => proxy.observe.observe(purl) : undefined;

  const guard = options.openWrites
    ? undefined
    : {
        guard: createAuthGuard({
          auth,
          ...(options.authLimits ? { limits: options.authLimits } : {}),
        }),
        service: auth,
      }; // one guard: one set of rate limits (OTP attempts) for every personality
  // Uploads are JSON with the artifact in base64: 4/3 of the artifact plus the bundle.
  const httpLimits = resolveHttpLimits(options.httpLimits);
  const trustedProxies =
    options.trustedProxies && options.trustedProxies.length > 0
      ? new TrustedProxies(options.trustedProxies)
      : undefined;
  const app = Fastify({
    logger: false,
    ...(trustedProxies
      ? { trustProxy: (address: string) => trustedProxies.includes(address) }
      : {}),
    bodyLimit: Math.ceil(maxUploadBytes * 1.4) + 1024 * 1024,
    ...fastifyHttpOptions(httpLimits),
  });
  capConnections(app.server, httpLimits, trustedProxies); // slow-body clients time out and cannot hold every descriptor (http-limits.ts)
  // The registry's log accepts only what the registry appends (publishes, key events): its
  // HTTP write endpoints are refused, reads stay (issue 11 item 7, log-admission.ts).
  const ownLogOnly = LogAdmission.refuseAll(
    "this registry's log accepts only entries the registry appends itself (publishes, key events); publish with POST /api/v1/publish, or run a standalone log with `sigil log serve`",
  );
  await app.register(logRoutes, { log: served, prefix: '/log', admission: ownLogOnly });
  await app.register(rekorRoutes, { log: served, prefix: '/log', admission: ownLogOnly });
  await app.register(entryRoutes, { releases: storage.releases });
  await app.register(goRoutes, {
    modules: go.modules,
    sumdb: go.sumdb,
    prefix: '/go',
    ...(proxy?.go ? { upstream: { go: proxy.go, observe: proxy.observe } } : {}),
  });
  await app.register(observedRoutes, {
    ctx,
    ...(resolve ? { resolve } : {}),
  });
  await app.register(registryRoutes, {
    ctx,
    openpgp: { fingerprint: openpgpKey.fingerprint, armored: openpgpKey.publicArmored },
    maxUploadBytes: Math.ceil(maxUploadBytes * 1.4) + 64 * 1024,
    maxArtifactBytes: maxUploadBytes,
    ledger,
    ledgerFacts: async (row) => {
      const k = await ledger.keysFor(purlWithoutVersion(row.purl)); // the purl's name (PEP 503 etc.), not the artifact's own spelling
      return { namespace: k.namespace, resetInHistory: k.resetInHistory };
    },
    ...(guard ? { auth: guard } : {}),
    ...(options.lookupLimits ? { lookupLimits: options.lookupLimits } : {}),
    ...(proxy
      ? { resolve: proxy.resolve, observes: Object.keys(options.proxy?.upstreams ?? {}) }
      : {}),
  });
  await app.register(aptRoutes, {
    repo: apt,
    ...(proxy?.deb
      ? {
          mirror: new DebMirror(proxy.deb, proxy.observe, storage.releases, openpgpKey.privateKey, {
            origin: 'Sigil',
            validitySeconds: apt.options.validitySeconds,
            now: apt.options.now,
            privatePatterns: proxy.config.private,
          }),
        }
      : {}),
    blobs: storage.blobs,
    publicKeyArmored: openpgpKey.publicArmored,
    prefix: '/debian',
  });
  await app.register(wordpressRoutes, {
    plugins: wordpress,
    blobs: storage.blobs,
    prefix: '/wordpress',
    ...(proxy?.wordpress ? { proxy: proxy.wordpress } : {}),
  });
  const cran = new CranRepository(storage);
  await app.register(cranRoutes, {
    repo: cran,
    blobs: storage.blobs,
    ...(proxy?.cran ? { proxy: proxy.cran } : {}),
    prefix: '/cran',
  });
  const maven = new MavenRepository(storage, openpgpKey.privateKey);
  await app.register(mavenRoutes, {
    repo: maven,
    ctx,
    maxArtifactBytes: maxUploadBytes,
    ...(guard ? { auth: guard } : {}),
    ...(proxy?.maven ? { proxy: proxy.maven } : {}),
    prefix: '/maven2',
  });
  const puppet = new PuppetForge(storage, ''); // puppet appends file_uri to --module_repository: URIs are relative to it;
  await app.register(puppetRoutes, {
    forge: puppet,
    blobs: storage.blobs,
    prefix: '/puppet',
    ...(proxy?.puppet ? { proxy: proxy.puppet } : {}),
  });
  await app.register(cpanRoutes, {
    repo: cpan,
    ...(proxy?.cpan
      ? {
          proxy: new CpanProxy(
            proxy.cpan,
            proxy.observe,
            openpgpKey.privateKey,
            proxy.config.private,
          ),
        }
      : {}),
    blobs: storage.blobs,
    publicKeyArmored: openpgpKey.publicArmored,
    baseUrl: () => base.url,
    prefix: '/cpan',
  });
  await app.register(hexRoutes, {
    repo: hex,
    blobs: storage.blobs,
    publicPem: hexKey.publicPem,
    prefix: '/hex',
    ...(proxy?.hex ? { proxy: proxy.hex } : {}),
  });
  hackage.upstream = proxy?.hackage; // the upstream's verified entries, listed in Sigil's index
  await app.register(hackageRoutes, {
    repo: hackage,
    blobs: storage.blobs,
    prefix: '/hackage',
    ...(proxy?.hackage ? { proxy: proxy.hackage } : {}),
  });
  await app.register(pypiRoutes, {
    ctx,
    maxUploadBytes,
    ...(guard ? { auth: guard } : {}),
    ...(proxy?.pypi ? { proxy: proxy.pypi } : {}),
    prefix: PYPI_PREFIX,
  });
  await app.register(cargoRoutes, {
    ctx,
    maxUploadBytes,
    ...(guard ? { auth: guard } : {}),
    ...(proxy?.cargo ? { proxy: proxy.cargo } : {}),
    prefix: CARGO_PREFIX,
  });
  await app.register(composerRoutes, {
    ctx,
    ...(proxy?.composer ? { proxy: proxy.composer } : {}),
    prefix: COMPOSER_PREFIX,
  });
  await app.register(gemRoutes, {
    ctx,
    maxUploadBytes,
    ...(guard ? { auth: guard } : {}),
    ...(proxy?.gem ? { proxy: proxy.gem } : {}),
    prefix: GEM_PREFIX,
  });
  await mountWebUi(app, {
    storage,
    log: served,
    ...(fileLog ? { logPublicDir: fileLog.publicDir } : {}),
    ledger,
    auth,
    baseUrl: () => base.url,
  }); // people's pages under /ui; `/` only for browsers (src/web/negotiation.ts)
  await app.register(npmRoutes, {
    ctx,
    maxTarballBytes: maxUploadBytes,
    ...(guard ? { auth: guard } : {}),
    ...(proxy?.npm ? { proxy: { npm: proxy.npm, observe: proxy.observe } } : {}),
  }); // npm registry at the root (wildcard; static routes above win)

  return {
    app,
    log,
    store,
    auth,
    storage,
    ledger,
    registryKey: registry.key,
    registryKeyCreated: registry.created,
    registryKeyEncrypted: registry.encrypted,
    go,
    openpgpKey,
    apt,
    cpan,
    hex,
    hexKey,
    hackage,
    hackageKeys,
    wordpress,
    cran,
    maven,
    puppet,
    adminToken,
    recovered,
    proxy,
    async listen() {
      const address = await app.listen({ host: options.host, port: options.port });
      if (!base.url) base.url = address.replace('0.0.0.0', '127.0.0.1');
      return base.url;
    },
    async close() {
      clearInterval(recovering);
      await app.close();
      await log.close();
      await go.close();
      await storage.close();
      if (!scale) store.close();
      await scale?.engines.close();
    },
  };
}

/** noSqliteStore stands in for the SQLite ReleaseStore on PostgreSQL + S3: every use is a bug, and says so. */
function noSqliteStore(location: string): ReleaseStore {
  return new Proxy({} as ReleaseStore, {
    get(_target, property) {
      throw new Error(
        `internal: the SQLite release store (${String(property)}) was used by a registry on ${location}; every read must go through RegistryStorage`,
      );
    },
  });
}

/** createFirstAdmin creates the `admin` account; false when another replica created it first. */
async function createFirstAdmin(auth: AuthService): Promise<boolean> {
  try {
    await auth.createAccount('admin', { admin: true });
    return true;
  } catch (e) {
    if ((e as { code?: unknown }).code === 'ACCOUNT_EXISTS') return false;
    throw e;
  }
}
