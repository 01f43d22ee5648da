/**
 * multipart/form-data (RFC 7578) read from a body already in memory: the
 * parts as slices of that buffer, no copies and no streams. The publish route
 * needs nothing more: its body is bounded by the route's body limit, and
 * the streaming parser (@fastify/multipart, used for twine's large uploads)
 * cost more CPU per 10 KB publish than the JSON form it replaces (issue 14
 * profile: streams, busboy state machines and per-request hooks).
 *
 * Strict on purpose: what a browser, fetch/undici, curl or requests send is
 * read; anything else (no closing delimiter, a part without a name, headers
 * that run on) is refused with a reason, never guessed at.
 */
import { RegistryError } from './errors.js';

export interface FormPart {
  readonly name: string;
  /** Present for a file part (`filename="…"` in its Content-Disposition). */
  readonly filename?: string;
  readonly data: Buffer;
}

/** A part's header block larger than this is refused (real ones are ~100 bytes). */
const MAX_PART_HEADER_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');

const bad = (why: string) =>
  new RegistryError(
    400,
    'BAD_REQUEST',
    `invalid multipart body: ${why}`,
    'send multipart/form-data as fetch, curl -F or a browser form writes it',
  );

/** boundaryOf reads the boundary parameter of a multipart/form-data content type (RFC 2046: 1–70 characters). */
export function boundaryOf(contentType: string): string {
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))\s*(?:;|$)/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw bad('the content type has no valid boundary parameter');
  return boundary;
}

/** parseMultipartForm splits a whole multipart/form-data body into its parts, at most `maxParts`. */
export function parseMultipartForm(body: Buffer, boundary: string, maxParts: number): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter))
    throw bad('the body does not start with the boundary');
  const parts: FormPart[] = [];
  let at = delimiter.length;
  for (;;) {
    // After a delimiter: "--" closes the form, CRLF opens a part (transport padding is not sent by real clients).
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts;
    if (body[at] !== 0x0d || body[at + 1] !== 0x0a)
      throw bad('a boundary is not followed by a line break or "--"');
    at += 2;
    if (parts.length === maxParts) throw bad(`more than ${maxParts} parts`);
    const headerEnd = body.indexOf(HEADER_END, at);
    if (headerEnd < 0 || headerEnd - at > MAX_PART_HEADER_BYTES)
      throw bad(
        headerEnd < 0 ? 'a part has no end of headers' : 'a part has too many header bytes',
      );
    const disposition = partDisposition(body.toString('utf8', at, headerEnd));
    const start = headerEnd + HEADER_END.length;
    const end = body.indexOf(next, start);
    if (end < 0) throw bad(`the part "${disposition.name}" is not closed by the boundary`);
    parts.push({ ...disposition, data: body.subarray(start, end) });
    at = end + next.length;
  }
}

/** partDisposition reads the name (and file name) from a part's headers. */
function partDisposition(headers: string): { name: string; filename?: string } {
  let disposition: string | undefined;
  for (const line of headers.split(CRLF.toString())) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw bad('a part header line has no name');
    if (line.slice(0, colon).trim().toLowerCase() === 'content-disposition') {
      if (disposition !== undefined) throw bad('a part has two Content-Disposition headers');
      disposition = line.slice(colon + 1).trim();
    }
  }
  if (disposition === undefined) throw bad('a part has no Content-Disposition header');
  const params = dispositionParams(disposition);
  const name = params.get('name');
  if (name === undefined || name === '') throw bad('a part has no name');
  const filename = params.get('filename');
  return filename === undefined ? { name } : { name, filename };
}

/** `form-data; name="a"; filename="b.tgz"` → {name: a, filename: b.tgz}; quoted strings may escape with a backslash. */
function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  const type = /^form-data\s*(;|$)/i.exec(value);
  if (!type) throw bad('a part is not form-data');
  let rest = value.slice(type[0].length);
  const param =
    /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s;"]*))\s*(;|$)/;
  while (rest.trim() !== '') {
    const m = param.exec(rest);
    if (!m) throw bad('a part has a malformed Content-Disposition');
    const key = m[1]!.toLowerCase();
    if (params.has(key)) throw bad(`a part's Content-Disposition names ${key} twice`);
    params.set(key, m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!);
    rest = rest.slice(m[0].length);
  }
  return params;
}
