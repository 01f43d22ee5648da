/**
 * HackageUpstream: a hackage-security repository (hackage.haskell.org, a hackage mirror, another
 * Sigil) as Sigil's upstream. Nothing in it is believed before the chain cabal itself checks
 * has been checked here, from the configured root keys down:
 *
 *   root.json        at least `keyThreshold` valid Ed25519 signatures by the configured root key
 *                    ids (ids recomputed from the listed keys, never taken on trust); not expired
 *   timestamp.json   signed by root's timestamp role (its keys and threshold); not expired; its
 *                    version never lower than one seen before (rollback)
 *   snapshot.json    length and sha256 named by the timestamp; signed by the snapshot role; not
 *                    expired; version never lower than before
 *   01-index.tar.gz  (else 01-index.tar) length and sha256 named by the snapshot
 *   package.json     per version, in the index: the tarball's length and sha256
 *   tarball          <url>/package/<p>-<v>.tar.gz, checked against that sha256
 * The .cabal files of the index (the last revision of each) are kept: Sigil's own index lists
 * them, so cabal can solve against upstream packages (observed/hackage-proxy.ts).
 * Root rotation is not followed: a new upstream root signed by other keys fails until the
 * configured root keys are updated (docs/hackage.md).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import type { UpstreamEvidence } from '../../core/observed.js';
import { parsePurl } from '../../core/purl.js';
import { canonicalJson, type CanonicalValue } from '../personalities/hackage/canonical-json.js';
import { UpstreamClient, UpstreamError } from './http.js';
import { IndexCache } from './index-cache.js';
import { fetchListedArtifact } from './listed-artifact.js';
import type { ArtifactRef, Upstream, UpstreamSizeLimits } from './upstream.js';

export interface HackageUpstreamOptions {
  readonly url: string;
  readonly client: UpstreamClient;
  readonly limits: UpstreamSizeLimits;
  /** The upstream's root key ids (hex sha256 of each key's canonical JSON), as cabal's `root-keys:`. */
  readonly rootKeys: readonly string[];
  /** How many of them must sign root.json (cabal's `key-threshold:`). */
  readonly keyThreshold: number;
  readonly indexTtlMs?: number;
  readonly now?: () => Date;
}

/** One version of the verified index. */
export interface HackageIndexEntry {
  /** The newest revision of <p>.cabal. */
  readonly cabal: Buffer;
  readonly sha256: string;
  readonly length: number;
}

/** The verified upstream view: packages by name, versions by version. */
export interface HackageUpstreamIndex {
  readonly packages: ReadonlyMap<string, ReadonlyMap<string, HackageIndexEntry>>;
  /** Which view this is (its timestamp version), for caches. */
  readonly timestampVersion: number;
  readonly snapshotVersion: number;
}

type Json = { [k: string]: CanonicalValue };
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$/;
const VERSION = /^\d+(?:\.\d+)*$/;

/** hackageKeyId: hackage-security's key id, sha256 of the key object's canonical JSON. */
export function hackageKeyId(keyObject: CanonicalValue): string {
  return createHash('sha256').update(canonicalJson(keyObject)).digest('hex');
}

/** tarFiles walks a ustar archive's regular files in order (later entries of one path are later revisions). */
export function* tarFiles(tar: Buffer): Generator<{ path: string; data: Buffer }> {
  for (let off = 0; off + 512 <= tar.length;) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) return;
    const str = (a: number, n: number) =>
      h
        .subarray(a, a + n)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = parseInt(str(124, 12).trim() || '0', 8);
    if (!Number.isSafeInteger(size) || size < 0) throw new Error(`bad tar header at ${off}`);
    const prefix = str(345, 155);
    const name = str(0, 100);
    const type = str(156, 1);
    const body = off + 512;
    if (body + size > tar.length) throw new Error('truncated tar');
    if (type === '0' || type === '')
      yield { path: prefix ? `${prefix}/${name}` : name, data: tar.subarray(body, body + size) };
    off = body + Math.ceil(size / 512) * 512;
  }
}

export class HackageUpstream implements Upstream {
  readonly ecosystem = 'hackage';
  readonly url: string;
  private readonly label: string;
  private readonly cache: IndexCache<HackageUpstreamIndex>;
  /** The highest timestamp and snapshot versions seen: an older one is a rollback. */
  private seen = { timestamp: 0, snapshot: 0 };

  constructor(private readonly o: HackageUpstreamOptions) {
    this.url = o.url.replace(/\/+$/, '');
    this.label = `Hackage upstream ${this.url}`;
    this.cache = new IndexCache(o.indexTtlMs ?? 10_000);
  }

  private refuse(what: string): UpstreamError {
    return new UpstreamError(
      502,
      'UPSTREAM_SIGNATURE_INVALID',
      `${this.label}: ${what}; refused, nothing logged`,
      'check upstreams.hackage.rootKeys and keyThreshold in the config; if they are right, the upstream (or something between it and Sigil) serves metadata its keys did not sign',
    );
  }

  private async file(name: string, maxBytes = this.o.limits.maxIndexBytes): Promise<Buffer> {
    const r = await this.o.client.get(`${this.url}/${name}`, {
      upstream: this.label,
      what: name,
      maxBytes,
    });
    if (!r) throw this.refuse(`${name} answers 404`);
    return r.body;
  }

  /** role parses a signed role file and checks type, expiry and `threshold` signatures by `keys`. */
  private role(
    name: string,
    bytes: Buffer,
    type: string,
    keys: ReadonlyMap<string, KeyObject>,
    threshold: number,
  ): Json {
    let doc: unknown;
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw this.refuse(`${name} is not JSON`);
    }
    if (!isObj(doc) || !isObj(doc['signed']) || !Array.isArray(doc['signatures']))
      throw this.refuse(`${name} is not {"signed", "signatures"}`);
    const signed = doc['signed'];
    if (signed['_type'] !== type) throw this.refuse(`${name} is not a ${type} role`);
    const message = Buffer.from(canonicalJson(signed), 'utf8');
    const good = new Set<string>();
    for (const s of doc['signatures']) {
      if (!isObj(s) || typeof s['keyid'] !== 'string' || typeof s['sig'] !== 'string') continue;
      const key = keys.get(s['keyid']);
      if (
        key &&
        s['method'] === 'ed25519' &&
        verify(null, message, key, Buffer.from(s['sig'], 'base64'))
      )
        good.add(s['keyid']);
    }
    if (good.size < threshold)
      throw this.refuse(
        `${name} has ${good.size} valid signature(s) by its keys, needs ${threshold}`,
      );
    const expires = signed['expires'];
    const now = this.o.now ? this.o.now() : new Date();
    if (typeof expires === 'string' && !(Date.parse(expires) > now.getTime()))
      throw this.refuse(`${name} expired at ${expires}`);
    return signed;
  }

  private static checkInfo(info: unknown, bytes: Buffer): boolean {
    if (!isObj(info) || !isObj(info['hashes'])) return false;
    return (
      info['length'] === bytes.length &&
      info['hashes']['sha256'] === createHash('sha256').update(bytes).digest('hex')
    );
  }

  /** index: the verified upstream view (cached for indexTtlMs). */
  index(): Promise<HackageUpstreamIndex> {
    return this.cache.get('index', () => this.fetchIndexView());
  }

  private async fetchIndexView(): Promise<HackageUpstreamIndex> {
    // root.json: by the configured keys only.
    const rootBytes = await this.file('root.json');
    const listed = (() => {
      try {
        const d = JSON.parse(rootBytes.toString('utf8')) as { signed?: { keys?: unknown } };
        return isObj(d.signed?.keys) ? d.signed.keys : {};
      } catch {
        return {};
      }
    })();
    const keyOf = new Map<string, KeyObject>();
    for (const k of Object.values(listed)) {
      if (!isObj(k) || k['keytype'] !== 'ed25519' || !isObj(k['keyval'])) continue;
      const pub = k['keyval']['public'];
      if (typeof pub !== 'string') continue;
      try {
        const raw = Buffer.from(pub, 'base64');
        if (raw.length !== 32) continue;
        const key = createPublicKey({
          key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]),
          format: 'der',
          type: 'spki',
        });
        keyOf.set(hackageKeyId(k), key); // the id is recomputed, never the listed one
      } catch {
        /* not a key: it signs nothing */
      }
    }
    const rootKeys = new Map([...keyOf].filter(([id]) => this.o.rootKeys.includes(id)));
    const root = this.role('root.json', rootBytes, 'Root', rootKeys, this.o.keyThreshold);
    const roleKeys = (role: string): [Map<string, KeyObject>, number] => {
      const r = isObj(root['roles']) ? root['roles'][role] : undefined;
      if (
        !isObj(r) ||
        !Array.isArray(r['keyids']) ||
        typeof r['threshold'] !== 'number' ||
        r['threshold'] < 1
      )
        throw this.refuse(`root.json has no valid ${role} role`);
      const ids = r['keyids'] as unknown[];
      return [new Map([...keyOf].filter(([id]) => ids.includes(id))), r['threshold']];
    };

    const tsBytes = await this.file('timestamp.json');
    const ts = this.role('timestamp.json', tsBytes, 'Timestamp', ...roleKeys('timestamp'));
    const tsVersion = Number(ts['version']);
    if (!(tsVersion >= this.seen.timestamp))
      throw this.refuse(
        `timestamp.json version ${tsVersion} is older than ${this.seen.timestamp}, seen before (rollback)`,
      );
    const snapBytes = await this.file('snapshot.json');
    if (
      !HackageUpstream.checkInfo(
        isObj(ts['meta']) ? ts['meta']['<repo>/snapshot.json'] : undefined,
        snapBytes,
      )
    )
      throw this.refuse('snapshot.json is not the one timestamp.json names (length or sha256)');
    const snap = this.role('snapshot.json', snapBytes, 'Snapshot', ...roleKeys('snapshot'));
    const snapVersion = Number(snap['version']);
    if (!(snapVersion >= this.seen.snapshot))
      throw this.refuse(
        `snapshot.json version ${snapVersion} is older than ${this.seen.snapshot}, seen before (rollback)`,
      );
    const meta = isObj(snap['meta']) ? snap['meta'] : {};
    let tar: Buffer;
    if (meta['<repo>/01-index.tar.gz'] !== undefined) {
      const gz = await this.file('01-index.tar.gz');
      if (!HackageUpstream.checkInfo(meta['<repo>/01-index.tar.gz'], gz))
        throw this.refuse('01-index.tar.gz is not the one snapshot.json names (length or sha256)');
      try {
        tar = gunzipSync(gz, { maxOutputLength: this.o.limits.maxIndexBytes });
      } catch {
        throw new UpstreamError(
          502,
          'UPSTREAM_INDEX_TOO_LARGE',
          `${this.label}: 01-index.tar.gz does not unpack within limits.maxIndexBytes (${this.o.limits.maxIndexBytes} bytes)`,
          'raise limits.maxIndexBytes in the config',
        );
      }
    } else {
      tar = await this.file('01-index.tar');
      if (!HackageUpstream.checkInfo(meta['<repo>/01-index.tar'], tar))
        throw this.refuse('01-index.tar is not the one snapshot.json names (length or sha256)');
    }
    const cabals = new Map<string, Buffer>();
    const targets = new Map<string, { sha256: string; length: number }>();
    try {
      for (const { path, data } of tarFiles(tar)) {
        const m = /^([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
        if (!m || !NAME.test(m[1]!) || !VERSION.test(m[2]!)) continue;
        const key = `${m[1]}/${m[2]}`;
        if (m[3] === `${m[1]}.cabal`) cabals.set(key, Buffer.from(data));
        else if (m[3] === 'package.json') {
          const doc = JSON.parse(data.toString('utf8')) as { signed?: { targets?: unknown } };
          const t = isObj(doc.signed?.targets)
            ? doc.signed.targets[`<repo>/package/${m[1]}-${m[2]}.tar.gz`]
            : undefined;
          const sha = isObj(t) && isObj(t['hashes']) ? t['hashes']['sha256'] : undefined;
          if (
            isObj(t) &&
            typeof sha === 'string' &&
            /^[0-9a-f]{64}$/.test(sha) &&
            typeof t['length'] === 'number'
          )
            targets.set(key, { sha256: sha, length: t['length'] });
        }
      }
    } catch (e) {
      throw this.refuse(`01-index is not a readable index (${(e as Error).message})`);
    }
    const packages = new Map<string, Map<string, HackageIndexEntry>>();
    for (const [key, t] of targets) {
      const cabal = cabals.get(key);
      if (!cabal) continue;
      const [name, version] = key.split('/') as [string, string];
      const versions = packages.get(name) ?? new Map<string, HackageIndexEntry>();
      versions.set(version, { cabal, ...t });
      packages.set(name, versions);
    }
    this.seen = { timestamp: tsVersion, snapshot: snapVersion };
    return { packages, timestampVersion: tsVersion, snapshotVersion: snapVersion };
  }

  async fetchIndex(packagePurl: string): Promise<unknown> {
    return (await this.index()).packages.get(parsePurl(packagePurl).name);
  }

  async locate(purl: string): Promise<ArtifactRef | undefined> {
    const p = parsePurl(purl);
    if (p.version == null) return undefined;
    const view = await this.index();
    const e = view.packages.get(p.name)?.get(p.version);
    if (!e) return undefined;
    const filename = `${p.name}-${p.version}.tar.gz`;
    return {
      purl,
      url: `${this.url}/package/${filename}`,
      filename,
      indexDigest: { algorithm: 'sha256', hex: e.sha256 },
      publishedAt: null,
      meta: { timestamp: view.timestampVersion, snapshot: view.snapshotVersion },
    };
  }

  fetchArtifact(ref: ArtifactRef): Promise<Buffer> {
    return fetchListedArtifact(this.o.client, this.label, this.o.limits, ref);
  }

  async evidence(ref: ArtifactRef): Promise<UpstreamEvidence> {
    const m = ref.meta as { timestamp: number; snapshot: number };
    return {
      registrySignature: {
        verdict: 'valid',
        reason: `root.json (${this.o.keyThreshold} of the configured root keys), timestamp.json v${m.timestamp} and snapshot.json v${m.snapshot} verified, the index checked against the snapshot; the tarball's sha256 equals its package.json in the index`,
      },
      provenance: {
        verdict: 'not-applicable',
        reason: 'a Hackage repository carries no provenance',
      },
      indexDigest: ref.indexDigest ? { algorithm: 'sha256', value: ref.indexDigest.hex } : null,
    };
  }
}
