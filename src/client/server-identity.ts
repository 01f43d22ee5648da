/**
 * Server identity memory: a Sigil server's log origin, log key and registry
 * keys, pinned on first use per server URL (like ssh's known_hosts, and like
 * the checkpoint memory beside it). Checkpoint memory is kept per log
 * origin, so a server that starts answering from an unrelated log (another
 * origin and key) would otherwise look like a first use; with the identity
 * pinned, that change fails loudly until the user accepts it explicitly
 * (issue 11, item 11).
 *
 * File: <config dir>/servers/<escaped URL>/identity.json
 *   {"server": "<url>", "origin": "<log origin>", "logKey": "<note verifier key>",
 *    "registryKeys": ["<hex key id>", …], "firstSeen": "<ISO time>"}
 *
 * Contract: `read` returns what was last written for the URL (or undefined;
 * a file that is not an identity is an error, never "first use"); `write` is
 * durable on return and atomic.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../io/durable-file.js';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import { type Check, fail, pass } from '../core/verdict.js';
import type { ServerKeys } from './records/source.js';

/** ServerIdentity is what is pinned of a server. */
export interface ServerIdentity {
  readonly origin: string;
  readonly logKey: string;
  readonly registryKeys: readonly string[];
  /** Whether the server keeps a key ledger (a server that stops answering ledger lookups hides revocations). */
  readonly ledger?: boolean;
}

export interface PinnedServerIdentity extends ServerIdentity {
  readonly server: string;
  readonly firstSeen: string;
}

/** serverIdentityOf reads the identity a server presents in its keys.json. */
export function serverIdentityOf(keys: ServerKeys): ServerIdentity {
  return {
    origin: keys.log.origin,
    logKey: keys.log.vkey,
    registryKeys: keys.keys
      .filter((k) => k.use === 'registry')
      .map((k) => k.keyid)
      .sort(),
    ledger: keys.ledger !== undefined,
  };
}

/** normalizeServerUrl is the memory's key: scheme, host and path without trailing slashes (lower-case host). */
export function normalizeServerUrl(server: string): string {
  try {
    const u = new URL(server);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname.replace(/\/+$/, '')}`;
  } catch {
    return server.replace(/\/+$/, '');
  }
}

/** serverIdentityPath is where the memory keeps a server's identity. */
export function serverIdentityPath(configDir: string, server: string): string {
  const safe = encodeURIComponent(normalizeServerUrl(server)).replace(/^\./, '%2E');
  return join(configDir, 'servers', safe, 'identity.json');
}

export async function readServerIdentity(
  configDir: string,
  server: string,
): Promise<PinnedServerIdentity | undefined> {
  const path = serverIdentityPath(configDir, server);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    v = {};
  }
  if (
    typeof v['origin'] !== 'string' ||
    typeof v['logKey'] !== 'string' ||
    !Array.isArray(v['registryKeys']) ||
    !v['registryKeys'].every((k) => typeof k === 'string')
  ) {
    throw new InputError(
      'SERVER_IDENTITY_INVALID',
      `${path}: is not a server identity ({origin, logKey, registryKeys})`,
      { file: path, hint: 'delete the file to pin the server again on next use' },
    );
  }
  return {
    server: String(v['server'] ?? server),
    origin: v['origin'],
    logKey: v['logKey'],
    registryKeys: v['registryKeys'] as string[],
    ...(typeof v['ledger'] === 'boolean' ? { ledger: v['ledger'] } : {}),
    firstSeen: String(v['firstSeen'] ?? ''),
  };
}

export async function writeServerIdentity(
  configDir: string,
  server: string,
  identity: ServerIdentity,
  now: Date,
): Promise<void> {
  const path = serverIdentityPath(configDir, server);
  await mkdir(join(path, '..'), { recursive: true });
  const doc: PinnedServerIdentity = {
    server: normalizeServerUrl(server),
    ...identity,
    registryKeys: [...identity.registryKeys],
    firstSeen: now.toISOString(),
  };
  await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
}

/** The flag that accepts a changed identity; named in the failure's hint. */
export const ACCEPT_NEW_SERVER_KEYS_FLAG = '--accept-new-server-keys';

/**
 * checkServerIdentity compares the identity `keys` presents with the one
 * pinned for `server`: first use pins it (SERVER_IDENTITY_FIRST_USE), the
 * same passes (SERVER_IDENTITY_PINNED), a change fails
 * (SERVER_IDENTITY_CHANGED, naming each changed part) unless `accept`, which
 * pins the new identity (SERVER_IDENTITY_ACCEPTED).
 */
export async function checkServerIdentity(
  configDir: string,
  server: string,
  keys: ServerKeys,
  options: { accept?: boolean; now?: Date } = {},
): Promise<Check> {
  const now = options.now ?? new Date();
  const seen = serverIdentityOf(keys);
  const pinned = await readServerIdentity(configDir, server);
  if (!pinned) {
    await writeServerIdentity(configDir, server, seen, now);
    return pass(
      'server-identity',
      'SERVER_IDENTITY_FIRST_USE',
      `first use of ${normalizeServerUrl(server)}: log ${seen.origin} and its keys are pinned`,
      { origin: seen.origin },
    );
  }
  const changes: string[] = [];
  if (pinned.origin !== seen.origin) changes.push(`log origin ${pinned.origin} → ${seen.origin}`);
  if (pinned.logKey !== seen.logKey)
    changes.push(`log key ${pinned.logKey.slice(0, 60)} → ${seen.logKey.slice(0, 60)}`);
  const before = [...pinned.registryKeys].sort().join(',');
  if (before !== seen.registryKeys.join(','))
    changes.push(
      `registry key(s) ${pinned.registryKeys.map((k) => k.slice(0, 16)).join(', ') || 'none'} → ${seen.registryKeys.map((k) => k.slice(0, 16)).join(', ') || 'none'}`,
    );
  if (pinned.ledger === true && seen.ledger === false)
    changes.push('key ledger advertised → no key ledger');
  if (changes.length === 0)
    return pass(
      'server-identity',
      'SERVER_IDENTITY_PINNED',
      `${normalizeServerUrl(server)} presents the log and keys pinned on ${pinned.firstSeen || 'first use'}`,
      { origin: seen.origin },
    );
  if (options.accept) {
    await writeServerIdentity(configDir, server, seen, now);
    return pass(
      'server-identity',
      'SERVER_IDENTITY_ACCEPTED',
      `${normalizeServerUrl(server)} changed its identity (${changes.join('; ')}); accepted with ${ACCEPT_NEW_SERVER_KEYS_FLAG} and pinned`,
      { changes },
    );
  }
  return fail(
    'server-identity',
    'SERVER_IDENTITY_CHANGED',
    `${normalizeServerUrl(server)} now presents another log or other keys than pinned on ${pinned.firstSeen || 'first use'}: ${changes.join('; ')}. Someone may be impersonating the server, or it was moved to a new log; nothing it says was trusted`,
    {
      changes,
      pinned: { origin: pinned.origin, logKey: pinned.logKey, registryKeys: pinned.registryKeys },
      seen,
    },
  );
}
