/**
 * root.json is signed once and kept: the same bytes are served until the root
 * is renewed, and each renewal gets the next version.
 *
 * Why it matters: when any role fails to verify, hackage-security fetches
 * root.json again and, if its bytes differ from the cached copy, clears the
 * cached timestamp and snapshot before retrying. A root re-signed with a new
 * expiry but the same version (as Sigil did on every start) therefore let an
 * attacker replay an older timestamp/snapshot/index together with the root of
 * that time: the rollback error was followed by a cache wipe and the old view
 * was accepted. With one root per version, a replayed root is either the
 * cached bytes (no wipe, the rollback error stands) or an older version
 * (refused).
 */
import { readFileSync } from 'node:fs';
import { writeFileDurable } from '../../../store/durable-file.js';
import type { HackageKey } from './keys.js';
import { signRole } from './keys.js';

/** Where the signed root is kept. */
export interface RootFile {
  read(): Buffer | undefined;
  write(bytes: Buffer): Promise<void>;
}

export function rootFileAt(path: string): RootFile {
  return {
    read: () => {
      try {
        return readFileSync(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    write: (bytes) => writeFileDurable(path, bytes, 0o644),
  };
}

export function memoryRootFile(): RootFile {
  let kept: Buffer | undefined;
  return {
    read: () => kept,
    write: async (bytes) => {
      kept = bytes;
    },
  };
}

interface StoredRoot {
  readonly version: number;
  readonly expires: Date;
  readonly rootKeyId: string;
  readonly onlineKeyId: string;
}

function parseStoredRoot(bytes: Buffer): StoredRoot | undefined {
  try {
    const signed = JSON.parse(bytes.toString('utf8')).signed;
    const version = signed.version;
    const expires = new Date(signed.expires);
    if (!Number.isSafeInteger(version) || version < 1 || Number.isNaN(expires.getTime()))
      return undefined;
    return {
      version,
      expires,
      rootKeyId: signed.roles?.root?.keyids?.[0],
      onlineKeyId: signed.roles?.timestamp?.keyids?.[0],
    };
  } catch {
    return undefined;
  }
}

const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

/**
 * currentRoot returns the kept root.json while it has more than half its life
 * left and names the current keys; otherwise it signs the next version,
 * keeps it durably, and returns that.
 */
export async function currentRoot(
  file: RootFile,
  keys: { root: HackageKey; online: HackageKey },
  lifetimeSeconds: number,
  now: Date,
): Promise<Buffer> {
  const kept = file.read();
  const stored = kept ? parseStoredRoot(kept) : undefined;
  if (
    kept &&
    stored &&
    stored.rootKeyId === keys.root.keyId &&
    stored.onlineKeyId === keys.online.keyId &&
    now.getTime() + (lifetimeSeconds * 1000) / 2 < stored.expires.getTime()
  )
    return kept;
  const role = (k: HackageKey) => ({ keyids: [k.keyId], threshold: 1 });
  const next = signRole(
    {
      _type: 'Root',
      version: (stored?.version ?? 0) + 1,
      expires: iso(new Date(now.getTime() + lifetimeSeconds * 1000)),
      keys: { [keys.root.keyId]: keys.root.keyObject, [keys.online.keyId]: keys.online.keyObject },
      roles: {
        root: role(keys.root),
        snapshot: role(keys.online),
        targets: role(keys.root),
        timestamp: role(keys.online),
        mirrors: role(keys.online),
      },
    },
    [keys.root],
  );
  await file.write(next);
  return next;
}
