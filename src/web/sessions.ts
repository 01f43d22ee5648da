/**
 * Sessions of the web UI: a random id in an HttpOnly, SameSite=Strict cookie
 * maps, in this process's memory only, to the account and the token it signed
 * in with. The token itself is never stored or put in a URL; every request
 * checks the token is still live, so revoking it ends its sessions at once.
 */
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'sigil_session';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export interface Session {
  readonly account: string;
  readonly tokenId: string;
  readonly expiresAt: number;
  /** A two-factor enrolment in progress: shown again until confirmed. */
  enrolment?: { uri: string; secret: string };
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(account: string, tokenId: string): string {
    if (this.byId.size >= MAX_SESSIONS) this.sweep();
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!); // oldest first
    const id = randomBytes(32).toString('base64url');
    this.byId.set(id, { account, tokenId, expiresAt: this.now() + SESSION_TTL_MS });
    return id;
  }

  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expiresAt <= this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    return s;
  }

  end(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.byId) if (s.expiresAt <= t) this.byId.delete(id);
  }
}
