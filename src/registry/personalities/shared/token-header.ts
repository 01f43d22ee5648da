/**
 * bearerFromClientAuth: package clients send the registry token in their own
 * way; the auth guard reads `Authorization: Bearer <token>`. This rewrites the
 * header in an onRequest hook, before the guard runs:
 *
 *   twine, pip, composer   Authorization: Basic base64("__token__:<token>")  (any user name)
 *   cargo, gem             Authorization: <token>                             (the bare token)
 *
 * Attacker-controlled: a header that is neither is left alone, and the guard refuses it.
 */
import type { FastifyRequest } from 'fastify';

export function bearerFromClientAuth(req: FastifyRequest): void {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || h === '') return;
  const basic = /^Basic\s+([A-Za-z0-9+/=]{1,4096})$/i.exec(h.trim());
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0) req.headers.authorization = `Bearer ${decoded.slice(colon + 1)}`;
    return;
  }
  if (!/\s/.test(h.trim())) req.headers.authorization = `Bearer ${h.trim()}`;
}
