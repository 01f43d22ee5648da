/**
 * MemoryLog: the in-memory {@link TransparencyLog} for tests — the real
 * sequencer (batching, dedup, pushback, proofs from tiles) over
 * {@link MemoryStorage}, with a fresh random key unless one is given and a
 * 1 ms batch interval so tests do not wait.
 */
import { randomBytes } from 'node:crypto';
import { ed25519NoteSigner, type NoteSigner } from '../log/note-key.js';
import { MemoryStorage } from './memory-storage.js';
import { SequencedLog, type SequencerOptions } from './sequencer.js';

export interface MemoryLogOptions extends Partial<SequencerOptions> {
  /** Seed of the Ed25519 log key (random when absent and no signers are given). */
  readonly seed?: Uint8Array;
}

export class MemoryLog extends SequencedLog {
  /** The storage behind the log (inspect objects, or share it with a second MemoryLog to simulate a restart). */
  readonly memory: MemoryStorage;

  constructor(options: MemoryLogOptions = {}, storage: MemoryStorage = new MemoryStorage()) {
    const origin = options.origin ?? 'memory.sigil.test/log';
    const signers: readonly NoteSigner[] = options.signers ?? [
      ed25519NoteSigner(origin, options.seed ?? randomBytes(32)),
    ];
    super(storage, { batchIntervalMs: 1, ...options, origin, signers });
    this.memory = storage;
  }
}
