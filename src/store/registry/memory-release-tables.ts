/** MemoryReleaseTables: the in-memory {@link ReleaseTables} for tests (same rules, no durability). */
import type {
  KeyEventRow,
  LoggedDocument,
  NewRelease,
  ReleaseRow,
  ReleaseTables,
  ReserveGuard,
  ReserveOutcome,
} from './release-tables.js';
import { byCodeUnit, versionless } from './sqlite-release-tables.js';

export class MemoryReleaseTables implements ReleaseTables {
  private readonly rows: (ReleaseRow & { releaseKey: string | null; seq: number })[] = [];
  private readonly events: KeyEventRow[] = [];
  private seq = 0;

  async reserve(
    row: NewRelease,
    releaseKey?: string,
    guard?: ReserveGuard,
  ): Promise<ReserveOutcome> {
    const existing = this.rows.find(
      (r) => r.purl === row.purl || (releaseKey !== undefined && r.releaseKey === releaseKey),
    );
    if (existing)
      return existing.state === 'published'
        ? { kind: 'exists', row: strip(existing) }
        : { kind: 'pending', row: strip(existing) };
    guard?.(
      this.rows
        .filter((r) => r.type === row.type && r.namespace === row.namespace && r.name === row.name)
        .map(strip),
    );
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
  /** oldest lists published rows matching `keep` by published_at, then insertion. */
  private oldest(keep: (r: (typeof this.rows)[number]) => boolean) {
    return this.published()
      .filter(keep)
      .sort((a, b) => byCodeUnit(a.publishedAt, b.publishedAt) || a.seq - b.seq)
      .map(strip);
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
    return this.oldest((r) => r.type === type && r.namespace === namespace && r.name === name);
  }
  async pendingReleases() {
    return this.rows.filter((r) => r.state === 'pending').map(strip);
  }
  async filesOfReleaseKey(versionKey: string) {
    return this.oldest(
      (r) => r.releaseKey === versionKey || !!r.releaseKey?.startsWith(`${versionKey}?`),
    );
  }
  async anyOfPackageKey(packageKey: string) {
    const r = this.rows.find((x) => !!x.releaseKey?.startsWith(`${packageKey}@`));
    return r && strip(r);
  }
  async keyless() {
    return this.rows.filter((r) => r.releaseKey === null).map((r) => r.purl);
  }
  async setReleaseKey(purl: string, releaseKey: string) {
    if (this.rows.some((r) => r.releaseKey === releaseKey)) return false;
    const r = this.rows.find((x) => x.purl === purl && x.releaseKey === null);
    if (!r) return false;
    r.releaseKey = releaseKey;
    return true;
  }
  async ofType(type: string) {
    return this.oldest((r) => r.type === type);
  }
  async releasesOf(packagePurl: string, options: { readonly files?: boolean } = {}) {
    const prefix = `${packagePurl}@`;
    return this.oldest(
      (r) =>
        r.purl.startsWith(prefix) &&
        (!!options.files || !r.purl.slice(prefix.length).includes('?')),
    );
  }
  async packagesOfType(type: string) {
    return versionless(
      this.published()
        .filter((r) => r.type === type)
        .map((r) => r.purl),
    );
  }
  async namesOfType(type: string) {
    return [
      ...new Set(
        this.published()
          .filter((r) => r.type === type)
          .map((r) => r.name),
      ),
    ].sort(byCodeUnit);
  }
  async count(type?: string) {
    return this.published().filter((r) => type === undefined || r.type === type).length;
  }
  async recent(limit: number) {
    return this.published()
      .sort((a, b) => (b.publishIndex ?? -1) - (a.publishIndex ?? -1))
      .slice(0, limit)
      .map(strip);
  }
  async search(query: string, limit: number) {
    const q = query.toLowerCase();
    return this.published()
      .filter(
        (r) =>
          r.name.toLowerCase().includes(q) ||
          r.purl.slice(4).toLowerCase().includes(q) ||
          `${r.namespace}/${r.name}`.toLowerCase().includes(q),
      )
      .sort(
        (a, b) =>
          byCodeUnit(a.type, b.type) ||
          byCodeUnit(a.namespace, b.namespace) ||
          byCodeUnit(a.name, b.name) ||
          (b.publishIndex ?? -1) - (a.publishIndex ?? -1),
      )
      .slice(0, limit)
      .map(strip);
  }
  async loggedDocuments(start: number, end: number) {
    const inRange = (i: number | null): i is number => i !== null && i >= start && i < end;
    const out: LoggedDocument[] = [];
    for (const r of this.published()) {
      if (inRange(r.authorIndex) && r.authorBundle !== null)
        out.push({ index: r.authorIndex, kind: 'author', doc: r.authorBundle });
      if (inRange(r.publishIndex))
        out.push({ index: r.publishIndex, kind: 'publish', doc: r.publishEnvelope });
    }
    for (const e of this.events)
      if (inRange(e.logIndex)) out.push({ index: e.logIndex, kind: 'key-event', doc: e.envelope });
    return out.sort((a, b) => a.index - b.index);
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
