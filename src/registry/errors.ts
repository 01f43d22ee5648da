/**
 * RegistryError: a refusal the HTTP layer turns into a status and a JSON body
 * `{ error: { code, message, hint } }`. Codes are public API.
 */
export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly detail?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  toJSON(): {
    error: { code: string; message: string; hint?: string; detail?: Record<string, unknown> };
  } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.hint ? { hint: this.hint } : {}),
        ...(this.detail ? { detail: this.detail } : {}),
      },
    };
  }
}
