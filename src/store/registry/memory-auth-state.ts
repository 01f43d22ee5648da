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

  async insertToken(t: Omit<TokenRow, 'revokedAt' | 'lastUsedAt'>): Promise<void> {
    if (!this.accounts.has(t.account)) throw new Error(`no account ${t.account}`);
    if ([...this.tokens.values()].some((x) => x.hash.equals(t.hash) || x.id === t.id))
      throw new Error('token id or hash exists');
    this.tokens.set(t.id, { ...t, revokedAt: null, lastUsedAt: null });
  }

  async tokenByHash(hash: Buffer): Promise<TokenRow | undefined> {
    return [...this.tokens.values()].find((t) => t.hash.equals(hash));
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

  async useTotpStep(account: string, step: number): Promise<boolean> {
    const t = this.totp.get(account);
    if (t?.state !== 'on' || (t.lastStep !== null && t.lastStep >= step)) return false;
    this.totp.set(account, { ...t, lastStep: step });
    return true;
  }

  async consumeRecoveryCode(account: string, hash: Buffer): Promise<boolean> {
    return this.recovery.get(account)?.delete(hash.toString('hex')) ?? false;
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
    this.buckets.set(key, { tokens: have - cost, atMs: nowMs });
    return { ok: true, retryAfterSeconds: 0 };
  }

  async close(): Promise<void> {}
}
