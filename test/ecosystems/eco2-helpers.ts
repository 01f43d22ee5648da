/** Test helpers for the eco2 adapters: artifacts from files or bytes, tool lookup, error capture. */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/core/errors.js';
import type { Artifact } from '../../src/ecosystems/adapter.js';

export const FIXTURES = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  'fixtures',
  'ecosystems',
);

export function fixture(eco: string, name: string): string {
  return join(FIXTURES, eco, name);
}

export function bytesArtifact(name: string, data: Uint8Array, chunk = 777): Artifact {
  const buf = Buffer.from(data);
  return {
    name,
    size: buf.length,
    async *open() {
      for (let i = 0; i < buf.length; i += chunk) yield buf.subarray(i, i + chunk);
    },
    bytes: async () => buf,
  };
}

export function fileArtifact(path: string): Artifact {
  const a = bytesArtifact(basename(path), readFileSync(path));
  return { ...a, path, size: statSync(path).size };
}

/** hasTool: the one real-program check (see ./helpers.ts). */
export { hasTool } from './helpers.js';

/** inputError awaits a promise (or runs a function) and returns the InputError it must throw. */
export async function inputError(p: Promise<unknown> | (() => unknown)): Promise<InputError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw new Error(
      `expected an InputError, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
    );
  }
  throw new Error('expected an InputError, but nothing was thrown');
}

/** onlyInputErrors runs f and rethrows anything that is not an InputError (for property tests). */
export async function onlyInputErrors(f: () => unknown): Promise<void> {
  try {
    await f();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
}

/** tarOf builds a ustar archive in memory from (name, data) pairs (for hostile-input tests only). */
export function tarOf(
  entries: { name: string; data?: Uint8Array | string; type?: '0' | '2' | '5'; link?: string }[],
): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write('0000644\0', 100);
    h.write('0000000\0', 108);
    h.write('0000000\0', 116);
    h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
    h.write('14533000000\0', 136);
    h.write('        ', 148);
    h.write(e.type ?? '0', 156);
    if (e.link) h.write(e.link, 157, 100);
    h.write('ustar\0', 257);
    h.write('00', 263);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
