/**
 * sigil serve: the registry on its embedded default (SQLite + files under
 * ./.sigil-data): accepts signed releases, countersigns them, logs every
 * signature and key event, and serves npm's keys endpoint and the log.
 */
import { DEFAULT_DEB_UPSTREAM } from '../../registry/upstream/deb-config.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { npmKeyId } from '../../core/keys.js';
import { DEFAULT_MAX_UPLOAD_BYTES, openRegistry, publicHostPath } from '../../registry/server.js';
import { clientConfig } from '../../registry/personalities/client-config.js';
import { checkHackageRootOptions } from '../../registry/personalities/hackage/keys.js';
import { intFlag, trustedProxiesFlag } from '../server-flags.js';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { printWarning, type Io } from '../output.js';
import { listenAddress } from './log.js';
import { addWitnessFlags, type WitnessFlags, witnessingFrom } from '../witness-flags.js';
import { loadServeProxyConfig, serveConfigFile } from './serve-proxy.js';
import { scaleOutChoice } from './serve-scale-out.js';

export interface ServeFlags extends WitnessFlags {
  data: string;
  trustProxy?: string;
  hackageRootKeys?: string;
  hackageRootThreshold?: string;
  listen?: string;
  port?: string;
  origin?: string;
  publicUrl?: string;
  maxUploadBytes?: string;
  requireSignatures?: boolean;
  rateLimit?: string;
  json?: boolean;
  upstream?: string[];
  config?: string;
  database?: string;
  objects?: string;
  migrate?: boolean;
}

export function registerServe(program: Command, ctx: CommandContext): void {
  addWitnessFlags(program.command('serve'))
    .summary('run a Sigil registry with its transparency log (embedded default: SQLite + files)')
    .description(
      examplesFirst(
        'run a Sigil registry with its transparency log (embedded default: SQLite + files)',
        [
          'sigil serve',
          'sigil serve -d /srv/sigil -l 0.0.0.0:8080 --public-url https://sigil.example',
          'sigil serve --database postgres://db/sigil --objects s3://sigil --migrate',
        ],
      ),
    )
    .option(
      '-d, --data <dir>',
      'data folder (default: $SIGIL_DATA or ./.sigil-data)',
      process.env['SIGIL_DATA'] ?? './.sigil-data',
    )
    .option('-l, --listen <host:port>', 'address to listen on (default 127.0.0.1:8080)')
    .option('-p, --port <n>', 'port on 127.0.0.1 (shorthand for --listen 127.0.0.1:N)')
    .option('--origin <origin>', 'log origin of a new data folder (default: <host>:<port>/log)')
    .option(
      '--public-url <url>',
      'URL clients use to reach this registry (default: the listen address)',
    )
    .option(
      '--max-upload-bytes <n>',
      `largest artifact accepted (default ${DEFAULT_MAX_UPLOAD_BYTES})`,
    )
    .option('--require-signatures', 'refuse every upload without an author signature')
    .option(
      '--rate-limit <n>',
      'write requests per minute (and burst) per IP address and per account (default: 120 per IP, 60 per account)',
    )
    .option(
      '--upstream <ecosystem=url>',
      'resolve names not hosted here from this upstream registry, logging each version on first fetch (npm=, golang=, pypi=, cargo=, gem=, composer=, cran=, maven=URL; repeatable; overrides the config file)',
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option(
      '--config <file>',
      'server config: upstreams, private names, limits, proxy policy (default: ./sigil.config.json, .yaml or .yml when present; docs/proxy.md)',
    )
    .option(
      '--trust-proxy <addresses>',
      'reverse proxies (comma-separated IPs or CIDR blocks) whose X-Forwarded-For names the client for rate limits and connection caps; no other sender is believed',
    )
    .option(
      '--hackage-root-keys <n>',
      'root keys the hackage-security root.json lists (default 1; keys/hackage-root*.key; docs/hackage.md)',
    )
    .option('--hackage-root-threshold <k>', 'how many of them must sign root.json (default 1)')
    .option(
      '--database <url>',
      'scale-out: PostgreSQL for the registry and its log, shared by every replica (postgres://user@host/db; password from PGPASSWORD or ~/.pgpass); needs --objects; docs/scale-out.md',
    )
    .option(
      '--objects <url>',
      'scale-out: S3-compatible store for artifacts, tiles and entry bundles (s3://bucket?endpoint=…; credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY); needs --database',
    )
    .option(
      '--migrate',
      'apply database migrations before serving (under a lock: safe on every replica)',
    )
    .option('--json', 'print the start-up facts as one JSON line')
    .action(async (flags: ServeFlags) => ctx.setExitCode(await serve(ctx.io, flags)));
}

export async function serve(io: Io, flags: ServeFlags): Promise<number> {
  const { host, port } = listenAddress(flags, 8080);
  const maxUploadBytes = intFlag('--max-upload-bytes', flags.maxUploadBytes, 1);
  const rateLimit = intFlag('--rate-limit', flags.rateLimit, 1);
  if (flags.publicUrl !== undefined && !/^https?:\/\/[^/]/.test(flags.publicUrl)) {
    throw new InputError(
      'USAGE',
      `--public-url must be an http:// or https:// URL, not "${flags.publicUrl}"`,
      { hint: 'e.g. --public-url https://registry.example.org' },
    );
  }
  const hackageRoot = {
    ...(flags.hackageRootKeys ? { rootKeys: Number(flags.hackageRootKeys) } : {}),
    ...(flags.hackageRootThreshold ? { rootThreshold: Number(flags.hackageRootThreshold) } : {}),
  };
  checkHackageRootOptions(hackageRoot);
  const trustedProxies = trustedProxiesFlag(flags.trustProxy)?.entries;
  checkDataFolder(flags.data);
  // Bind first: a start that cannot listen must create nothing (no keys, no admin account, no log named after a port it never served).
  await probeListen(host, port);
  const passphrase = io.env['SIGIL_SERVER_PASSPHRASE'];
  const proxy = loadServeProxyConfig(flags.config, flags.upstream ?? []);
  const scaleOut = await scaleOutChoice(flags, proxy?.scaleOut, serveConfigFile(flags.config));
  const witnessing = witnessingFrom(flags);
  const isNew = !existsSync(flags.data) || readdirSync(flags.data).length === 0;
  const registry = await openRegistry({
    ...(proxy ? { proxy } : {}),
    dataDir: flags.data,
    host,
    port,
    ...(flags.origin ? { origin: flags.origin } : {}),
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    ...(maxUploadBytes ? { maxUploadBytes } : {}),
    requireAuthorSignature: Boolean(flags.requireSignatures),
    ...(rateLimit
      ? {
          authLimits: {
            perIp: { burst: rateLimit, perMinute: rateLimit },
            perAccount: { burst: rateLimit, perMinute: rateLimit },
          },
        }
      : {}),
    ...(passphrase ? { passphrase } : {}),
    ...(witnessing ? { witnessing } : {}),
    hackageRoot,
    ...(trustedProxies ? { trustedProxies } : {}),
    ...(scaleOut ? { scaleOut } : {}),
  });
  let url: string;
  try {
    url = await registry.listen();
  } catch (e) {
    await registry.close();
    throw new InputError(
      'LISTEN_FAILED',
      `cannot listen on ${host}:${port}: ${(e as Error).message}`,
      { hint: 'pick another port with -p/--port' },
    );
  }
  const k = registry.registryKey.publicKey;
  if (flags.json) {
    io.out(
      `${JSON.stringify({ url, data: flags.data, registryKeyId: k.keyId, npmKeyId: npmKeyId(k.keyId), log: { url: `${url}/log`, origin: registry.log.origin, vkey: registry.log.verifierKey }, upstreams: Object.fromEntries(Object.entries(proxy?.upstreams ?? {}).map(([k, v]) => [k, v.url])), go: { goproxy: `${url}/go`, gosumdb: `${registry.go.sumdb.vkey} ${url}/go/sumdb/${registry.go.sumdb.name}` }, apt: { uri: `${url}/debian`, suite: registry.apt.options.suite, signedBy: `${url}/debian/sigil-archive-keyring.asc`, openpgpFingerprint: registry.openpgpKey.fingerprint }, cpan: { mirror: `${url}/cpan`, key: `${url}/cpan/sigil-cpan-key.asc`, openpgpFingerprint: registry.openpgpKey.fingerprint }, hex: { repoUrl: `${url}/hex`, repoName: registry.hex.options.repository, publicKey: registry.hexKey.publicPem }, hackage: { url: `${url}/hackage/`, rootKeys: registry.hackageKeys.roots.map((r) => r.keyId), keyThreshold: registry.hackageKeys.threshold }, clients: clientConfig(url), wordpress: { updateCheck: `${url}/wordpress/plugins/update-check/1.1/`, trustedKey: registry.wordpress.publicKey }, cran: { repos: `${url}/cran` }, maven: { url: `${url}/maven2` }, puppet: { moduleRepository: `${url}/puppet` }, adminToken: registry.adminToken ?? null })}\n`,
    );
  } else {
    io.out(
      [
        `sigil registry on ${url}  (data: ${flags.data}, SQLite)`,
        `  registry key   ecdsa-p256 ${npmKeyId(k.keyId)}   (npm keys endpoint: /-/npm/v1/keys)`,
        `  log            ${url}/log  vkey ${registry.log.verifierKey}`,
        `  web            ${url}/ui/   (packages, key ledgers, the log; verify a file in your browser)`,
        ...Object.entries(proxy?.upstreams ?? {}).map(
          ([eco, u]) =>
            `  upstream       ${eco} ${u.url}   (names not hosted here are fetched, checked and logged on first use; docs/proxy.md)`,
        ),
        registry.adminToken
          ? `  admin token    ${registry.adminToken}   (shown once; \`sigil account token create\` for more)`
          : `  admin token    not shown (made when ${flags.data} was created); a new one: sigil account token create admin --action publish,keys,admin -d ${flags.data}`,
        registry.recovered.completed.length + registry.recovered.dropped.length > 0
          ? `  recovered      ${registry.recovered.completed.length} interrupted publish(es) finished, ${registry.recovered.dropped.length} dropped`
          : '',
        'use it:',
        `  npm config set registry ${url}/ && npm config set //${url.replace(/^https?:\/\//, '')}/:_authToken <token>   (npm install, publish, audit signatures)`,
        `  sigil keygen --out ~/.sigil && sigil publish <artifact> --server ${url} --key ~/.sigil/<key>.key --token <token>`,
        `  sigil fetch <purl> --server ${url}          (download, verified)`,
        `  sigil verify package-lock.json --server ${url}`,
        `  go: GOPROXY=${url}/go  GOSUMDB="${registry.go.sumdb.vkey} ${url}/go/sumdb/${registry.go.sumdb.name}"`,
        ...Object.entries(clientConfig(url)).map(([client, line]) => `  ${client}: ${line}`),
        `  apt: curl -s ${url}/debian/sigil-archive-keyring.asc > /etc/apt/keyrings/sigil.asc   (OpenPGP ${registry.openpgpKey.fingerprint})`,
        `       deb [signed-by=/etc/apt/keyrings/sigil.asc] ${url}/debian ${registry.apt.options.suite} main${proxy?.upstreams.deb ? `\n       deb [signed-by=/etc/apt/keyrings/sigil.asc] ${url}/debian ${proxy.upstreams.deb.deb?.suite ?? DEFAULT_DEB_UPSTREAM.suite} ${(proxy.upstreams.deb.deb?.components ?? DEFAULT_DEB_UPSTREAM.components).join(' ')}   (the upstream ${proxy.upstreams.deb.url}, checked and re-signed)` : ''}`,
        `  cpanm: cpanm --verify --mirror ${url}/cpan --mirror-only <Module>   (cpanm checks sha256 only: check CHECKSUMS with gpgv and ${url}/cpan/sigil-cpan-key.asc, OpenPGP ${registry.openpgpKey.fingerprint}; docs/cpan.md)`,
        `  rebar3: {hex, [{repos, replace, [#{name => <<"${registry.hex.options.repository}">>, repo_url => <<"${url}/hex">>, repo_public_key => <<"PEM of ${url}/hex/public_key">>, repo_verify => true}]}]}.   (rebar.config; docs/hex.md)`,
        `  cabal: repository sigil / url: ${url}/hackage/ / secure: True / root-keys: ${registry.hackageKeys.roots.map((r) => r.keyId).join(',')} / key-threshold: ${registry.hackageKeys.threshold}   (~/.cabal/config; docs/hackage.md)`,
        `  R: install.packages("<pkg>", repos = "${url}/cran")   then sigil verify renv.lock --server ${url}   (R never checks MD5sum: docs/cran.md)`,
        `  maven: <repository><id>sigil</id><url>${url}/maven2</url><releases><checksumPolicy>fail</checksumPolicy></releases></repository>   (.asc by OpenPGP ${registry.openpgpKey.fingerprint})`,
        `  puppet: puppet module install <author>-<name> --module_repository ${url}/puppet`,
        `  wordpress: update API ${url}/wordpress/plugins/update-check/1.1/   add_filter('wp_trusted_keys', fn ($k) => [...$k, '${registry.wordpress.publicKey}'])   (docs/wordpress.md)`,
        '',
      ]
        .filter((l) => l !== '')
        .join('\n') + '\n',
    );
  }
  if (!isNew)
    for (const w of addressChanges(registry.log.origin, registry.go.sumdb.name, url, flags))
      printWarning(io, w);
  if (!registry.registryKeyEncrypted)
    printWarning(
      io,
      'the registry key is stored unencrypted (mode 0600); set SIGIL_SERVER_PASSPHRASE before the first start to encrypt it',
    );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await registry.close();
  return 0;
}

/** checkDataFolder refuses a --data that is a file (or under one) before anything is created. */
function checkDataFolder(dir: string): void {
  let st;
  try {
    st = statSync(dir, { throwIfNoEntry: false });
  } catch (e) {
    throw new InputError(
      'USAGE',
      `-d/--data ${dir} cannot be a data folder: ${(e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'a part of the path is a file' : (e as Error).message}`,
      { file: dir },
    );
  }
  if (st !== undefined && !st.isDirectory()) {
    throw new InputError('USAGE', `-d/--data ${dir} is a file; the registry needs a data folder`, {
      file: dir,
      hint: 'give a folder (it is created on the first start), e.g. -d ./.sigil-data',
    });
  }
}

/** probeListen binds host:port and lets go again: "port in use" is found before the data folder is touched. */
async function probeListen(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'EADDRINUSE'
          ? 'the port is in use'
          : e.code === 'EACCES'
            ? 'permission denied (ports below 1024 need privileges)'
            : e.code === 'EADDRNOTAVAIL'
              ? 'no such address on this machine'
              : e.message;
      reject(
        new InputError(
          'LISTEN_FAILED',
          `cannot listen on ${host}:${port}: ${why}; nothing was created`,
          { hint: 'pick another port with -p/--port, or stop what holds it' },
        ),
      );
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/**
 * addressChanges: the log origin and the GOSUMDB name are fixed when the data
 * folder is created (clients pin them); when this start is reached at another
 * address, say so rather than keep the old names silently.
 */
function addressChanges(
  origin: string,
  sumdbName: string,
  url: string,
  flags: ServeFlags,
): string[] {
  const now = publicHostPath(url);
  const out: string[] = [];
  const wantOrigin = flags.origin ?? `${now}/log`;
  if (origin !== wantOrigin) {
    out.push(
      `the log keeps its origin "${origin}" (named when ${flags.data} was created; clients pin it), although this registry is now at ${url}${flags.origin ? ` and --origin says "${flags.origin}"` : ''}`,
    );
  }
  if (sumdbName !== `${now}/go`)
    out.push(
      `GOSUMDB keeps its name "${sumdbName}" (fixed at creation), although this registry is now at ${url}`,
    );
  return out;
}
