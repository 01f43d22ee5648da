/** MemoryReleaseTables: the in-memory {@link ReleaseTables} for tests (same rules, no durability). */
import type {
  KeyEventRow,
  NewRelease,
  ReleaseRow,
  ReleaseTables,
  ReserveOutcome,
} from './release-tables.js';

export class MemoryReleaseTables implements ReleaseTables {
  private readonly rows: (ReleaseRow & { releaseKey: string | null; seq: number })[] = [];
  private readonly events: KeyEventRow[] = [];
  private seq = 0;

  async reserve(row: NewRelease, releaseKey?: string): Promise<ReserveOutcome> {
    const existing = this.rows.find(
      (r) => r.purl === row.purl || (releaseKey !== undefined && r.releaseKey === releaseKey),
    );
    if (existing)
      return existing.state === 'published'
        ? { kind: 'exists', row: strip(existing) }
        : { kind: 'pending', row: strip(existing) };
    this.rows.push({
      ...row,
      authorIndex: null,
      publishIndex: null,
      state: 'pending',
      releaseKey: releaseKey ?? null,
      seq: ++this.seq,
    });
    return { kind: 'reserved' };
  }
  async complete(purl: string, authorIndex: number | null, publishIndex: number): Promise<void> {
    const i = this.rows.findIndex((r) => r.purl === purl && r.state === 'pending');
    if (i < 0) throw new Error(`release tables: ${purl} was not pending`); // internal bug
    this.rows[i] = { ...this.rows[i]!, state: 'published', authorIndex, publishIndex };
  }
  async abandon(purl: string): Promise<void> {
    const i = this.rows.findIndex((r) => r.purl === purl && r.state === 'pending');
    if (i >= 0) this.rows.splice(i, 1);
  }
  private published() {
    return this.rows.filter((r) => r.state === 'published');
  }
  async get(purl: string) {
    const r = this.published().find((x) => x.purl === purl);
    return r && strip(r);
  }
  async getByReleaseKey(k: string) {
    const r = this.published().find((x) => x.releaseKey === k);
    return r && strip(r);
  }
  async bySha256(sha256: string) {
    return this.published()
      .filter((r) => r.sha256 === sha256)
      .map(strip);
  }
  async versions(type: string, namespace: string, name: string) {
    return this.published()
      .filter((r) => r.type === type && r.namespace === namespace && r.name === name)
      .sort((a, b) =>
        a.publishedAt < b.publishedAt ? -1 : a.publishedAt > b.publishedAt ? 1 : a.seq - b.seq,
      )
      .map(strip);
  }
  async pendingReleases() {
    return this.rows.filter((r) => r.state === 'pending').map(strip);
  }
  async insertKeyEvent(namespace: string, envelope: string, entry: Uint8Array): Promise<number> {
    const id = ++this.seq;
    this.events.push({ id, namespace, envelope, entry, logIndex: null });
    return id;
  }
  async completeKeyEvent(id: number, logIndex: number): Promise<void> {
    const i = this.events.findIndex((e) => e.id === id);
    if (i >= 0) this.events[i] = { ...this.events[i]!, logIndex };
  }
  async removeKeyEvent(id: number): Promise<void> {
    const i = this.events.findIndex((e) => e.id === id && e.logIndex === null);
    if (i >= 0) this.events.splice(i, 1);
  }
  async keyEventsFor(namespace: string) {
    return this.events
      .filter((e) => e.namespace === namespace && e.logIndex !== null)
      .sort((a, b) => a.logIndex! - b.logIndex!);
  }
  async pendingKeyEvents() {
    return this.events.filter((e) => e.logIndex === null);
  }
  async loggedKeyEventsAfter(after: number) {
    return this.events
      .filter((e) => e.logIndex !== null && e.logIndex > after)
      .sort((a, b) => a.logIndex! - b.logIndex!);
  }
  async close(): Promise<void> {}
}

function strip(r: ReleaseRow & { releaseKey?: string | null; seq?: number }): ReleaseRow {
  const { releaseKey: _k, seq: _s, ...row } = r;
  return row;
}
