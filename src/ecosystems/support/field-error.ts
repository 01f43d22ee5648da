/**
 * fieldError is the error an identifier throws for a malformed artifact:
 * the message names the file, and the detail carries file, field and an
 * optional hint for programs.
 */
import { InputError } from '../../core/errors.js';

export function fieldError(
  code: string,
  file: string,
  field: string,
  message: string,
  hint?: string,
): InputError {
  return new InputError(
    code,
    `${file}: ${message}`,
    hint ? { file, field, hint } : { file, field },
  );
}
