/**
 * wantsHtml: whether a request's Accept header asks for a web page before any
 * machine format. Browsers send `text/html,application/xhtml+xml,…;q=0.9,*\/*;q=0.8`;
 * package managers send `application/json`, `application/vnd.npm.install-v1+json`,
 * `*\/*` or nothing. Only an explicit text/html preferred over JSON counts, so no
 * client that names JSON (or nothing) is ever handed a page.
 */
export function wantsHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam ? Number(qParam.slice(2)) : 1;
    if (!Number.isFinite(q)) continue;
    if (type === 'text/html' || type === 'application/xhtml+xml') html = Math.max(html, q);
    else if (type === 'application/json' || (type ?? '').endsWith('+json'))
      json = Math.max(json, q);
  }
  return html > 0 && html > json;
}
