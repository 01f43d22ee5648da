/**
 * UpstreamSumdb: the upstream's Go checksum database (sum.golang.org, or any GOSUMDB), asked
 * when Sigil observes a module version from a GOPROXY — a GOPROXY lists no digest, so this is
 * what a Go upstream's bytes are checked against (the role npm's `dist.integrity` plays).
 *
 *   lookup   GET <url>/lookup/<module>@<version> → "<id>\n<go.sum lines>\n\n<signed tree note>"
 *            (golang.org/x/mod/sumdb, design 25530)
 *   checked  the tree note is signed by the configured key (GOSUMDB syntax "<vkey> <url>"), and
 *            the record is proved included in that tree from the database's own hash tiles
 *            (<url>/tile/8/<L>/<N>[.p/<W>]) — the go command's own checks
 *   answer   the go.sum lines, the record id, the signed tree and the proof (kept as evidence in
 *            the observed record), or undefined when the database does not know the version
 * Anything that does not verify is an UpstreamError (502): nothing is logged from it.
 */
import { escapePath, escapeVersion } from '../../ecosystems/golang/module.js';
import { parseCheckpoint } from '../../log/checkpoint.js';
import { recordHash } from '../../log/hash.js';
import { parseVerifierKey, type NoteVerifier } from '../../log/note-key.js';
import { verifyNote } from '../../log/note.js';
import {
  checkInclusion,
  inclusionProofFromHashes,
  inclusionProofIndexes,
} from '../../log/proof.js';
import { hashesFromTiles, tilesForIndexes } from '../../log/tile.js';
import { formatTilePath } from '../../log/tile-path.js';
import { SUMDB_ORIGIN } from '../personalities/go/sumdb.js';
import { UpstreamError, type UpstreamClient } from './http.js';

export interface SumdbRecord {
  /** The database's URL, as configured. */
  readonly url: string;
  /** Record id (leaf index) in the database's tree. */
  readonly id: number;
  /** `<module> <version> h1:…` and `<module> <version>/go.mod h1:…`. */
  readonly lines: readonly string[];
  /** The signed tree note the record was proved against. */
  readonly tree: string;
  readonly treeSize: number;
  /** The inclusion proof, base64 hashes. */
  readonly proof: readonly string[];
}

/** parseSumdbSpec reads GOSUMDB syntax: "<vkey> <url>" (the url may be left out only for sum.golang.org). */
export function parseSumdbSpec(spec: string): {
  verifier: NoteVerifier;
  vkey: string;
  url: string;
} {
  const [vkey, url, ...rest] = spec.trim().split(/\s+/);
  if (!vkey || rest.length > 0) throw new Error('expected "<vkey> <url>"');
  const verifier = parseVerifierKey(vkey);
  const base = url ?? (verifier.name === 'sum.golang.org' ? 'https://sum.golang.org' : undefined);
  if (!base) throw new Error(`no URL for the checksum database ${verifier.name}`);
  if (!/^https?:\/\//.test(base)) throw new Error(`${base} is not an http(s) URL`);
  return { verifier, vkey, url: base.replace(/\/+$/, '') };
}

const MAX_LOOKUP_BYTES = 64 * 1024;
const MAX_TILE_BYTES = 256 * 32;

export class UpstreamSumdb {
  readonly url: string;
  private readonly verifier: NoteVerifier;
  private readonly label: string;

  constructor(
    spec: string,
    private readonly client: UpstreamClient,
  ) {
    const s = parseSumdbSpec(spec);
    this.url = s.url;
    this.verifier = s.verifier;
    this.label = `Go checksum database ${this.url}`;
  }

  private bad(what: string): UpstreamError {
    return new UpstreamError(
      502,
      'UPSTREAM_SUMDB_INVALID',
      `${this.label}: ${what}; refused, nothing logged`,
      'the checksum database, or something between it and Sigil, is not answering what its key signed',
    );
  }

  /** lookup returns the database's verified record of path@version, or undefined when it has none. */
  async lookup(path: string, version: string): Promise<SumdbRecord | undefined> {
    const r = await this.client.get(
      `${this.url}/lookup/${escapePath(path)}@${escapeVersion(version)}`,
      { upstream: this.label, what: `record of ${path}@${version}`, maxBytes: MAX_LOOKUP_BYTES },
    );
    if (!r) return undefined;
    const body = r.body.toString('utf8');
    const m = /^(\d+)\n([\s\S]*?\n)\n([\s\S]+)$/.exec(body);
    if (!m)
      throw this.bad(
        `the lookup answer for ${path}@${version} is not "<id>\\n<records>\\n\\n<tree>"`,
      );
    const id = Number(m[1]);
    const text = m[2]!;
    const lines = text.slice(0, -1).split('\n');
    const want = [`${path} ${version} h1:`, `${path} ${version}/go.mod h1:`];
    if (
      !Number.isSafeInteger(id) ||
      lines.length !== 2 ||
      !lines.every(
        (l, i) => l.startsWith(want[i]!) && /^h1:[A-Za-z0-9+/]{43}=$/.test(l.split(' ')[2] ?? ''),
      )
    )
      throw this.bad(`the record for ${path}@${version} is not its two go.sum lines`);
    const note = verifyNote(m[3]!, [this.verifier]);
    if (!note.ok) throw this.bad(`the tree note does not verify (${note.check.reason})`);
    let size: number;
    let root: Uint8Array;
    try {
      const cp = parseCheckpoint(note.note.text);
      if (cp.origin !== SUMDB_ORIGIN) throw new Error(`origin ${JSON.stringify(cp.origin)}`);
      size = cp.size;
      root = cp.hash;
    } catch (e) {
      throw this.bad(`the signed note is not a go.sum tree (${(e as Error).message})`);
    }
    if (id >= size) throw this.bad(`record ${id} is outside the signed tree of size ${size}`);
    const indexes = inclusionProofIndexes(id, size);
    const tiles = new Map<string, Uint8Array>();
    for (const t of tilesForIndexes(size, indexes)) {
      const p = formatTilePath(t);
      const tile = await this.client.get(`${this.url}/${p.replace(/^tile\//, 'tile/8/')}`, {
        upstream: this.label,
        what: `hash tile ${p}`,
        maxBytes: MAX_TILE_BYTES,
      });
      if (!tile) throw this.bad(`hash tile ${p} of the signed tree answers 404`);
      tiles.set(p, new Uint8Array(tile.body));
    }
    let proof;
    try {
      proof = inclusionProofFromHashes(id, size, hashesFromTiles(size, indexes, tiles));
    } catch (e) {
      throw this.bad(`its hash tiles are malformed (${(e as Error).message})`);
    }
    const included = checkInclusion(proof, id, size, recordHash(Buffer.from(text)), root);
    if (included.status !== 'pass')
      throw this.bad(
        `record ${id} of ${path}@${version} is not in the signed tree (${included.reason})`,
      );
    return {
      url: this.url,
      id,
      lines,
      tree: m[3]!,
      treeSize: size,
      proof: proof.map((h) => Buffer.from(h).toString('base64')),
    };
  }
}
