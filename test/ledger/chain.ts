// Test helper: builds a log of key events, keeping each namespace's chain head so tests only say what differs.
import { createPrivateKey } from 'node:crypto';
import { toPrivateKey, type PrivateKey } from '../../src/core/keys.js';
import { buildKeyEvent, type KeyEventInput } from '../../src/ledger/event.js';
import type { LogEntry } from '../../src/ledger/replay.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type EventSpec = DistributiveOmit<KeyEventInput, 'previous'> & { previous?: string | null };

/** seededKey is a deterministic Ed25519 key (PKCS#8 of a 32-byte seed), so fixtures regenerate byte for byte. */
export function seededKey(seed: number): PrivateKey {
  const der = Buffer.concat([
    Buffer.from('302e020100300506032b657004220420', 'hex'),
    Buffer.alloc(32, seed),
  ]);
  return toPrivateKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }));
}

export class TestLog {
  readonly entries: LogEntry[] = [];
  private readonly heads = new Map<string, string>();
  nextIndex = 0;

  /** event appends a signed event at the next index (or `at`), chaining it to the namespace's head unless `previous` is given. */
  event(
    spec: EventSpec,
    signers: readonly PrivateKey[],
    options: { at?: number; advanceHead?: boolean } = {},
  ): { logIndex: number; digest: string; envelope: unknown } {
    const previous =
      spec.previous !== undefined ? spec.previous : (this.heads.get(spec.namespace) ?? null);
    const { envelope, digest } = buildKeyEvent({ ...spec, previous } as KeyEventInput, signers);
    const logIndex = options.at ?? this.nextIndex;
    this.nextIndex = logIndex + 1;
    this.entries.push({ logIndex, envelope });
    if (options.advanceHead !== false) this.heads.set(spec.namespace, digest);
    return { logIndex, digest, envelope };
  }

  /** raw appends an arbitrary envelope (malformed input, replays). */
  raw(envelope: unknown, at?: number): number {
    const logIndex = at ?? this.nextIndex;
    this.nextIndex = logIndex + 1;
    this.entries.push({ logIndex, envelope });
    return logIndex;
  }

  /** skip leaves log indices for other entries (releases, other namespaces). */
  skip(n = 1): void {
    this.nextIndex += n;
  }

  head(ns: string): string | null {
    return this.heads.get(ns) ?? null;
  }
}
