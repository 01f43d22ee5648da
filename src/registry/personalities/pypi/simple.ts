/**
 * The Simple Repository API, rendered from release rows. Pure.
 *
 * - PEP 503: HTML, one `<a>` per file, `#sha256=<hex>` fragment (pip checks it);
 * - PEP 691: the same as JSON (`application/vnd.pypi.simple.v1+json`), chosen by Accept;
 * - PEP 592: `data-yanked` / `"yanked"`;
 * - PEP 658/714: `data-dist-info-metadata` and `data-core-metadata` = `sha256=<hex>` of the
 *   file's METADATA, served at `<file URL>.metadata` (wheels only: an sdist's PKG-INFO is
 *   reliable only from Metadata-Version 2.2 without Dynamic fields, PEP 643);
 *   In JSON only `core-metadata` (PEP 714) is written: pip 22.3–23.0 (Debian bookworm's 23.0.1)
 *   crashes on the dict form of the old `dist-info-metadata` key ("unhashable type: 'dict'").
 * - PEP 700 (api-version 1.1): `versions`, `size`, `upload-time`.
 *
 * Sigil's own facts ride in `_sigil` keys (PEP 691 reserves leading-underscore keys for the
 * index server): the release record URL, with the log proofs, and whether the author signed.
 */

export const SIMPLE_JSON = 'application/vnd.pypi.simple.v1+json';
export const SIMPLE_HTML = 'application/vnd.pypi.simple.v1+html';

export interface SimpleFile {
  readonly filename: string;
  readonly url: string;
  /** "" when unknown (an upstream index that lists no hash). */
  readonly sha256: string;
  readonly size: number;
  readonly uploadTime: string;
  readonly version: string;
  readonly requiresPython?: string;
  /** sha256 of the METADATA file served at `<url>.metadata`, when there is one. */
  readonly metadataSha256?: string;
  /** undefined: not yanked; "" yanked without a reason. */
  readonly yanked?: string;
  readonly record: string;
  readonly signedByAuthor: boolean;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * chooseSimpleFormat picks the representation by the Accept header's q-values (PEP 691
 * "Version + Format Selection"): JSON only when asked for; HTML otherwise.
 */
export function chooseSimpleFormat(accept: string | undefined): { type: string; json: boolean } {
  let best = { type: 'text/html', json: false, q: 0.0001 };
  for (const part of (accept ?? '').split(',')) {
    const [mime, ...params] = part
      .trim()
      .split(';')
      .map((s) => s.trim());
    const qp = params.find((p) => p.startsWith('q='));
    const q = qp ? Number(qp.slice(2)) : 1;
    if (!Number.isFinite(q) || q <= 0) continue;
    const cand =
      mime === SIMPLE_JSON
        ? { type: SIMPLE_JSON, json: true }
        : mime === SIMPLE_HTML
          ? { type: SIMPLE_HTML, json: false }
          : mime === 'text/html'
            ? { type: 'text/html', json: false }
            : undefined;
    if (cand && q > best.q) best = { ...cand, q };
  }
  return {
    type: best.type === 'text/html' ? 'text/html; charset=utf-8' : best.type,
    json: best.json,
  };
}

/** projectListHtml is `/simple/`: every project, linked by its normalized name. */
export function projectListHtml(names: readonly string[]): string {
  const links = names.map((n) => `<a href="${esc(n)}/">${esc(n)}</a><br/>`).join('\n');
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1"><title>Simple index</title></head><body>\n${links}\n</body></html>\n`;
}

export function projectListJson(names: readonly string[]): Record<string, unknown> {
  return { meta: { 'api-version': '1.1' }, projects: names.map((name) => ({ name })) };
}

/** projectHtml is `/simple/<name>/` (PEP 503 + 592 + 658 + 714 attributes). */
export function projectHtml(name: string, files: readonly SimpleFile[]): string {
  const links = files.map((f) => {
    const attrs = [`href="${esc(f.url)}${f.sha256 ? `#sha256=${f.sha256}` : ''}"`];
    if (f.requiresPython) attrs.push(`data-requires-python="${esc(f.requiresPython)}"`);
    if (f.metadataSha256)
      attrs.push(
        `data-dist-info-metadata="sha256=${f.metadataSha256}"`,
        `data-core-metadata="sha256=${f.metadataSha256}"`,
      );
    if (f.yanked !== undefined) attrs.push(`data-yanked="${esc(f.yanked)}"`);
    return `<a ${attrs.join(' ')}>${esc(f.filename)}</a><br/>`;
  });
  return `<!DOCTYPE html>\n<html><head><meta name="pypi:repository-version" content="1.1"><title>Links for ${esc(name)}</title></head><body><h1>Links for ${esc(name)}</h1>\n${links.join('\n')}\n</body></html>\n`;
}

export function projectJson(name: string, files: readonly SimpleFile[]): Record<string, unknown> {
  return {
    meta: { 'api-version': '1.1' },
    name,
    versions: [...new Set(files.map((f) => f.version))],
    files: files.map((f) => ({
      filename: f.filename,
      url: f.url,
      hashes: f.sha256 ? { sha256: f.sha256 } : {},
      ...(f.requiresPython ? { 'requires-python': f.requiresPython } : {}),
      'core-metadata': f.metadataSha256 ? { sha256: f.metadataSha256 } : false,
      yanked: f.yanked === undefined ? false : f.yanked === '' ? true : f.yanked,
      size: f.size,
      'upload-time': f.uploadTime,
      _sigil: { record: f.record, signedByAuthor: f.signedByAuthor },
    })),
  };
}
