/** TileSources for {@link auditLog} and clients: a log's public directory on disk, or its HTTP prefix. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SigilError } from '../core/errors.js';
import type { TileSource } from './audit.js';

/** dirTileSource reads log objects from a public directory (`<data dir>/public`). */
export function dirTileSource(dir: string): TileSource {
  return async (path) => {
    try {
      const b = await readFile(join(dir, path));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw e;
    }
  };
}

/** httpTileSource fetches log objects under a base URL (404 → undefined); responses are capped at `maxBytes`. */
export function httpTileSource(baseUrl: string, maxBytes = 64 * 1024 * 1024): TileSource {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  return async (path) => {
    let res: Response;
    try {
      res = await fetch(new URL(path, base));
    } catch (cause) {
      throw new SigilError(
        'LOG_UNREACHABLE',
        `cannot fetch ${new URL(path, base).href}: ${(cause as Error).message}`,
        { cause },
      );
    }
    if (res.status === 404) return undefined;
    if (!res.ok)
      throw new SigilError('LOG_HTTP_ERROR', `${new URL(path, base).href}: HTTP ${res.status}`);
    const b = new Uint8Array(await res.arrayBuffer());
    if (b.length > maxBytes)
      throw new SigilError(
        'LOG_HTTP_ERROR',
        `${new URL(path, base).href}: response over ${maxBytes} bytes`,
      );
    return b;
  };
}
