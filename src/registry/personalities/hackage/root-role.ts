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
import { writeFileDurable } from '../../../io/durable-file.js';
import { InputError } from '../../../core/errors.js';
import { RETIRED_ROOT_KEYS, signRole, type HackageKey, type HackageKeySet } from './keys.js';

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
  readonly rootKeyIds: readonly string[];
  readonly rootThreshold: number;
  readonly onlineKeyId: string | undefined;
}

function parseStoredRoot(bytes: Buffer): StoredRoot | undefined {
  try {
    const signed = JSON.parse(bytes.toString('utf8')).signed;
    const version = signed.version;
    const expires = new Date(signed.expires);
    const rootKeyIds = signed.roles?.root?.keyids;
    const rootThreshold = signed.roles?.root?.threshold;
    if (!Number.isSafeInteger(version) || version < 1 || Number.isNaN(expires.getTime()))
      return undefined;
    if (!Array.isArray(rootKeyIds) || !Number.isSafeInteger(rootThreshold)) return undefined;
    return {
      version,
      expires,
      rootKeyIds: rootKeyIds.map(String),
      rootThreshold,
      onlineKeyId: signed.roles?.timestamp?.keyids?.[0],
    };
  } catch {
    return undefined;
  }
}

const iso = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;
const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/**
 * currentRoot returns the kept root.json while it has more than half its life
 * left and names the current keys and threshold; otherwise it signs the next
 * version, keeps it durably, and returns that. When the root keys changed, the
 * next version is also signed by enough of the previous version's keys (still
 * configured or retired) for clients that trust only those to accept it; if
 * too few are at hand it refuses, rather than publish a root no client takes.
 */
export async function currentRoot(
  file: RootFile,
  keys: HackageKeySet,
  lifetimeSeconds: number,
  now: Date,
): Promise<Buffer> {
  const kept = file.read();
  const stored = kept ? parseStoredRoot(kept) : undefined;
  const rootIds = keys.roots.map((k) => k.keyId);
  const rootsChanged =
    stored !== undefined &&
    (!sameSet(stored.rootKeyIds, rootIds) || stored.rootThreshold !== keys.threshold);
  if (
    kept &&
    stored &&
    !rootsChanged &&
    stored.onlineKeyId === keys.online.keyId &&
    now.getTime() + (lifetimeSeconds * 1000) / 2 < stored.expires.getTime()
  )
    return kept;
  const signers = new Map(keys.roots.map((k) => [k.keyId, k]));
  if (stored && rootsChanged) {
    const previous = [...keys.roots, ...keys.retired].filter((k) =>
      stored.rootKeyIds.includes(k.keyId),
    );
    const distinct = new Map(previous.map((k) => [k.keyId, k]));
    if (distinct.size < stored.rootThreshold)
      throw new InputError(
        'HACKAGE_ROOT_ROTATION_UNSIGNED',
        `root.json version ${stored.version} needs ${stored.rootThreshold} of its root keys to sign the next version, and ${distinct.size} are at hand`,
        {
          hint: `move the previous root key files into keys/${RETIRED_ROOT_KEYS}/ (do not delete them before clients have updated), then restart`,
        },
      );
    for (const [id, k] of distinct) signers.set(id, k);
  }
  const role = (ks: readonly HackageKey[], threshold: number) => ({
    keyids: ks.map((k) => k.keyId),
    threshold,
  });
  const listed = new Map([...signers, [keys.online.keyId, keys.online]]);
  const next = signRole(
    {
      _type: 'Root',
      version: (stored?.version ?? 0) + 1,
      expires: iso(new Date(now.getTime() + lifetimeSeconds * 1000)),
      // hackage-security checks a root's signatures against the keys the file itself lists, so
      // retired co-signers are listed here too (no role names them).
      keys: Object.fromEntries([...listed].map(([id, k]) => [id, k.keyObject])),
      roles: {
        root: role(keys.roots, keys.threshold),
        snapshot: role([keys.online], 1),
        targets: role(keys.roots, keys.threshold),
        timestamp: role([keys.online], 1),
        mirrors: role([keys.online], 1),
      },
    },
    [...signers.values()],
  );
  await file.write(next);
  return next;
}
