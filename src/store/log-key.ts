/**
 * The log's checkpoint key, kept in `<data dir>/log.key` (mode 0600): a
 * line-oriented file that identifies itself, like age keys —
 *
 *   # sigil transparency log key
 *   # created: 2026-01-01T00:00:00.000Z
 *   # vkey: example.org/log+1a2b3c4d+AQ…
 *   PRIVATE+KEY+example.org/log+1a2b3c4d+AQ…
 *
 * The key name is the log's origin (c2sp.org/tlog-checkpoint), so the
 * origin of a data directory is fixed when its key is created.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../core/errors.js';
import {
  formatVerifierKey,
  generateNoteKey,
  isValidKeyName,
  type NoteSigner,
  parseSignerKey,
} from '../log/note-key.js';
import { writeFileDurable } from '../io/durable-file.js';

export const LOG_KEY_FILE = 'log.key';

/** LogKey is the loaded log key. */
export interface LogKey {
  readonly origin: string;
  readonly signer: NoteSigner & { readonly publicKey: Uint8Array };
  readonly verifierKey: string;
  readonly path: string;
  /** True when the file is readable by group or others. */
  readonly worldReadable: boolean;
}

function fromSignerKey(path: string, skey: string): LogKey {
  const signer = parseSignerKey(skey);
  const verifierKey = formatVerifierKey(signer);
  const mode = statSync(path).mode;
  return { origin: signer.name, signer, verifierKey, path, worldReadable: (mode & 0o077) !== 0 };
}

/** loadLogKey reads `<dir>/log.key`, or returns undefined when the log has no key yet. Throws InputError LOG_KEY_INVALID. */
export function loadLogKey(dir: string): LogKey | undefined {
  const path = join(dir, LOG_KEY_FILE);
  if (!existsSync(path)) return undefined;
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  if (line === undefined)
    throw new InputError('LOG_KEY_INVALID', `${path} holds no key`, { file: path });
  try {
    return fromSignerKey(path, line);
  } catch (cause) {
    throw new InputError(
      'LOG_KEY_INVALID',
      `${path} is not a log key: ${(cause as Error).message}`,
      { file: path, cause },
    );
  }
}

/** createLogKey makes a new Ed25519 log key named `origin` in `<dir>/log.key`, durably, mode 0600. */
export async function createLogKey(dir: string, origin: string): Promise<LogKey> {
  if (!isValidKeyName(origin)) {
    throw new InputError(
      'LOG_ORIGIN_INVALID',
      `invalid log origin ${JSON.stringify(origin)}: it must be non-empty, without spaces or "+"`,
      {
        hint: "use the log's URL prefix without the scheme, e.g. log.example.org or example.org/log",
      },
    );
  }
  const k = generateNoteKey(origin);
  const path = join(dir, LOG_KEY_FILE);
  const text = `# sigil transparency log key\n# created: ${new Date().toISOString()}\n# vkey: ${k.verifierKey}\n${k.signerKey}\n`;
  await writeFileDurable(path, Buffer.from(text, 'utf8'), 0o600);
  return fromSignerKey(path, k.signerKey);
}

/**
 * loadOrCreateLogKey loads the key of the log in `dir`, or creates it with
 * `origin`. Throws InputError LOG_ORIGIN_MISMATCH when `origin` is given and
 * differs from the existing key's, LOG_ORIGIN_REQUIRED when there is no key and no origin.
 */
export async function loadOrCreateLogKey(
  dir: string,
  origin: string | undefined,
): Promise<LogKey & { created: boolean }> {
  const existing = loadLogKey(dir);
  if (existing) {
    if (origin !== undefined && origin !== existing.origin) {
      throw new InputError(
        'LOG_ORIGIN_MISMATCH',
        `the log in ${dir} has origin ${JSON.stringify(existing.origin)}, not ${JSON.stringify(origin)}`,
        {
          hint: "a log's origin is fixed by its key; drop --origin or use a new data directory",
        },
      );
    }
    return { ...existing, created: false };
  }
  if (origin === undefined)
    throw new InputError(
      'LOG_ORIGIN_REQUIRED',
      `no log key in ${dir} and no origin to create one`,
      { hint: 'pass --origin ORIGIN' },
    );
  return { ...(await createLogKey(dir, origin)), created: true };
}
