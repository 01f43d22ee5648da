/**
 * SqliteReleaseTables: {@link ReleaseTables} over the embedded SQLite stores
 * (ReleaseStore, KeyEventStore), unchanged: `reserve` is made durable before
 * it resolves (the store's group-committed sync), everything else already is.
 */
import { KeyEventStore } from './key-events.js';
import type { NewRelease, ReleaseTables, ReserveOutcome } from './release-tables.js';
import { ReleaseStore } from './releases.js';

export class SqliteReleaseTables implements ReleaseTables {
  readonly releases: ReleaseStore;
  private readonly events: KeyEventStore;

  constructor(dataDir: string) {
    this.releases = new ReleaseStore(dataDir);
    this.events = new KeyEventStore(this.releases.db);
  }
  async reserve(row: NewRelease, releaseKey?: string): Promise<ReserveOutcome> {
    const r = this.releases.reserve(row, releaseKey);
    await this.releases.syncBatched();
    return r;
  }
  async complete(purl: string, authorIndex: number | null, publishIndex: number) {
    await this.releases.completeBatched(purl, authorIndex, publishIndex);
  }
  async abandon(purl: string) {
    this.releases.abandon(purl);
  }
  async get(purl: string) {
    return this.releases.get(purl);
  }
  async getByReleaseKey(k: string) {
    return this.releases.getByReleaseKey(k);
  }
  async bySha256(sha256: string) {
    return this.releases.bySha256(sha256);
  }
  async versions(type: string, namespace: string, name: string) {
    return this.releases.versions(type, namespace, name);
  }
  async pendingReleases() {
    return this.releases.pending();
  }
  async insertKeyEvent(namespace: string, envelope: string, entry: Uint8Array) {
    return this.events.insertPending(namespace, envelope, entry);
  }
  async completeKeyEvent(id: number, logIndex: number) {
    this.events.complete(id, logIndex);
  }
  async removeKeyEvent(id: number) {
    this.events.remove(id);
  }
  async keyEventsFor(namespace: string) {
    return this.events.loggedFor(namespace);
  }
  async pendingKeyEvents() {
    return this.events.pending();
  }
  async loggedKeyEventsAfter(after: number) {
    return this.events.loggedAfter(after);
  }
  async close() {
    this.releases.close();
  }
}
