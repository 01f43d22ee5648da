/**
 * The account pages: sign in with a token (form body, never a URL), list and
 * revoke the account's tokens, enrol two-factor with a server-rendered QR code,
 * show the recovery codes once. Every POST carries a CSRF token (double submit
 * with a secret in an HttpOnly cookie, @fastify/csrf-protection).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../registry/auth/service.js';
import { accountPage, type AccountPageData, signInPage } from './pages/account.js';
import { UI_PREFIX } from './paths.js';
import { qrSvg } from './qr.js';
import { sendPage } from './routes.js';
import { SESSION_COOKIE, SESSION_TTL_MS, type Session, type Sessions } from './sessions.js';

export interface AccountRoutesOptions {
  readonly auth: AuthService;
  readonly sessions: Sessions;
}

type Form = Record<string, string | undefined>;

export async function accountRoutes(
  app: FastifyInstance,
  opts: AccountRoutesOptions,
): Promise<void> {
  const { auth, sessions } = opts;
  const protect = { preHandler: app.csrfProtection };

  /** The live session of a request: its token must still be valid (revoked ⇒ signed out). */
  const sessionOf = async (req: FastifyRequest): Promise<Session | undefined> => {
    const id = req.cookies[SESSION_COOKIE];
    const s = await sessions.get(id);
    if (!s) return undefined;
    const live = (await auth.listTokens(s.account)).find((t) => t.id === s.tokenId);
    if (
      !live ||
      live.revokedAt !== null ||
      (live.expiresAt !== null && Date.parse(live.expiresAt) <= Date.now())
    ) {
      await sessions.end(id);
      return undefined;
    }
    return s;
  };

  const show = async (
    req: FastifyRequest,
    reply: FastifyReply,
    s: Session,
    extra: Partial<AccountPageData> = {},
  ) => {
    const a = await auth.account(s.account);
    const data: AccountPageData = {
      account: s.account,
      twoFactor: a.twoFactor,
      tokens: await auth.listTokens(s.account),
      currentTokenId: s.tokenId,
      csrf: reply.generateCsrf(),
      ...(s.enrolment && a.twoFactor === 'pending'
        ? { enrolment: { qr: await qrSvg(s.enrolment.uri), secret: s.enrolment.secret } }
        : {}),
      ...extra,
    };
    void req;
    return sendPage(reply, `Account ${s.account}`, accountPage(data), {
      status: extra.error ? 400 : 200,
    });
  };

  app.get('/account', async (req, reply) => {
    const s = await sessionOf(req);
    if (!s) return sendPage(reply, 'Sign in', signInPage(reply.generateCsrf()));
    return show(req, reply, s);
  });

  app.post('/account/sign-in', protect, async (req, reply) => {
    const token = ((req.body ?? {}) as Form)['token'] ?? '';
    const r = await auth.authenticate(`Bearer ${token.trim()}`);
    if (!r.ok)
      return sendPage(
        reply,
        'Sign in',
        signInPage(
          reply.generateCsrf(),
          'That token is not valid (unknown, revoked, expired or mistyped). Create one with `sigil account token create`.',
        ),
        { status: 401 },
      );
    const id = await sessions.create(r.principal.account, r.principal.tokenId);
    reply.setCookie(SESSION_COOKIE, id, {
      path: UI_PREFIX,
      httpOnly: true,
      sameSite: 'strict',
      secure: 'auto',
      maxAge: SESSION_TTL_MS / 1000,
    });
    return reply.redirect(`${UI_PREFIX}/account`, 303);
  });

  app.post('/account/sign-out', protect, async (req, reply) => {
    await sessions.end(req.cookies[SESSION_COOKIE]);
    reply.clearCookie(SESSION_COOKIE, { path: UI_PREFIX });
    return reply.redirect(`${UI_PREFIX}/account`, 303);
  });

  app.post('/account/tokens/revoke', protect, async (req, reply) => {
    const s = await sessionOf(req);
    if (!s) return reply.redirect(`${UI_PREFIX}/account`, 303);
    const id = ((req.body ?? {}) as Form)['id'] ?? '';
    // Only the account's own tokens: an id from another account is "not found", not revoked.
    if (!(await auth.listTokens(s.account)).some((t) => t.id === id))
      return show(req, reply, s, { error: `no token "${id}" belongs to ${s.account}` });
    await auth.revokeToken(id);
    if (id === s.tokenId) return reply.redirect(`${UI_PREFIX}/account`, 303); // signed out by its own revocation
    return show(req, reply, s, { message: `token ${id} revoked` });
  });

  app.post('/account/2fa/enable', protect, async (req, reply) => {
    const s = await sessionOf(req);
    if (!s) return reply.redirect(`${UI_PREFIX}/account`, 303);
    let enrolment;
    try {
      enrolment = await auth.enableTwoFactor(s.account);
    } catch (e) {
      return show(req, reply, s, { error: (e as Error).message });
    }
    await sessions.setEnrolment(s, enrolment); // shown again on any replica until confirmed
    return show(req, reply, { ...s, enrolment });
  });

  app.post('/account/2fa/confirm', protect, async (req, reply) => {
    const s = await sessionOf(req);
    if (!s) return reply.redirect(`${UI_PREFIX}/account`, 303);
    const code = ((req.body ?? {}) as Form)['code'] ?? '';
    try {
      const { recoveryCodes } = await auth.confirmTwoFactor(s.account, code);
      await sessions.setEnrolment(s, null);
      return show(
        req,
        reply,
        { ...s, enrolment: null },
        { recoveryCodes, message: 'two-factor authentication is on' },
      );
    } catch (e) {
      return show(req, reply, s, {
        error: `${(e as Error).message}: type the current 6-digit code from the app`,
      });
    }
  });
}
