/**
 * Refusals for the package-client personalities (pypi, cargo, …): one mapping
 * of what the pipeline, the auth guard and fastify raise to a status, a code,
 * a message and a hint; each personality renders it in its client's terms
 * (twine prints the HTTP reason phrase, cargo prints `errors[].detail`, …).
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuthError } from '../../auth/errors.js';
import { toAuthError } from '../../auth/http.js';
import { RegistryError } from '../../errors.js';
import { StorageError } from '../../../store/contract.js';
import { isStorageFull } from '../../../store/storage-full.js';
import { isUnavailable, UNAVAILABLE_RETRY_SECONDS } from '../../../store/scale/unavailable.js';
import { bearerFromClientAuth } from './token-header.js';

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly hint?: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** refusalOf: an AuthError or RegistryError as a refusal (the same fields, each its own headers). */
function refusalOf(
  e: AuthError | RegistryError,
  headers: Readonly<Record<string, string>>,
): Refusal {
  return {
    status: e.status,
    code: e.code,
    message: e.message,
    ...(e.hint ? { hint: e.hint } : {}),
    headers,
  };
}

/** toRefusal maps an error to a refusal; undefined means an internal failure (answered 500, logged). */
export function toRefusal(
  err: unknown,
  req: FastifyRequest,
  maxUploadBytes: number,
): Refusal | undefined {
  const a = toAuthError(err, req);
  if (a instanceof AuthError) return refusalOf(a, a.headers);
  if (err instanceof RegistryError) return refusalOf(err, {});
  // The storage's own failures: temporary ones are pushback (nothing was stored; retry), a
  // lasting one is the registry's fault, named without the server's paths (those go to its log).
  if (isUnavailable(err))
    return {
      status: 503,
      code: 'STORAGE_UNAVAILABLE',
      message: "the registry's storage cannot be reached right now: nothing was stored",
      hint: `retry in ${UNAVAILABLE_RETRY_SECONDS} s`,
      headers: { 'retry-after': String(UNAVAILABLE_RETRY_SECONDS) },
    };
  if (isStorageFull(err))
    return {
      status: 507,
      code: 'STORAGE_FULL',
      message: "the registry's storage is full: nothing was stored",
      hint: 'retry later; the operator must free space',
      headers: { 'retry-after': '30' },
    };
  if (err instanceof StorageError)
    return {
      status: 500,
      code: 'STORAGE_ERROR',
      message:
        "the registry's storage failed this request (a stored artifact that does not match its digest is never served)",
      hint: 'the operator finds the cause in the server log and restores the artifact from a backup',
      headers: {},
    };
  const fe = err as Partial<FastifyError>;
  if (
    fe.statusCode === 413 ||
    fe.code === 'FST_REQ_FILE_TOO_LARGE' ||
    fe.code === 'FST_PARTS_LIMIT' ||
    fe.code === 'FST_FILES_LIMIT' ||
    fe.code === 'FST_FIELDS_LIMIT'
  ) {
    return {
      status: 413,
      code: 'UPLOAD_TOO_LARGE',
      message: `the upload is larger than this registry's limit of ${maxUploadBytes} bytes`,
      hint: 'the limit is set with `sigil serve --max-upload-bytes`',
      headers: {},
    };
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500)
    return {
      status: fe.statusCode,
      code: 'BAD_REQUEST',
      message: fe.message ?? 'bad request',
      headers: {},
    };
  return undefined;
}

/** installRefusals sets the plugin's error handler: refusals rendered by `render`, anything else a logged 500. */
export function installRefusals(
  app: {
    setErrorHandler: (
      h: (err: Error, req: FastifyRequest, reply: FastifyReply) => unknown,
    ) => unknown;
  },
  maxUploadBytes: number,
  render: (reply: FastifyReply, r: Refusal) => FastifyReply,
): void {
  app.setErrorHandler((err, req, reply) => {
    const r = toRefusal(err, req, maxUploadBytes);
    if (r?.status === 500 || r?.status === 507) req.log.error(err); // the operator needs the cause (not pushback)
    if (r) {
      for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
      return render(reply, r);
    }
    req.log.error(err);
    return render(reply, {
      status: 500,
      code: 'INTERNAL',
      message: 'the registry failed to handle this request',
      hint: 'see the server log',
      headers: {},
    });
  });
}

/** reasonPhrase makes a message safe for an HTTP status line (one line, latin1, bounded). */
export function reasonPhrase(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 1000);
}

/**
 * authRefusal renders an auth refusal for a client that cannot send a one-time password
 * (twine, cargo, gem push): OTP_REQUIRED then says what to run instead of pointing at a header.
 */
export function authRefusal(e: AuthError, otpAlternative: string): Refusal {
  const hint =
    e.code === 'OTP_REQUIRED' ? `this client cannot send one; ${otpAlternative}` : e.hint;
  return {
    status: e.status,
    code: e.code,
    message: e.message,
    ...(hint ? { hint } : {}),
    headers: e.headers,
  };
}

/**
 * writeAuthHook is the onRequest hook of a personality's write routes: the client's token
 * (however it sends it) is checked for the publish action before the body is read, and a
 * refusal is rendered in the client's terms, naming what to run when it cannot send an OTP.
 */
export function writeAuthHook(
  auth:
    | { readonly guard: { check(req: FastifyRequest, action: 'publish'): Promise<unknown> } }
    | undefined,
  render: (reply: FastifyReply, r: Refusal) => FastifyReply,
  otpAlternative: string,
): { onRequest: (req: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined> } {
  return {
    onRequest: async (req, reply) => {
      bearerFromClientAuth(req);
      if (!auth) return undefined;
      try {
        await auth.guard.check(req, 'publish');
      } catch (e) {
        if (e instanceof AuthError) {
          for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
          return render(reply, authRefusal(e, otpAlternative));
        }
        throw e;
      }
      return undefined;
    },
  };
}
