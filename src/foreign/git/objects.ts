/**
 * Git tag and commit objects, split into the signed payload and the signature the
 * way git itself does (gpg-interface.c parse_signed_buffer, commit.c
 * parse_buffer_signed_by_header):
 * - a tag's signature is appended to its message, starting at the last line that
 *   begins an armored signature; everything before it is the payload;
 * - a commit's signature is its `gpgsig` header (continuation lines start with a
 *   space); the payload is the commit without that header.
 * Pure: bytes in, parts out.
 */
import { InputError } from '../../core/errors.js';

export type SignatureFormat = 'openpgp' | 'ssh' | 'x509';

const MARKERS: ReadonlyArray<[string, SignatureFormat]> = [
  ['-----BEGIN PGP SIGNATURE-----', 'openpgp'],
  ['-----BEGIN PGP MESSAGE-----', 'openpgp'],
  ['-----BEGIN SSH SIGNATURE-----', 'ssh'],
  ['-----BEGIN SIGNED MESSAGE-----', 'x509'],
];

export function signatureFormat(signature: string): SignatureFormat | undefined {
  return MARKERS.find(([m]) => signature.startsWith(m))?.[1];
}

export interface SignedParts {
  readonly payload: Buffer;
  readonly signature?: string;
  readonly format?: SignatureFormat;
}

export interface Identity {
  readonly name: string;
  readonly time: Date;
}

export interface GitTag extends SignedParts {
  readonly object: string;
  readonly type: string;
  readonly tag: string;
  readonly tagger?: Identity;
  readonly message: string;
}

export interface GitCommit extends SignedParts {
  readonly tree: string;
  readonly parents: readonly string[];
  readonly committer?: Identity;
}

const utf8 = (latin1: string): string => Buffer.from(latin1, 'latin1').toString('utf8');

function parseIdentity(value: string): Identity | undefined {
  const m = /^(.*) (\d+) [+-]\d{4}$/.exec(value);
  return m ? { name: utf8(m[1]!), time: new Date(Number(m[2]) * 1000) } : undefined;
}

/** headerLines reads the header block (until the first empty line) as [key, value] with continuations joined. */
function headerOf(text: string, what: string): { headers: Array<[string, string]>; body: string } {
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text : text.slice(0, end);
  const body = end < 0 ? '' : text.slice(end + 2);
  const headers: Array<[string, string]> = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && headers.length > 0)
      headers[headers.length - 1]![1] += `\n${line.slice(1)}`;
    else {
      const sp = line.indexOf(' ');
      if (sp <= 0)
        throw new InputError(
          'GIT_OBJECT_MALFORMED',
          `${what}: header line "${line.slice(0, 60)}" has no value`,
        );
      headers.push([line.slice(0, sp), line.slice(sp + 1)]);
    }
  }
  return { headers, body };
}

export function parseTag(bytes: Buffer, what = 'tag object'): GitTag {
  // latin1 maps bytes 1:1, so offsets and payload bytes are exact whatever the encoding.
  const text = bytes.toString('latin1');
  // The signature starts at the last line that begins an armored block.
  let sigStart = -1;
  let format: SignatureFormat | undefined;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const line = text.slice(pos, nl < 0 ? text.length : nl);
    const f = MARKERS.find(([m]) => line.startsWith(m));
    if (f) {
      sigStart = pos;
      format = f[1];
    }
    if (nl < 0) break;
    pos = nl + 1;
  }
  const payloadText = sigStart < 0 ? text : text.slice(0, sigStart);
  const { headers, body } = headerOf(payloadText, what);
  const get = (k: string): string | undefined => headers.find(([h]) => h === k)?.[1];
  const object = get('object');
  const type = get('type');
  const tag = get('tag');
  if (!object || !type || tag === undefined)
    throw new InputError(
      'GIT_OBJECT_MALFORMED',
      `${what}: a tag needs object, type and tag headers`,
    );
  const tagger = get('tagger') !== undefined ? parseIdentity(get('tagger')!) : undefined;
  const signature = sigStart < 0 ? undefined : text.slice(sigStart);
  return {
    object,
    type,
    tag: utf8(tag),
    ...(tagger ? { tagger } : {}),
    message: utf8(body),
    // The payload is the exact bytes before the signature (byte offsets: the text is utf8 of the same bytes).
    payload: sigStart < 0 ? bytes : Buffer.from(payloadText, 'latin1'),
    ...(signature !== undefined ? { signature, format: format! } : {}),
  };
}

export function parseCommit(bytes: Buffer, what = 'commit object'): GitCommit {
  // latin1 maps bytes 1:1, so offsets and payload bytes are exact whatever the encoding.
  const text = bytes.toString('latin1');
  const headEnd = text.indexOf('\n\n');
  const head = headEnd < 0 ? text : text.slice(0, headEnd);
  const rest = headEnd < 0 ? '' : text.slice(headEnd);
  const kept: string[] = [];
  const sigLines: string[] = [];
  let inSig = false;
  for (const line of head.split('\n')) {
    if (line.startsWith('gpgsig ')) {
      inSig = true;
      sigLines.push(line.slice('gpgsig '.length));
    } else if (inSig && line.startsWith(' ')) sigLines.push(line.slice(1));
    else {
      inSig = false;
      kept.push(line);
    }
  }
  const { headers } = headerOf(kept.join('\n'), what);
  const tree = headers.find(([h]) => h === 'tree')?.[1];
  if (!tree) throw new InputError('GIT_OBJECT_MALFORMED', `${what}: a commit needs a tree header`);
  const committerRaw = headers.find(([h]) => h === 'committer')?.[1];
  const committer = committerRaw !== undefined ? parseIdentity(committerRaw) : undefined;
  const signature = sigLines.length > 0 ? `${sigLines.join('\n')}\n` : undefined;
  return {
    tree,
    parents: headers.filter(([h]) => h === 'parent').map(([, v]) => v),
    ...(committer ? { committer } : {}),
    payload: Buffer.from(kept.join('\n') + rest, 'latin1'),
    ...(signature !== undefined
      ? { signature, format: signatureFormat(signature) ?? 'openpgp' }
      : {}),
  };
}
