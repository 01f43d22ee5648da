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

  toJSON(): ErrorBody<string> {
    return errorBody(this);
  }
}

/** The JSON body of every refusal, registry or auth: `{ error: { code, message, hint?, detail? } }`. */
export interface ErrorBody<Code extends string> {
  error: { code: Code; message: string; hint?: string; detail?: Record<string, unknown> };
}

/** errorBody renders a refusal; an absent hint or detail is left out rather than sent as null. */
export function errorBody<Code extends string>(e: {
  readonly code: Code;
  readonly message: string;
  readonly hint?: string | undefined;
  readonly detail?: Record<string, unknown> | undefined;
}): ErrorBody<Code> {
  return {
    error: {
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.detail ? { detail: e.detail } : {}),
    },
  };
}
