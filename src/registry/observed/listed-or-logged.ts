/**
 * listedOrLogged: what the upstream lists now, tolerating an upstream that fails
 * (UpstreamError) while the log already holds releases of the package — those
 * are still served, from the log. Any other error, or a failing upstream with
 * nothing logged, is thrown: the proxy must not answer "no such package" for
 * an outage. undefined when the upstream failed or does not know the package.
 */
import { UpstreamError } from '../upstream/http.js';

export async function listedOrLogged<Listed>(
  logged: readonly unknown[],
  list: () => Promise<Listed | undefined>,
): Promise<Listed | undefined> {
  try {
    return await list();
  } catch (e) {
    if (!(e instanceof UpstreamError) || logged.length === 0) throw e;
    return undefined;
  }
}
