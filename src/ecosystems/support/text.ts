/**
 * Decoding attacker-controlled metadata text: every parser failure becomes an
 * InputError naming the file and field, never a raw SyntaxError.
 */
import { tomlLib, yamlLib } from './lazy-libs.js';
import { InputError } from '../../core/errors.js';

/** decodeUtf8 decodes bytes as UTF-8 (fatal on invalid sequences), dropping a BOM. */
export function decodeUtf8(
  bytes: Uint8Array,
  file: string,
  field: string,
  code = 'METADATA_INVALID',
): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new InputError(code, `${file}: ${field} is not valid UTF-8`, { file, field });
  }
}

/** isRecord tells a plain object (not null, not an array). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A text format that must hold an object: its name, what the object is called in it, its parser. */
interface ObjectFormat {
  readonly name: string;
  readonly holds: string;
  parse(text: string): unknown;
}

/** ObjectParser parses attacker-controlled text; every failure is an InputError `code` naming file and field. */
export type ObjectParser = (
  text: string,
  file: string,
  field: string,
  code?: string,
) => Record<string, unknown>;

/**
 * objectParser makes the parser of one format: a parse failure (its first
 * line) or a result that is not an object becomes an InputError naming the
 * file, the field and the format.
 */
function objectParser(format: ObjectFormat): ObjectParser {
  return (text, file, field, code = 'METADATA_INVALID') => {
    let v: unknown;
    try {
      v = format.parse(text);
    } catch (e) {
      const first = String((e as Error).message ?? e).split('\n')[0];
      throw new InputError(code, `${file}: ${field} is not valid ${format.name} (${first})`, {
        file,
        field,
      });
    }
    if (!isRecord(v))
      throw new InputError(code, `${file}: ${field} must hold a ${format.holds}`, { file, field });
    return v;
  };
}

/** parseJsonObject parses text that must hold a JSON object. */
export const parseJsonObject = objectParser({
  name: 'JSON',
  holds: 'JSON object',
  parse: (t) => JSON.parse(t) as unknown,
});

/** parseTomlObject parses TOML text (a TOML document is always a table). */
export const parseTomlObject = objectParser({
  name: 'TOML',
  holds: 'TOML table',
  parse: (t) => tomlLib().parse(t),
});

/**
 * parseYamlObject parses YAML with the failsafe schema: every scalar stays a
 * string, so a version "1.10" is not read as the number 1.1.
 */
export const parseYamlObject = objectParser({
  name: 'YAML',
  holds: 'YAML mapping',
  parse: (t) => yamlLib().parse(t, { schema: 'failsafe', uniqueKeys: true, maxAliasCount: 100 }),
});

/**
 * parseHeaderFields reads RFC 822-style "Key: value" fields with indented
 * continuation lines: Python core metadata (METADATA, PKG-INFO) and Debian
 * control / R DESCRIPTION files (DCF). Only the first paragraph is read (core
 * metadata puts the long description after a blank line). Keys keep their
 * spelling; a repeated key keeps every value.
 */
export function parseHeaderFields(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let lastKey: string | undefined;
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') break;
    if (/^[ \t]/.test(line)) {
      if (lastKey !== undefined) {
        const vals = out.get(lastKey)!;
        vals[vals.length - 1] += `\n${line.trim()}`;
      }
      continue;
    }
    const m = /^([^:\s][^:]*):[ \t]*(.*)$/.exec(line);
    if (!m) {
      lastKey = undefined;
      continue;
    }
    lastKey = m[1]!;
    const list = out.get(lastKey) ?? [];
    list.push(m[2]!.trim());
    out.set(lastKey, list);
  }
  return out;
}

/** str returns v when it is a non-empty string. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}
