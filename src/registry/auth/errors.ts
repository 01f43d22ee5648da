/**
 * AuthError: a refusal by accounts and auth, with the HTTP status it maps to.
 * The JSON body is the registry's `{ error: { code, message, hint } }`.
 *
 * Codes are public API (clients branch on them):
 *   401 AUTH_REQUIRED        no `Authorization: Bearer` header
 *   401 TOKEN_MALFORMED      not a Sigil token, or its checksum is wrong (typo, truncated paste) — found offline
 *   401 TOKEN_INVALID        unknown, revoked or expired — one code and one message for all three,
 *                            so the answer says nothing about which tokens or accounts exist
 *   403 TOKEN_SCOPE          the token does not cover this action or namespace
 *   403 NAMESPACE_FORBIDDEN  the account may not act on this namespace
 *   401 OTP_REQUIRED         the account has two-factor on and no code was sent (`WWW-Authenticate: OTP`, what npm expects)
 *   401 OTP_INVALID          wrong, expired or already used code (one code for all: no oracle)
 *   429 RATE_LIMITED         too many requests (`Retry-After`)
 *   413 UPLOAD_TOO_LARGE     the body is larger than the route's limit (named in the message and `detail.limit`)
 * Administrative codes (CLI, exit 2): ACCOUNT_EXISTS, ACCOUNT_NOT_FOUND, ACCOUNT_NAME_INVALID,
 * NAMESPACE_INVALID, ACTION_INVALID, TOKEN_NOT_FOUND, TWO_FACTOR_STATE.
 */
import { SigilError } from '../../core/errors.js';
import { errorBody, type ErrorBody } from '../errors.js';

export type AuthErrorCode =
  | 'AUTH_REQUIRED'
  | 'TOKEN_MALFORMED'
  | 'TOKEN_INVALID'
  | 'TOKEN_SCOPE'
  | 'NAMESPACE_FORBIDDEN'
  | 'OTP_REQUIRED'
  | 'OTP_INVALID'
  | 'RATE_LIMITED'
  | 'UPLOAD_TOO_LARGE'
  | 'ACCOUNT_EXISTS'
  | 'ACCOUNT_NOT_FOUND'
  | 'ACCOUNT_NAME_INVALID'
  | 'NAMESPACE_INVALID'
  | 'ACTION_INVALID'
  | 'TOKEN_NOT_FOUND'
  | 'TWO_FACTOR_STATE';

export type AuthErrorBody = ErrorBody<AuthErrorCode>;

export class AuthError extends SigilError {
  declare readonly code: AuthErrorCode;

  constructor(
    code: AuthErrorCode,
    readonly status: number,
    message: string,
    options: {
      hint?: string;
      detail?: Record<string, unknown>;
      headers?: Record<string, string>;
    } = {},
  ) {
    super(code, message, options.hint === undefined ? {} : { hint: options.hint });
    this.detail = options.detail;
    this.headers = options.headers ?? {};
  }

  /** Extra facts for the client (`limit`, `retryAfterSeconds`). Never secrets, never the internal reason. */
  readonly detail: Record<string, unknown> | undefined;
  /** Response headers that belong to this refusal (`WWW-Authenticate`, `Retry-After`). */
  readonly headers: Readonly<Record<string, string>>;

  toJSON(): AuthErrorBody {
    return errorBody(this);
  }
}

const BEARER = 'Bearer realm="sigil"';

/** authError builds the one canonical refusal for a code, so every path answers a code with the same words. */
export function authError(
  code: AuthErrorCode,
  extra: {
    namespace?: string;
    action?: string;
    limit?: number;
    retryAfterSeconds?: number;
    covered?: readonly string[];
  } = {},
): AuthError {
  switch (code) {
    case 'AUTH_REQUIRED':
      return new AuthError(code, 401, 'this request needs a publish token', {
        hint: 'send "Authorization: Bearer sgl_…"; create a token with `sigil account token create`',
        headers: { 'www-authenticate': BEARER },
      });
    case 'TOKEN_MALFORMED':
      return new AuthError(
        code,
        401,
        'the token is not a well-formed Sigil token (wrong prefix, length or checksum)',
        {
          hint: 'tokens start with sgl_ and are 53 characters long; check for a copy/paste error',
          headers: { 'www-authenticate': `${BEARER}, error="invalid_token"` },
        },
      );
    case 'TOKEN_INVALID':
      return new AuthError(code, 401, 'the token is not valid (unknown, revoked or expired)', {
        hint: 'create a new token with `sigil account token create`',
        headers: { 'www-authenticate': `${BEARER}, error="invalid_token"` },
      });
    case 'TOKEN_SCOPE':
      return new AuthError(
        code,
        403,
        `the token does not allow ${extra.action ?? 'this action'}${extra.namespace ? ` on ${extra.namespace}` : ''}`,
        {
          hint: 'create a token with the right --namespace and --action',
          ...(extra.namespace
            ? { detail: { namespace: extra.namespace, action: extra.action } }
            : {}),
        },
      );
    case 'NAMESPACE_FORBIDDEN':
      if (extra.covered?.length) {
        // A pattern claim over namespaces someone else holds (the namespaces are public in the log; their owners are not named).
        return new AuthError(
          code,
          403,
          `this account may not claim ${extra.namespace ?? 'this pattern'}: it covers ${extra.covered.join(', ')}, held by another account`,
          {
            hint: 'a pattern never covers namespaces of other accounts; claim the packages you publish one by one, or ask their owners or a registry admin',
            detail: { namespace: extra.namespace, action: extra.action, covered: extra.covered },
          },
        );
      }
      return new AuthError(
        code,
        403,
        `this account may not ${extra.action ?? 'act'}${extra.namespace ? ` on ${extra.namespace}` : ''}`,
        {
          hint: "ask the namespace's owner or a registry admin to grant it (`sigil account grant`)",
          ...(extra.namespace
            ? { detail: { namespace: extra.namespace, action: extra.action } }
            : {}),
        },
      );
    case 'OTP_REQUIRED':
      // npm-registry-fetch turns a 401 whose WWW-Authenticate lists "OTP" into EOTP and prompts for a code.
      return new AuthError(
        code,
        401,
        'this operation requires a one-time password from your authenticator app',
        {
          hint: 'send it in the "npm-otp" or "x-sigil-otp" header (npm: --otp=123456)',
          headers: { 'www-authenticate': 'OTP' },
        },
      );
    case 'OTP_INVALID':
      return new AuthError(code, 401, 'the one-time password is wrong, expired or already used', {
        hint: 'each code works once; wait for the next code, and check that the clock of the device is right',
        headers: { 'www-authenticate': 'OTP' },
      });
    case 'RATE_LIMITED': {
      const s = extra.retryAfterSeconds ?? 1;
      return new AuthError(code, 429, `too many requests; try again in ${s} s`, {
        hint: 'slow down, or ask the operator to raise the limit',
        detail: { retryAfterSeconds: s },
        headers: { 'retry-after': String(s) },
      });
    }
    case 'UPLOAD_TOO_LARGE':
      return new AuthError(
        code,
        413,
        `the upload is larger than this registry's limit of ${extra.limit ?? '?'} bytes`,
        {
          hint: 'the operator sets the limit (`sigil serve --max-upload-bytes`)',
          ...(extra.limit !== undefined ? { detail: { limit: extra.limit } } : {}),
        },
      );
    default:
      return new AuthError(code, 400, code.toLowerCase().replace(/_/g, ' '));
  }
}
