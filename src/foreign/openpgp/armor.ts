/**
 * ASCII armor (RFC 9580 §6), read the tolerant way.
 *
 * Real-world `.asc` files are often slightly malformed. This reader accepts
 * what GnuPG's `gpgv` accepts: CRLF or LF line ends, trailing whitespace on
 * any line, a missing blank line between the armor headers and the body, a
 * missing CRC24 line, and text before or after the armored block. (gpgv
 * also reads a block whose blank line is missing but then exits 2, "invalid
 * armor header"; Sequoia accepts it: {@link ArmorBlock.blankLine} lets the
 * policy decide.) It refuses
 * anything that is not base64 inside the body and a truncated block (no END
 * line). A CRC24 that is present but wrong is reported (`crc: 'mismatch'`),
 * not thrown: RFC 9580 §6.1 says an implementation must not reject an object
 * for it (Sequoia ignores it), whereas gpgv refuses it — the caller's policy
 * decides.
 */
import { openpgpError } from './errors.js';

/** ArmorBlock is one `-----BEGIN PGP …-----` … `-----END PGP …-----` block. */
export interface ArmorBlock {
  /** The label, e.g. "SIGNATURE", "PUBLIC KEY BLOCK", "SIGNED MESSAGE". */
  readonly label: string;
  readonly headers: readonly (readonly [string, string])[];
  /** The decoded binary body. Empty for "SIGNED MESSAGE" (see {@link parseCleartext}). */
  readonly data: Uint8Array;
  /** 'ok', 'mismatch' or 'absent'. */
  readonly crc: 'ok' | 'mismatch' | 'absent';
  /** False when the blank line between armor headers and body was missing (gpgv: "invalid armor header", exit 2). */
  readonly blankLine: boolean;
}

const BEGIN = /^-----BEGIN PGP ([A-Z0-9 ,/]+)-----$/;
const END = /^-----END PGP ([A-Z0-9 ,/]+)-----$/;
const HEADER = /^([\x21-\x39\x3b-\x7e]+): ?(.*)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** MAX_ARMOR_BYTES bounds the input the armor reader accepts (64 MiB). */
export const MAX_ARMOR_BYTES = 64 * 1024 * 1024;

/** looksArmored says whether bytes look like ASCII armor rather than binary OpenPGP packets. */
export function looksArmored(bytes: Uint8Array): boolean {
  // A binary packet stream starts with a byte that has the high bit set (RFC 9580 §4.2).
  const first = bytes.findIndex((b) => b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d);
  if (first < 0) return false;
  if ((bytes[first]! & 0x80) !== 0) return false;
  return latin1(bytes.subarray(0, Math.min(bytes.length, 1 << 20))).includes('-----BEGIN PGP ');
}

/** splitLines splits text on LF, removing a CR before it and trailing spaces/tabs (gpgv does the same). */
export function splitLines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/[ \t\r]+$/, ''));
}

/**
 * parseArmor decodes every armored block in the input, in order.
 * Throws InputError `OPENPGP_ARMOR` when there is none, or a block is truncated or not base64.
 */
export function parseArmor(bytes: Uint8Array): ArmorBlock[] {
  if (bytes.length > MAX_ARMOR_BYTES)
    throw openpgpError(
      'OPENPGP_TOO_LARGE',
      `armored input is ${bytes.length} bytes, over the ${MAX_ARMOR_BYTES}-byte limit`,
    );
  const lines = splitLines(latin1(bytes));
  const blocks: ArmorBlock[] = [];
  let i = 0;
  while (i < lines.length) {
    const m = BEGIN.exec(lines[i]!);
    if (!m) {
      i++;
      continue;
    }
    const label = m[1]!;
    i++;
    if (label === 'SIGNED MESSAGE') {
      // The cleartext framework (RFC 9580 §7): skip to the signature block that follows.
      blocks.push({ label, headers: [], data: new Uint8Array(0), crc: 'absent', blankLine: true });
      while (i < lines.length && !/^-----BEGIN PGP SIGNATURE-----$/.test(lines[i]!)) i++;
      continue;
    }
    const block = readBlock(lines, i, label);
    blocks.push(block.block);
    i = block.next;
  }
  if (blocks.length === 0)
    throw openpgpError('OPENPGP_ARMOR', 'no "-----BEGIN PGP …-----" armor line found', {
      hint: 'is this a binary signature or key? it is read as binary when it does not start with armor',
    });
  return blocks;
}

function readBlock(
  lines: string[],
  start: number,
  label: string,
): { block: ArmorBlock; next: number } {
  let i = start;
  const headers: [string, string][] = [];
  let blankLine = false;
  // Armor headers until a blank line. gpgv tolerates the blank line being absent:
  // the first line that is not "Key: value" starts the body.
  while (i < lines.length) {
    const line = lines[i]!;
    if (line === '') {
      i++;
      blankLine = true;
      break;
    }
    const h = HEADER.exec(line);
    if (h && !BASE64.test(line)) {
      headers.push([h[1]!, h[2]!]);
      i++;
      continue;
    }
    break;
  }
  let body = '';
  let crcText: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i]!.replace(/^[ \t]+/, '');
    const end = END.exec(line);
    if (end) {
      if (end[1] !== label)
        throw openpgpError(
          'OPENPGP_ARMOR',
          `armor block "BEGIN PGP ${label}" ends with "END PGP ${end[1]}"`,
        );
      return { block: finish(label, headers, body, crcText, blankLine), next: i + 1 };
    }
    if (line === '') continue;
    if (/^=[A-Za-z0-9+/]{4}$/.test(line)) {
      crcText = line.slice(1);
      continue;
    }
    if (!BASE64.test(line))
      throw openpgpError('OPENPGP_ARMOR', `armor block "${label}": line ${i + 1} is not base64`);
    body += line;
  }
  throw openpgpError(
    'OPENPGP_ARMOR',
    `armor block "${label}" is truncated: no "-----END PGP ${label}-----" line`,
  );
}

function finish(
  label: string,
  headers: [string, string][],
  body: string,
  crcText: string | undefined,
  blankLine: boolean,
): ArmorBlock {
  // Padding may only end the body; a stray "=" in the middle means a corrupted body.
  if (/=[^=]/.test(body) || body.length % 4 === 1)
    throw openpgpError('OPENPGP_ARMOR', `armor block "${label}": base64 body is malformed`);
  const data = new Uint8Array(Buffer.from(body, 'base64'));
  let crc: ArmorBlock['crc'] = 'absent';
  if (crcText !== undefined) {
    const want = Buffer.from(crcText, 'base64');
    const got = crc24(data);
    crc =
      want.length === 3 &&
      want[0] === got >> 16 &&
      want[1] === ((got >> 8) & 0xff) &&
      want[2] === (got & 0xff)
        ? 'ok'
        : 'mismatch';
  }
  return { label, headers, data, crc, blankLine };
}

/** crc24 is the armor checksum of RFC 9580 §6.1.1. */
export function crc24(data: Uint8Array): number {
  let crc = 0xb704ce;
  for (const b of data) {
    crc ^= b << 16;
    for (let k = 0; k < 8; k++) {
      crc <<= 1;
      if (crc & 0x1000000) crc ^= 0x1864cfb;
    }
  }
  return crc & 0xffffff;
}

/** Cleartext is a clear-signed message split into its signed text and its signature block. */
export interface Cleartext {
  /** The "Hash:" header values, e.g. ["SHA256"]. */
  readonly hashHeaders: readonly string[];
  /** The signed text with dash-escaping removed and trailing whitespace stripped, lines joined by CRLF (RFC 9580 §7.2). */
  readonly text: Uint8Array;
  /** The armored signature block that follows the text. */
  readonly signature: ArmorBlock;
}

/**
 * parseCleartext reads a clear-signed message (RFC 9580 §7), as `InRelease`
 * and CPAN `SIGNATURE` files are. Throws InputError `OPENPGP_CLEARTEXT` when
 * the framework is missing or truncated.
 */
export function parseCleartext(bytes: Uint8Array): Cleartext {
  if (bytes.length > MAX_ARMOR_BYTES)
    throw openpgpError(
      'OPENPGP_TOO_LARGE',
      `clear-signed input is ${bytes.length} bytes, over the ${MAX_ARMOR_BYTES}-byte limit`,
    );
  // The text is UTF-8; decode losslessly as latin1 here and re-encode as latin1 below,
  // so the bytes hashed are exactly the bytes in the file.
  const lines = splitLines(latin1(bytes));
  let i = lines.findIndex((l) => l === '-----BEGIN PGP SIGNED MESSAGE-----');
  if (i < 0)
    throw openpgpError(
      'OPENPGP_CLEARTEXT',
      'no "-----BEGIN PGP SIGNED MESSAGE-----" line: not a clear-signed message',
    );
  i++;
  const hashHeaders: string[] = [];
  for (; i < lines.length && lines[i] !== ''; i++) {
    const h = HEADER.exec(lines[i]!);
    if (!h)
      throw openpgpError(
        'OPENPGP_CLEARTEXT',
        `clear-signed message: bad armor header line ${JSON.stringify(lines[i]!.slice(0, 80))}`,
      );
    if (h[1] === 'Hash') hashHeaders.push(...h[2]!.split(',').map((s) => s.trim()));
  }
  if (i >= lines.length)
    throw openpgpError('OPENPGP_CLEARTEXT', 'clear-signed message is truncated after its headers');
  i++;
  const textLines: string[] = [];
  for (; i < lines.length && lines[i] !== '-----BEGIN PGP SIGNATURE-----'; i++) {
    const l = lines[i]!;
    textLines.push(l.startsWith('- ') ? l.slice(2) : l);
  }
  if (i >= lines.length)
    throw openpgpError(
      'OPENPGP_CLEARTEXT',
      'clear-signed message has no "-----BEGIN PGP SIGNATURE-----" block',
    );
  const sig = readBlock(lines, i + 1, 'SIGNATURE').block;
  return {
    hashHeaders,
    text: new Uint8Array(Buffer.from(textLines.join('\r\n'), 'latin1')),
    signature: sig,
  };
}

function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}
