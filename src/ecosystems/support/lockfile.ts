/**
 * Helpers shared by lockfile readers: errors that name the file and field,
 * and checked access to parsed documents (lockfiles are attacker-controlled
 * when they arrive in a pull request).
 */
import { InputError } from '../../core/errors.js';
import { decodeUtf8, isRecord, parseJsonObject, parseTomlObject } from './text.js';

/** lockError is the error every reader throws for malformed input. */
export function lockError(file: string, field: string, message: string, hint?: string): InputError {
  return new InputError(
    'LOCKFILE_INVALID',
    `${file}: ${field}: ${message}`,
    hint === undefined ? { file, field } : { file, field, hint },
  );
}

/** needString reads a required string field. */
export function needString(
  obj: Record<string, unknown>,
  key: string,
  file: string,
  field: string,
): string {
  const v = obj[key];
  if (typeof v !== 'string' || v === '')
    throw lockError(file, `${field}.${key}`, 'is missing or not a string');
  return v;
}

/** optString reads an optional string field (wrong type is still an error). */
export function optString(
  obj: Record<string, unknown>,
  key: string,
  file: string,
  field: string,
): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw lockError(file, `${field}.${key}`, 'is not a string');
  return v;
}

/** needRecord reads a required table/object field. */
export function needRecord(v: unknown, file: string, field: string): Record<string, unknown> {
  if (!isRecord(v)) throw lockError(file, field, 'is not a table/object');
  return v;
}

/** optArray reads an optional array field. */
export function optArray(v: unknown, file: string, field: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw lockError(file, field, 'is not an array');
  return v;
}

/** decodeLockText decodes a lockfile as UTF-8. */
export function decodeLockText(bytes: Uint8Array, file: string): string {
  return decodeUtf8(bytes, file, '(file)', 'LOCKFILE_INVALID');
}

/** HEX tests lowercase/uppercase hex of a given length. */
export function isHex(v: string, length: number): boolean {
  return v.length === length && /^[0-9a-fA-F]+$/.test(v);
}

/** readTomlLock decodes and parses a TOML lockfile (LOCKFILE_INVALID naming the file otherwise). */
export function readTomlLock(bytes: Uint8Array, file: string): Record<string, unknown> {
  return parseTomlObject(decodeLockText(bytes, file), file, '(file)', 'LOCKFILE_INVALID');
}

/** readJsonLock decodes and parses a JSON lockfile that must hold an object (LOCKFILE_INVALID otherwise). */
export function readJsonLock(bytes: Uint8Array, file: string): Record<string, unknown> {
  return parseJsonObject(decodeLockText(bytes, file), file, '(file)', 'LOCKFILE_INVALID');
}
