/** MemoryWebSessionState: the in-memory {@link WebSessionState} for tests (same rules, no durability). */
import {
  assertSessionHash,
  MAX_SESSIONS_PER_ACCOUNT,
  type WebEnrolment,
  type WebSessionRow,
  type WebSessionState,
} from './web-session-state.js';

export class MemoryWebSessionState implements WebSessionState {
  private readonly rows = new Map<string, WebSessionRow>();

  async create(idHash: Buffer, row: Omit<WebSessionRow, 'enrolment'>, nowMs: number) {
    assertSessionHash(idHash);
    for (const [k, r] of this.rows) if (r.expiresAtMs <= nowMs) this.rows.delete(k);
    this.rows.set(idHash.toString('hex'), { ...row, enrolment: null });
    const mine = [...this.rows].filter(([, r]) => r.account === row.account);
    mine.sort(([, a], [, b]) => b.expiresAtMs - a.expiresAtMs);
    for (const [k] of mine.slice(MAX_SESSIONS_PER_ACCOUNT)) this.rows.delete(k);
  }
  async session(idHash: Buffer, nowMs: number) {
    const r = this.rows.get(idHash.toString('hex'));
    return r && r.expiresAtMs > nowMs ? r : undefined;
  }
  async setEnrolment(idHash: Buffer, enrolment: WebEnrolment | null) {
    const k = idHash.toString('hex');
    const r = this.rows.get(k);
    if (!r) return false;
    this.rows.set(k, { ...r, enrolment });
    return true;
  }
  async end(idHash: Buffer) {
    this.rows.delete(idHash.toString('hex'));
  }
  async close() {}
}
