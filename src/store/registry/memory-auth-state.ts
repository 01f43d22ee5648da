/**
 * MemoryAuthState: the in-memory {@link AuthState} for tests. Same semantics
 * as the durable drivers (atomic steps are atomic because JavaScript runs
 * one callback at a time), no durability.
 */
import type { AccountRow, TokenRow, TotpRow } from './accounts.js';
import {
  type AuthState,
  type RateBucket,
  type RateDecision,
  refill,
  retryAfter,
} from './auth-state.js';

export class MemoryAuthState implements AuthState {
  private readonly accounts = new Map<string, { createdAt: string; admin: boolean }>();
  private readonly tokens = new Map<string, TokenRow>();
  private readonly totp = new Map<string, TotpRow>();
  private readonly recovery = new Map<string, Set<string>>();
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  async insertAccount(name: string, admin: boolean, now: string): Promise<boolean> {
    if (this.accounts.has(name)) return false;
    this.accounts.set(name, { createdAt: now, admin });
    return true;
  }

  async getAccount(name: string): Promise<AccountRow | undefined> {
    const a = this.accounts.get(name);
    return (
      a && {
        name,
        createdAt: a.createdAt,
        admin: a.admin,
        twoFactor: this.totp.get(name)?.state ?? 'off',
      }
    );
  }

  async listAccounts(): Promise<AccountRow[]> {
    const names = [...this.accounts.keys()].sort();
    return Promise.all(names.map(async (n) => (await this.getAccount(n))!));
  }

  async insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    if (!this.accounts.has(t.account)) throw new Error(`no account ${t.account}`);
    if ([...this.tokens.values()].some((x) => x.hash.equals(t.hash) || x.id === t.id))
      throw new Error('token id or hash exists');
    this.tokens.set(t.id, { ...t, revokedAt: null, lastUsedAt: null });
  }

  async tokenByHash(hash: Buffer): Promise<TokenRow | undefined> {
    return [...this.tokens.values()].find((t) => t.hash.equals(hash));
  }

  async tokenById(id: string): Promise<TokenRow | undefined> {
    return this.tokens.get(id);
  }

  async listTokens(account?: string): Promise<TokenRow[]> {
    return [...this.tokens.values()]
      .filter((t) => account === undefined || t.account === account)
      .sort((x, y) => byText(x.createdAt, y.createdAt) || byText(x.id, y.id));
  }

  async touchToken(id: string, now: string): Promise<void> {
    const t = this.tokens.get(id);
    if (t) this.tokens.set(id, { ...t, lastUsedAt: now });
  }

  async revokeToken(id: string, now: string): Promise<boolean> {
    const t = this.tokens.get(id);
    if (!t || t.revokedAt !== null) return false;
    this.tokens.set(id, { ...t, revokedAt: now });
    return true;
  }

  async getTotp(account: string): Promise<TotpRow | undefined> {
    return this.totp.get(account);
  }

  async setPendingTotp(account: string, secret: Buffer, now: string): Promise<boolean> {
    if (this.totp.get(account)?.state === 'on') return false;
    this.totp.set(account, {
      account,
      secret,
      state: 'pending',
      createdAt: now,
      enabledAt: null,
      lastStep: null,
    });
    return true;
  }

  async confirmTotp(
    account: string,
    step: number,
    hashes: readonly Buffer[],
    now: string,
  ): Promise<boolean> {
    const t = this.totp.get(account);
    if (t?.state !== 'pending') return false;
    this.totp.set(account, { ...t, state: 'on', enabledAt: now, lastStep: step });
    this.recovery.set(account, new Set(hashes.map((h) => h.toString('hex'))));
    return true;
  }

  async deleteTotp(account: string, state: 'pending' | 'on'): Promise<boolean> {
    if (this.totp.get(account)?.state !== state) return false;
    this.totp.delete(account);
    this.recovery.delete(account);
    return true;
  }

  async useTotpStep(account: string, step: number): Promise<boolean> {
    const t = this.totp.get(account);
    if (t?.state !== 'on' || (t.lastStep !== null && t.lastStep >= step)) return false;
    this.totp.set(account, { ...t, lastStep: step });
    return true;
  }

  async consumeRecoveryCode(account: string, hash: Buffer): Promise<boolean> {
    return this.recovery.get(account)?.delete(hash.toString('hex')) ?? false;
  }

  async replaceRecoveryCodes(account: string, hashes: readonly Buffer[]): Promise<void> {
    this.recovery.set(account, new Set(hashes.map((h) => h.toString('hex'))));
  }

  async countRecoveryCodes(account: string): Promise<number> {
    return this.recovery.get(account)?.size ?? 0;
  }

  async takeRate(
    key: string,
    cost: number,
    bucket: RateBucket,
    nowMs: number,
  ): Promise<RateDecision> {
    const b = this.buckets.get(key);
    const have = b ? refill(b.tokens, b.atMs, nowMs, bucket) : bucket.capacity;
    if (have < cost) return { ok: false, retryAfterSeconds: retryAfter(have, cost, bucket) };
    this.buckets.set(key, { tokens: have - cost, atMs: Math.max(b?.atMs ?? nowMs, nowMs) });
    return { ok: true, retryAfterSeconds: 0 };
  }

  async refundRate(key: string, cost: number, bucket: RateBucket, nowMs: number): Promise<void> {
    const b = this.buckets.get(key);
    if (!b) return; // no bucket: it is full
    this.buckets.set(key, {
      tokens: Math.min(bucket.capacity, refill(b.tokens, b.atMs, nowMs, bucket) + cost),
      atMs: Math.max(b.atMs, nowMs),
    });
  }

  async pruneRates(beforeMs: number): Promise<number> {
    let n = 0;
    for (const [k, b] of this.buckets) if (b.atMs < beforeMs && this.buckets.delete(k)) n++;
    return n;
  }

  async close(): Promise<void> {}
}

/** byText orders as SQL's binary collation does (ORDER BY created_at, id). */
function byText(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}
