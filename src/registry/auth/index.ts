/** Accounts and auth for `sigil serve`: tokens, scopes, TOTP two-factor, rate limits, fastify glue. */
export {
  TOKEN_PREFIX,
  TOKEN_LENGTH,
  generateToken,
  checkTokenFormat,
  hashToken,
} from './tokens.js';
export type { TokenFormatProblem } from './tokens.js';
export {
  TOTP_PERIOD,
  TOTP_DIGITS,
  TOTP_WINDOW,
  hotp,
  totp,
  totpStep,
  matchTotp,
  base32Encode,
  base32Decode,
  generateTotpSecret,
  otpauthUri,
} from './totp.js';
export { RateLimiter, systemClock } from './rate-limit.js';
export type { Clock, RateLimit, RateDecision } from './rate-limit.js';
export {
  ACTIONS,
  isAction,
  parseActions,
  normalizeNamespace,
  covers,
  coveringPatterns,
} from './scope.js';
export type { Action } from './scope.js';
export { AuthError, authError } from './errors.js';
export type { AuthErrorCode, AuthErrorBody } from './errors.js';
export { AuthService, RECOVERY_CODE_COUNT } from './service.js';
export type {
  Principal,
  AuthenticateResult,
  AuthorizeResult,
  SecondFactorResult,
  TokenInfo,
  CreateTokenOptions,
} from './service.js';
export {
  createAuthGuard,
  sendAuthError,
  toAuthError,
  uploadLimit,
  DEFAULT_LIMITS,
} from './http.js';
export type {
  AuthContext,
  AuthGuard,
  AuthGuardOptions,
  AuthLimits,
  RequireAuthOptions,
} from './http.js';
export { AccountStore } from '../../store/registry/accounts.js';
export type { AccountRow, GrantRow, TokenRow, TotpRow } from '../../store/registry/accounts.js';
