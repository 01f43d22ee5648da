/**
 * Errors of the OpenPGP reader. Every parser here throws only {@link InputError}
 * (a SigilError) on attacker-controlled input; codes are public API.
 *
 * - `OPENPGP_ARMOR`     — ASCII armor is missing, truncated or not base64.
 * - `OPENPGP_PACKET`    — the binary packet stream is truncated or malformed.
 * - `OPENPGP_NO_SIGNATURE` — the input holds no signature packet.
 * - `OPENPGP_TOO_LARGE` — input exceeds a configured limit.
 */
import { InputError } from '../../core/errors.js';

export type OpenPGPErrorCode =
  | 'OPENPGP_ARMOR'
  | 'OPENPGP_PACKET'
  | 'OPENPGP_NO_SIGNATURE'
  | 'OPENPGP_TOO_LARGE'
  | 'OPENPGP_CLEARTEXT';

/** openpgpError builds the InputError thrown by every OpenPGP parser. */
export function openpgpError(
  code: OpenPGPErrorCode,
  message: string,
  options: { hint?: string; cause?: unknown; file?: string } = {},
): InputError {
  return new InputError(code, message, options);
}
