/** MemoryGrantState: the in-memory {@link GrantState} for tests (same rules, no durability). */
import { randomUUID } from 'node:crypto';
import { type GrantRow, type GrantState, prefixOf } from './grant-state.js';

export class MemoryGrantState implements GrantState {
  private readonly grants: GrantRow[] = [];
  private readonly holds = new Map<
    string,
    { account: string; namespace: string; untilMs: number }
  >();

  async upsertGrant(account: string, pattern: string, actions: readonly string[], now: string) {
    this.upsert(account, pattern, actions, now);
  }
  async deleteGrant(account: string, pattern: string) {
    const i = this.grants.findIndex((g) => g.account === account && g.pattern === pattern);
    if (i < 0) return false;
    this.grants.splice(i, 1);
    return true;
  }
  private sorted(rows: GrantRow[], byPattern = false): GrantRow[] {
    return rows.sort((a, b) =>
      byPattern
        ? a.pattern.localeCompare(b.pattern)
        : a.account.localeCompare(b.account) || a.pattern.localeCompare(b.pattern),
    );
  }
  async grantsOf(account: string) {
    return this.sorted(
      this.grants.filter((g) => g.account === account),
      true,
    );
  }
  async grantsFor(patterns: readonly string[]) {
    return this.covering(patterns);
  }
  async grantsUnder(pattern: string) {
    return this.under(pattern);
  }
  // Synchronous, so that a claim or a hold is one step (no await between its check and its write).
  private covering(patterns: readonly string[]): GrantRow[] {
    return this.sorted(this.grants.filter((g) => patterns.includes(g.pattern)));
  }
  private under(pattern: string): GrantRow[] {
    const prefix = prefixOf(pattern);
    if (prefix === undefined) return [];
    return this.sorted(
      this.grants.filter((g) => g.pattern.startsWith(prefix) && g.pattern !== pattern),
    );
  }
  private upsert(account: string, pattern: string, actions: readonly string[], now: string) {
    const i = this.grants.findIndex((g) => g.account === account && g.pattern === pattern);
    const row = { account, pattern, actions: [...actions], grantedAt: now };
    if (i >= 0) this.grants[i] = row;
    else this.grants.push(row);
  }
  async claimNamespace(
    account: string,
    pattern: string,
    covering: readonly string[],
    actions: readonly string[],
    now: string,
    nowMs: number,
  ) {
    const existing = this.covering(covering);
    if (existing.length > 0) return existing.some((g) => g.account === account);
    if (this.under(pattern).some((g) => g.account !== account)) return false;
    const prefix = prefixOf(pattern);
    if (prefix !== undefined)
      for (const h of this.holds.values())
        if (h.account !== account && h.untilMs > nowMs && h.namespace.startsWith(prefix))
          return false;
    this.upsert(account, pattern, actions, now);
    return true;
  }
  async holdFirstPublish(
    account: string,
    namespace: string,
    covering: readonly string[],
    untilMs: number,
  ) {
    if (this.covering(covering).some((g) => g.account !== account)) return undefined;
    const id = randomUUID();
    this.holds.set(id, { account, namespace, untilMs });
    return id;
  }
  async endHold(id: string) {
    this.holds.delete(id);
  }
  async close() {}
}
