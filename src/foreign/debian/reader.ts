/**
 * RepoReader: how the chain verifier reads a repository. The contract:
 * `read(path, maxBytes)` returns the bytes at `path` (relative to the
 * repository root, "/"-separated, never ".."), `undefined` when absent, and
 * throws TransportError-like SigilError `FETCH_TOO_LARGE` past `maxBytes`.
 * Implementations: a directory, a mirror URL, and an in-memory map for tests.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { SigilError } from '../../core/errors.js';

export interface RepoReader {
  /** Where the repository is, for messages. */
  readonly where: string;
  read(path: string, maxBytes: number): Promise<Uint8Array | undefined>;
}

function checkPath(path: string): void {
  // path comes from a signed Release/Packages but is still attacker-influenced: refuse traversal.
  if (
    path.split('/').some((s) => s === '..') ||
    path.startsWith('/') ||
    path.includes('\\') ||
    path.includes('\0')
  ) {
    throw new SigilError('REPO_BAD_PATH', `refusing repository path ${JSON.stringify(path)}`);
  }
}

/** directoryReader reads a repository from a local directory. */
export function directoryReader(root: string): RepoReader {
  const base = resolve(root);
  return {
    where: base,
    async read(path, maxBytes) {
      checkPath(path);
      const p = join(base, ...path.split('/'));
      if (!p.startsWith(base + sep))
        throw new SigilError('REPO_BAD_PATH', `refusing repository path ${JSON.stringify(path)}`);
      let st;
      try {
        st = await stat(p);
      } catch {
        return undefined;
      }
      if (!st.isFile()) return undefined;
      if (st.size > maxBytes)
        throw new SigilError(
          'FETCH_TOO_LARGE',
          `${path} is ${st.size} bytes, over the ${maxBytes}-byte limit`,
        );
      return new Uint8Array(await readFile(p));
    },
  };
}

/** mirrorReader reads a repository from an HTTP(S) mirror URL, enforcing `maxBytes` while streaming. */
export function mirrorReader(baseURL: string, fetchImpl: typeof fetch = fetch): RepoReader {
  const base = baseURL.endsWith('/') ? baseURL : `${baseURL}/`;
  return {
    where: base,
    async read(path, maxBytes) {
      checkPath(path);
      const res = await fetchImpl(new URL(path, base), { redirect: 'follow' });
      if (res.status === 404 || res.status === 410) return undefined;
      if (!res.ok) throw new SigilError('FETCH_FAILED', `GET ${base}${path}: HTTP ${res.status}`);
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > maxBytes)
        throw new SigilError(
          'FETCH_TOO_LARGE',
          `${path} is ${declared} bytes, over the ${maxBytes}-byte limit`,
        );
      const chunks: Uint8Array[] = [];
      let n = 0;
      if (res.body) {
        for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
          n += c.length;
          if (n > maxBytes)
            throw new SigilError('FETCH_TOO_LARGE', `${path}: over the ${maxBytes}-byte limit`);
          chunks.push(c);
        }
      }
      return new Uint8Array(Buffer.concat(chunks));
    },
  };
}

/** memoryReader serves a repository from a map (for tests). */
export function memoryReader(files: ReadonlyMap<string, Uint8Array>): RepoReader {
  return {
    where: 'memory',
    async read(path) {
      checkPath(path);
      return files.get(path);
    },
  };
}
