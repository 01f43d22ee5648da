/**
 * What the personalities of clients that upload through their own API (twine, cargo publish,
 * gem push) share: the options their routes take, the cache header of immutable files, and the
 * not-found refusal each renders in its client's terms.
 */
import type { AuthGuard } from '../../auth/http.js';
import type { AuthService } from '../../auth/service.js';
import { RegistryError } from '../../errors.js';
import type { RegistryContext } from '../../publish.js';

export interface ClientRoutesOptions<Proxy> {
  readonly ctx: RegistryContext;
  readonly maxUploadBytes: number;
  readonly auth?: { readonly guard: AuthGuard; readonly service: AuthService };
  /** The verifying proxy's side for this ecosystem, when `--upstream <eco>=…` is configured (docs/proxy.md). */
  readonly proxy?: Proxy;
}

/** Files named by version and digest never change: cached for a year. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

export const notFound = (what: string): RegistryError => new RegistryError(404, 'NOT_FOUND', what);
