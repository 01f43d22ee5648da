// An in-test Merkle tree with signed checkpoints and consistency proofs, from the pure log code,
// for driving witnesses directly (forks are two trees under one log key).
import { signCheckpoint } from '../../src/log/checkpoint.js';
import { type Hash, recordHash } from '../../src/log/hash.js';
import { hashReaderFromArray, storedHashes, treeHash } from '../../src/log/merkle.js';
import type { NoteSigner } from '../../src/log/note-key.js';
import { proveConsistency } from '../../src/log/proof.js';

export class TestTree {
  private readonly stored: Hash[] = [];
  size = 0;
  constructor(
    readonly origin: string,
    readonly signer: NoteSigner,
  ) {}

  add(data: string): void {
    this.stored.push(
      ...storedHashes(this.size, recordHash(Buffer.from(data)), hashReaderFromArray(this.stored)),
    );
    this.size++;
  }
  root(size = this.size): Hash {
    return treeHash(size, hashReaderFromArray(this.stored));
  }
  checkpoint(size = this.size): string {
    return signCheckpoint({ origin: this.origin, size, hash: this.root(size), extensions: [] }, [
      this.signer,
    ]);
  }
  proof(size1: number, size2: number): Hash[] {
    return size1 === 0 || size1 === size2
      ? []
      : proveConsistency(size1, size2, hashReaderFromArray(this.stored));
  }
}
