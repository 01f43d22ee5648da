/**
 * Sessions of the web UI: a random id in an HttpOnly, SameSite=Strict cookie
 * maps to the account and the token it signed in with. The rows live in a
 * {@link WebSessionState} every replica shares (registry.sqlite embedded,
 * PostgreSQL with replicas), keyed by the id's SHA-256, so a stolen copy of
 * the table signs nobody in. The token itself is never stored or put in a
 * URL; every request checks the token is still live, so revoking it ends its
 * sessions at once.
 */
import { createHash, randomBytes } from 'node:crypto';
import type {
  WebEnrolment,
  WebSessionRow,
  WebSessionState,
} from '../store/registry/web-session-state.js';

export const SESSION_COOKIE = 'sigil_session';
export const SESSION_TTL_MS = 8 * 60 * 60 * 1000;

/** Session: a live session, with the id it is known by (the cookie's value). */
export interface Session extends WebSessionRow {
  readonly id: string;
}

/** The cookie's value is attacker-controlled: anything but 32 base64url bytes names no session. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (id: string): Buffer => createHash('sha256').update(id).digest();

export class Sessions {
  constructor(
    private readonly state: WebSessionState,
    private readonly now: () => number = Date.now,
  ) {}

  /** create signs `account` in with `tokenId`; returns the cookie value. */
  async create(account: string, tokenId: string): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    const t = this.now();
    await this.state.create(hashOf(id), { account, tokenId, expiresAtMs: t + SESSION_TTL_MS }, t);
    return id;
  }

  async get(id: string | undefined): Promise<Session | undefined> {
    if (id === undefined || !SESSION_ID.test(id)) return undefined;
    const row = await this.state.session(hashOf(id), this.now());
    return row && { ...row, id };
  }

  /** setEnrolment shows an enrolment on this session's pages until cleared (null). */
  async setEnrolment(s: Session, enrolment: WebEnrolment | null): Promise<void> {
    await this.state.setEnrolment(hashOf(s.id), enrolment);
  }

  async end(id: string | undefined): Promise<void> {
    if (id !== undefined && SESSION_ID.test(id)) await this.state.end(hashOf(id));
  }
}
