/** MemoryPackageState: the in-memory {@link PackageState} for tests (same rules, no durability). */
import type { ConflictRow, NpmTarballFacts, PackageState, YankRow } from './package-state.js';

export class MemoryPackageState implements PackageState {
  private readonly tags = new Map<string, Map<string, string>>();
  private readonly yanks = new Map<string, YankRow>();
  private readonly conflictRows: ConflictRow[] = [];
  private readonly sumdb = new Map<string, number>();
  private readonly npm = new Map<string, NpmTarballFacts>();

  async distTags(type: string, namespace: string, name: string) {
    const tags = this.tags.get(JSON.stringify([type, namespace, name])) ?? new Map();
    return Object.fromEntries([...tags].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  async setDistTag(
    type: string,
    namespace: string,
    name: string,
    tag: string,
    version: string | null,
  ) {
    const k = JSON.stringify([type, namespace, name]);
    const tags = this.tags.get(k) ?? new Map<string, string>();
    this.tags.set(k, tags);
    if (version === null) tags.delete(tag);
    else tags.set(tag, version);
  }
  async yankOf(key: string) {
    return this.yanks.get(key);
  }
  async setYank(key: string, yanked: boolean, reason: string, at: string, logIndex: number | null) {
    if (yanked) this.yanks.set(key, { purl: key, reason, yankedAt: at, logIndex });
    else this.yanks.delete(key);
  }
  async hasConflict(purl: string, offered: string) {
    return this.conflictRows.some((c) => c.purl === purl && c.offered === offered);
  }
  async addConflict(row: Omit<ConflictRow, 'id'>) {
    if (this.conflictRows.some((c) => c.purl === row.purl && c.offered === row.offered))
      return false;
    this.conflictRows.push({ ...row, id: this.conflictRows.length + 1 });
    return true;
  }
  async conflicts(options: { purl?: string; limit?: number } = {}) {
    return this.conflictRows
      .filter((c) => options.purl === undefined || c.purl === options.purl)
      .reverse()
      .slice(0, options.limit ?? 1000);
  }
  async loggedConflicts(start: number, end: number) {
    return this.conflictRows
      .filter((c) => c.logIndex >= start && c.logIndex < end)
      .sort((a, b) => a.logIndex - b.logIndex);
  }
  async npmTarball(sha256: string) {
    return this.npm.get(sha256);
  }
  async putNpmTarball(sha256: string, facts: NpmTarballFacts) {
    if (!this.npm.has(sha256)) this.npm.set(sha256, { sha1: facts.sha1, manifest: facts.manifest });
  }
  async sumdbRecord(path: string, version: string) {
    return this.sumdb.get(JSON.stringify([path, version]));
  }
  async recordSumdb(path: string, version: string, id: number) {
    const k = JSON.stringify([path, version]);
    const have = this.sumdb.get(k);
    if (have !== undefined) return have;
    this.sumdb.set(k, id);
    return id;
  }
  async close() {}
}
