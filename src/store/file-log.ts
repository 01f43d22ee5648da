/**
 * openFileLog: the embedded default log — {@link SequencedLog} over
 * {@link SqliteFileStorage} in a data directory, signed with the directory's
 * log key (created on first open when an origin is given).
 */
import { mkdirSync } from 'node:fs';
import { type NoteSigner } from '../log/note-key.js';
import { InputError } from '../core/errors.js';
import { createLogKey, loadLogKey, loadOrCreateLogKey, type LogKey } from './log-key.js';
import { SequencedLog, type SequencerOptions } from './sequencer.js';
import { SqliteFileStorage } from './sqlite-file-storage.js';

/** DEFAULT_LOG_DIR is where `sigil log serve` keeps its log without --data. */
export const DEFAULT_LOG_DIR = './.sigil-data/log';

export interface FileLogOptions extends Omit<
  SequencerOptions,
  'origin' | 'signers' | 'verifierKey'
> {
  /** Origin for a new log (its key is created with this name); must match an existing log's. */
  readonly origin?: string;
  /**
   * Name of a NEW log key when it is not the origin. With it, `origin` is the
   * checkpoint origin line and is not matched against the key's name (an
   * existing key keeps its name). Go's checksum database needs this: its
   * origin is "go.sum database tree", its key is named after the server.
   */
  readonly keyName?: string;
  /** Signers of extra signature lines, after the log key's. */
  readonly extraSigners?: readonly NoteSigner[];
}

/** FileLog is a SequencedLog over files, with where it lives. */
export interface FileLog extends SequencedLog {
  readonly dir: string;
  readonly publicDir: string;
  /** True when this open created the log key. */
  readonly keyCreated: boolean;
}

/** openFileLog opens (creating if needed) the log in `dir`. Throws InputError for key/origin problems, StorageError for storage ones. */
export async function openFileLog(dir: string, options: FileLogOptions = {}): Promise<FileLog> {
  mkdirSync(dir, { recursive: true });
  let key: LogKey & { created: boolean };
  let origin: string;
  if (options.keyName === undefined) {
    key = await loadOrCreateLogKey(dir, options.origin);
    origin = key.origin;
  } else {
    if (options.origin === undefined)
      throw new InputError(
        'LOG_ORIGIN_REQUIRED',
        'a log whose key is named apart from its origin needs an explicit origin',
      );
    const existing = loadLogKey(dir);
    key = existing
      ? { ...existing, created: false }
      : { ...(await createLogKey(dir, options.keyName)), created: true };
    origin = options.origin;
  }
  const storage = new SqliteFileStorage(dir);
  try {
    const log = await SequencedLog.open(storage, {
      ...options,
      origin,
      signers: [key.signer, ...(options.extraSigners ?? [])],
      verifierKey: key.verifierKey,
    });
    return Object.assign(log, { dir, publicDir: storage.publicDir, keyCreated: key.created });
  } catch (e) {
    await storage.close();
    throw e;
  }
}
