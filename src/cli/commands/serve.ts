/**
 * sigil serve: the registry on its embedded default (SQLite + files under
 * ./.sigil-data): accepts signed releases, countersigns them, logs every
 * signature and key event, and serves npm's keys endpoint and the log.
 */
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { npmKeyId } from '../../core/keys.js';
import { DEFAULT_MAX_UPLOAD_BYTES, openRegistry } from '../../registry/server.js';
import type { CommandContext } from '../context.js';
import { printWarning, type Io } from '../output.js';
import { parseListen } from './log.js';
import { loadServeProxyConfig } from './serve-proxy.js';

export interface ServeFlags {
  data: string;
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
}

export function registerServe(program: Command, ctx: CommandContext): void {
  program
    .command('serve')
    .description('run a Sigil registry with its transparency log (embedded default: SQLite + files)')
    .option('-d, --data <dir>', 'data folder (default: $SIGIL_DATA or ./.sigil-data)', process.env['SIGIL_DATA'] ?? './.sigil-data')
    .option('-l, --listen <host:port>', 'address to listen on (default 127.0.0.1:8080)')
    .option('-p, --port <n>', 'port on 127.0.0.1 (shorthand for --listen 127.0.0.1:N)')
    .option('--origin <origin>', 'log origin of a new data folder (default: <host>:<port>/log)')
    .option('--public-url <url>', 'URL clients use to reach this registry (default: the listen address)')
    .option('--max-upload-bytes <n>', `largest artifact accepted (default ${DEFAULT_MAX_UPLOAD_BYTES})`)
    .option('--require-signatures', 'refuse every upload without an author signature')
    .option('--rate-limit <n>', 'write requests per minute (and burst) per IP address and per account (default: 120 per IP, 60 per account)')
    .option('--upstream <ecosystem=url>', 'resolve names not hosted here from this upstream registry, logging each version on first fetch (npm=URL, golang=URL; repeatable; overrides the config file)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--config <file>', 'server config: upstreams, private names, limits, proxy policy (default: ./sigil.config.json, .yaml or .yml when present; docs/proxy.md)')
    .option('--json', 'print the start-up facts as one JSON line')
    .action(async (flags: ServeFlags) => ctx.setExitCode(await serve(ctx.io, flags)));
}

export async function serve(io: Io, flags: ServeFlags): Promise<number> {
  if (flags.listen && flags.port) throw new InputError('USAGE', "-l/--listen and -p/--port can't be used together");
  const { host, port } = parseListen(flags.listen ?? `127.0.0.1:${flags.port ?? '8080'}`);
  let maxUploadBytes: number | undefined;
  if (flags.maxUploadBytes !== undefined) {
    maxUploadBytes = Number(flags.maxUploadBytes);
    if (!Number.isSafeInteger(maxUploadBytes) || maxUploadBytes < 1) throw new InputError('USAGE', `--max-upload-bytes must be a positive integer, not "${flags.maxUploadBytes}"`);
  }
  let rateLimit: number | undefined;
  if (flags.rateLimit !== undefined) {
    rateLimit = Number(flags.rateLimit);
    if (!Number.isSafeInteger(rateLimit) || rateLimit < 1) throw new InputError('USAGE', `--rate-limit must be a positive integer, not "${flags.rateLimit}"`);
  }
  const passphrase = io.env['SIGIL_SERVER_PASSPHRASE'];
  const proxy = loadServeProxyConfig(flags.config, flags.upstream ?? []);
  const registry = await openRegistry({
    ...(proxy ? { proxy } : {}),
    dataDir: flags.data,
    host,
    port,
    ...(flags.origin ? { origin: flags.origin } : {}),
    ...(flags.publicUrl ? { publicUrl: flags.publicUrl } : {}),
    ...(maxUploadBytes ? { maxUploadBytes } : {}),
    requireAuthorSignature: Boolean(flags.requireSignatures),
    ...(rateLimit ? { authLimits: { perIp: { burst: rateLimit, perMinute: rateLimit }, perAccount: { burst: rateLimit, perMinute: rateLimit } } } : {}),
    ...(passphrase ? { passphrase } : {}),
  });
  let url: string;
  try {
    url = await registry.listen();
  } catch (e) {
    await registry.close();
    throw new InputError('LISTEN_FAILED', `cannot listen on ${host}:${port}: ${(e as Error).message}`, { hint: 'pick another port with -p/--port' });
  }
  const k = registry.registryKey.publicKey;
  if (flags.json) {
    io.out(`${JSON.stringify({ url, data: flags.data, registryKeyId: k.keyId, npmKeyId: npmKeyId(k.keyId), log: { url: `${url}/log`, origin: registry.log.origin, vkey: registry.log.verifierKey }, upstreams: Object.fromEntries(Object.entries(proxy?.upstreams ?? {}).map(([k, v]) => [k, v.url])), go: { goproxy: `${url}/go`, gosumdb: `${registry.go.sumdb.vkey} ${url}/go/sumdb/${registry.go.sumdb.name}` }, adminToken: registry.adminToken ?? null })}\n`);
  } else {
    io.out(
      [
        `sigil registry on ${url}  (data: ${flags.data}, SQLite)`,
        `  registry key   ecdsa-p256 ${npmKeyId(k.keyId)}   (npm keys endpoint: /-/npm/v1/keys)`,
        `  log            ${url}/log  vkey ${registry.log.verifierKey}`,
        ...Object.entries(proxy?.upstreams ?? {}).map(([eco, u]) => `  upstream       ${eco} ${u.url}   (names not hosted here are fetched, checked and logged on first use; docs/proxy.md)`),
        registry.adminToken ? `  admin token    ${registry.adminToken}   (shown once; \`sigil account token create\` for more)` : '',
        registry.recovered.completed.length + registry.recovered.dropped.length > 0
          ? `  recovered      ${registry.recovered.completed.length} interrupted publish(es) finished, ${registry.recovered.dropped.length} dropped`
          : '',
        'use it:',
        `  npm config set registry ${url}/ && npm config set //${url.replace(/^https?:\/\//, '')}/:_authToken <token>   (npm install, publish, audit signatures)`,
        `  sigil keygen --out ~/.sigil && sigil publish <artifact> --server ${url} --key ~/.sigil/<key>.key --token <token>`,
        `  sigil fetch <purl> --server ${url}          (download, verified)`,
        `  sigil verify package-lock.json --server ${url}`,
        `  go: GOPROXY=${url}/go  GOSUMDB="${registry.go.sumdb.vkey} ${url}/go/sumdb/${registry.go.sumdb.name}"`,
        '',
      ]
        .filter((l) => l !== '')
        .join('\n') + '\n',
    );
  }
  if (!registry.registryKeyEncrypted) printWarning(io, 'the registry key is stored unencrypted (mode 0600); set SIGIL_SERVER_PASSPHRASE before the first start to encrypt it');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await registry.close();
  return 0;
}
