/**
 * HttpLimits: how long a client may take and how many connections it may
 * hold (issue 11 item 9).
 *
 * Attack: slow request bodies. Node's and fastify's defaults let a request
 * body trickle in forever (fastify `requestTimeout` and `connectionTimeout`
 * are 0); 300 connections sending a byte now and then were held for 75 s and,
 * under a low file-descriptor limit, every other client failed.
 *
 * What stops it:
 * - headers must arrive within `headersTimeoutMs`, the whole request within
 *   `requestTimeoutMs` (Node answers 408 and closes), a socket idle for
 *   `idleTimeoutMs` is closed, an idle keep-alive socket after
 *   `keepAliveTimeoutMs`; Node checks these every `checkIntervalMs`;
 * - at most `maxConnections` sockets in all (the server stops accepting
 *   beyond it) and `maxConnectionsPerClient` per remote address (more are
 *   closed at once), so one address cannot take the descriptors every other
 *   client needs.
 */
import { BlockList, isIP, type Server } from 'node:net';
import { InputError } from '../core/errors.js';
import type { FastifyServerOptions } from 'fastify';

export interface HttpLimits {
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly checkIntervalMs: number;
  readonly maxConnections: number;
  readonly maxConnectionsPerClient: number;
}

/**
 * DEFAULT_HTTP_LIMITS: a 64 MiB upload at 1 MiB/s fits the request timeout;
 * a client behind one NAT address can still open many connections. Keep-alive
 * stays at fastify's 72 s: a shorter one made clients reuse a socket the server
 * was closing (ECONNRESET on the next POST); idle keep-alive sockets are
 * bounded by the per-client cap, and the headers timeout does not apply to them.
 */
export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 120_000,
  idleTimeoutMs: 120_000,
  keepAliveTimeoutMs: 72_000,
  checkIntervalMs: 1_000,
  maxConnections: 4_096,
  maxConnectionsPerClient: 256,
};

/** fastifyHttpOptions are the fastify constructor options that set the timeouts. */
export function fastifyHttpOptions(limits: HttpLimits = DEFAULT_HTTP_LIMITS): Pick<
  FastifyServerOptions,
  'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout'
> & {
  http: {
    headersTimeout: number;
    requestTimeout: number;
    connectionsCheckingInterval: number;
    keepAliveTimeout: number;
  };
} {
  // Node requires headersTimeout <= requestTimeout.
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  return {
    connectionTimeout: limits.idleTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    http: {
      headersTimeout,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
    },
  };
}

/**
 * capConnections sets the server's connection cap and closes a client's connections beyond its
 * per-address cap. A trusted reverse proxy carries many clients on its connections, so only the
 * total cap applies to it.
 */
export function capConnections(
  server: Server,
  limits: HttpLimits = DEFAULT_HTTP_LIMITS,
  trustedProxies?: TrustedProxies,
): void {
  server.maxConnections = limits.maxConnections;
  const perClient = new Map<string, number>();
  server.on('connection', (socket) => {
    const who = socket.remoteAddress ?? '?';
    if (trustedProxies?.includes(who)) return;
    const n = (perClient.get(who) ?? 0) + 1;
    if (n > limits.maxConnectionsPerClient) {
      socket.destroy();
      return;
    }
    perClient.set(who, n);
    socket.once('close', () => {
      const left = (perClient.get(who) ?? 1) - 1;
      if (left <= 0) perClient.delete(who);
      else perClient.set(who, left);
    });
  });
}

/** resolveHttpLimits fills unset fields from the defaults. */
export function resolveHttpLimits(partial: Partial<HttpLimits> | undefined): HttpLimits {
  return { ...DEFAULT_HTTP_LIMITS, ...partial };
}

/**
 * The reverse proxies whose X-Forwarded-For is believed (IP addresses or CIDR blocks). Only
 * these: trusting every sender's header would let any client choose the address its rate
 * limits are kept under.
 */
export class TrustedProxies {
  private readonly list = new BlockList();
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = entries;
    for (const entry of entries) {
      const [address, bits, extra] = entry.split('/');
      const type = isIP(address ?? '');
      const prefix = bits === undefined ? undefined : Number(bits);
      if (
        type === 0 ||
        extra !== undefined ||
        (prefix !== undefined && (!/^\d+$/.test(bits!) || prefix > (type === 4 ? 32 : 128)))
      )
        throw new InputError(
          'USAGE',
          `trusted proxy "${entry}" is not an IP address or CIDR block (e.g. 10.0.0.5 or 10.0.0.0/8)`,
        );
      const family = type === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address!, family);
      else this.list.addSubnet(address!, prefix, family);
    }
  }

  includes(address: string): boolean {
    const plain =
      address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const type = isIP(plain);
    return type !== 0 && this.list.check(plain, type === 4 ? 'ipv4' : 'ipv6');
  }
}
