/**
 * The Debian repository chain of trust, as apt checks it:
 *
 *   keyring → InRelease (or Release + Release.gpg) → SHA256 of Packages/Sources
 *   → SHA256 of the .deb / .dsc / orig tarball
 *
 * Each link is one check, and a failure names the link that broke. Reading
 * goes through an injected {@link RepoReader}; everything else is pure.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import {
  fail,
  pass,
  skip,
  verdict,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { SigilError } from '../../core/errors.js';
import { xzDecompress } from '../../archive/xz.js';
import {
  verifyCleartext,
  verifyDetached,
  type OpenPGPResult,
  type VerifyOptions,
  type KeyringInput,
} from '../openpgp/index.js';
import { checksumLines, field, parseDeb822, type ChecksumLine } from './deb822.js';
import type { RepoReader } from './reader.js';

/** Size limits for what the chain reads. */
export const LIMITS = {
  release: 32 * 2 ** 20,
  index: 512 * 2 ** 20,
  artifact: 4 * 2 ** 30,
} as const;

/** RepositoryOptions says what to verify. */
export interface RepositoryOptions extends VerifyOptions {
  /** The suite directory, e.g. "dists/bookworm". */
  readonly suite: string;
  /** Keyring bytes (armored or binary) — e.g. /usr/share/keyrings/debian-archive-keyring.gpg. */
  readonly keyring: KeyringInput;
  /** Index files to check, relative to the suite, e.g. "main/binary-amd64/Packages". Default: every Packages/Sources file the Release lists and the repository has. */
  readonly indexes?: readonly string[];
  /**
   * Artifacts to check, relative to the repository root (e.g. "pool/main/h/hello/hello_2.10-3_amd64.deb").
   * Without `indexes`, only the indexes that can list them are read ({@link indexesFor}).
   */
  readonly artifacts?: readonly string[];
  /** Called before each download or hash of an index or artifact ("reading …, 2 of 3"): the CLI shows it as progress. */
  readonly onProgress?: (step: { what: string; index: number; total: number }) => void;
}

/** RepositoryResult is the chain's verdict plus the Release signature's OpenPGP result. */
export interface RepositoryResult extends VerificationResult {
  readonly release: OpenPGPResult | undefined;
  /** The link that broke: "release-signature", "release", "index", "artifact" — or undefined when all held. */
  readonly failedLink: string | undefined;
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** verifyRepository walks the chain. It returns a verdict; it throws only on reader failures that are not "absent". */
export async function verifyRepository(
  reader: RepoReader,
  options: RepositoryOptions,
): Promise<RepositoryResult> {
  const checks: Check[] = [];
  const subject = `${reader.where} ${options.suite}`;
  const done = (release: OpenPGPResult | undefined): RepositoryResult => {
    const failed = checks.find((c) => c.status === 'fail');
    return { ...verdict(subject, checks), release, failedLink: failed?.name };
  };
  const suite = options.suite.replace(/\/+$/, '');

  // Link 1: the Release file's signature.
  let releaseText: Uint8Array;
  let release: OpenPGPResult;
  const inRelease = await reader.read(`${suite}/InRelease`, LIMITS.release);
  if (inRelease) {
    const r = await verifyCleartext(inRelease, options.keyring, {
      ...options,
      subject: `${suite}/InRelease`,
    });
    release = r;
    releaseText = r.text;
  } else {
    const rel = await reader.read(`${suite}/Release`, LIMITS.release);
    const gpg = await reader.read(`${suite}/Release.gpg`, LIMITS.release);
    if (!rel || !gpg) {
      checks.push(
        fail(
          'release-signature',
          'DEBIAN_NO_RELEASE',
          `${suite}: neither InRelease nor Release + Release.gpg found`,
        ),
      );
      return done(undefined);
    }
    release = await verifyDetached(rel, gpg, options.keyring, {
      ...options,
      subject: `${suite}/Release`,
    });
    releaseText = rel;
  }
  const file = inRelease ? `${suite}/InRelease` : `${suite}/Release`;
  if (release.openpgpVerdict !== 'good') {
    checks.push(
      fail(
        'release-signature',
        release.openpgpVerdict === 'nokey'
          ? 'DEBIAN_RELEASE_NO_KEY'
          : 'DEBIAN_RELEASE_BAD_SIGNATURE',
        `${file}: ${release.message}`,
        { reason: release.reason },
      ),
    );
    return done(release);
  }
  checks.push(
    pass('release-signature', 'DEBIAN_RELEASE_SIGNED', `${file}: ${release.message}`, {
      signer: release.signer?.fingerprint,
    }),
  );

  // Link 2: the Release file's SHA256 list.
  let listed: ChecksumLine[];
  try {
    const para = parseDeb822(Buffer.from(releaseText).toString('utf8'), file)[0];
    listed = checksumLines(para ? field(para, 'SHA256') : undefined, file);
  } catch (e) {
    checks.push(
      fail('release', 'DEBIAN_RELEASE_MALFORMED', e instanceof Error ? e.message : String(e)),
    );
    return done(release);
  }
  if (listed.length === 0) {
    checks.push(fail('release', 'DEBIAN_RELEASE_NO_SHA256', `${file} lists no SHA256 hashes`));
    return done(release);
  }
  checks.push(
    pass('release', 'DEBIAN_RELEASE_PARSED', `${file} lists ${listed.length} files with SHA256`),
  );

  // Link 3: index files (Packages / Sources), uncompressed or gzip; the hash checked is the one of the file read.
  const all = [
    ...new Set(
      listed
        .map((l) => l.path.replace(/\.(gz|xz|bz2)$/, ''))
        .filter((p) => /(^|\/)(Packages|Sources)$/.test(p)),
    ),
  ];
  const para0 = parseDeb822(Buffer.from(releaseText).toString('utf8'), file)[0];
  const architectures = (para0 ? (field(para0, 'Architectures') ?? '') : '')
    .split(/\s+/)
    .filter(Boolean);
  const wanted =
    options.indexes ??
    (options.artifacts && options.artifacts.length > 0
      ? (indexesFor(options.artifacts, all, architectures) ?? all)
      : all);
  const entries = new Map<string, { sha256: string; size: number; from: string }>();
  const steps = wanted.length + (options.artifacts?.length ?? 0);
  let step = 0;
  for (const named of wanted) {
    // "main/binary-amd64/Packages.xz" names one compressed form: read that one.
    const ext = /\.(gz|xz)$/.exec(named)?.[0] ?? '';
    const idx = ext ? named.slice(0, -ext.length) : named;
    options.onProgress?.({ what: `${suite}/${named}`, index: ++step, total: steps });
    const got = await readIndex(reader, suite, idx, listed, ext);
    if (got.status === 'absent') {
      if (options.indexes) checks.push(fail('index', 'DEBIAN_INDEX_MISSING', got.message));
      continue;
    }
    if (got.status === 'fail') {
      checks.push(fail('index', got.code, got.message));
      return done(release);
    }
    checks.push(pass('index', 'DEBIAN_INDEX_HASH_OK', got.message));
    try {
      for (const e of indexEntries(got.text, `${suite}/${idx}`))
        entries.set(e.path, { sha256: e.sha256, size: e.size, from: `${suite}/${idx}` });
    } catch (e) {
      checks.push(
        fail('index', 'DEBIAN_INDEX_MALFORMED', e instanceof Error ? e.message : String(e)),
      );
      return done(release);
    }
  }
  if (!checks.some((c) => c.name === 'index'))
    checks.push(skip('index', 'DEBIAN_NO_INDEX', 'no Packages or Sources index present to check'));

  // Link 4: the artifacts.
  for (const a of options.artifacts ?? []) {
    options.onProgress?.({ what: a, index: ++step, total: steps });
    const e = entries.get(a);
    if (!e) {
      checks.push(
        fail(
          'artifact',
          'DEBIAN_ARTIFACT_NOT_LISTED',
          `${a} is not listed in ${wanted.length === all.length ? 'any verified index' : `the index that can hold it (${wanted.map((w) => `${suite}/${w}`).join(', ')})`}`,
        ),
      );
      continue;
    }
    let bytes: Uint8Array | undefined;
    try {
      // Read no more than the index promises (plus one byte, to see it is longer).
      bytes = await reader.read(a, Math.min(LIMITS.artifact, e.size + 1));
    } catch (err) {
      checks.push(
        fail(
          'artifact',
          'DEBIAN_ARTIFACT_UNREADABLE',
          `${a}: ${err instanceof Error ? err.message : String(err)} (${e.from} lists ${e.size} bytes)`,
        ),
      );
      continue;
    }
    if (!bytes) {
      checks.push(
        fail('artifact', 'DEBIAN_ARTIFACT_MISSING', `${a} is listed in ${e.from} but absent`),
      );
      continue;
    }
    const h = sha256(bytes);
    if (h !== e.sha256 || bytes.length !== e.size) {
      checks.push(
        fail(
          'artifact',
          'DEBIAN_ARTIFACT_HASH_MISMATCH',
          `${a}: SHA256 ${h} (${bytes.length} bytes), but ${e.from} lists ${e.sha256} (${e.size} bytes)`,
        ),
      );
      continue;
    }
    checks.push(pass('artifact', 'DEBIAN_ARTIFACT_HASH_OK', `${a} matches ${e.from}`));
  }
  return done(release);
}

type IndexRead =
  | { status: 'ok'; text: string; message: string }
  | { status: 'absent'; message: string }
  | { status: 'fail'; code: string; message: string };

/** COMPRESSIONS apt reads, smallest download first; the hash checked is the one of the file read. */
const COMPRESSIONS = ['.xz', '.gz', ''] as const;

async function decompress(ext: string, bytes: Uint8Array, name: string): Promise<Uint8Array> {
  if (ext === '.gz') return gunzipSync(bytes, { maxOutputLength: LIMITS.index });
  if (ext === '.xz') return xzDecompress(bytes, name, LIMITS.index);
  return bytes;
}

async function readIndex(
  reader: RepoReader,
  suite: string,
  idx: string,
  listed: ChecksumLine[],
  preferred = '',
): Promise<IndexRead> {
  const order = preferred
    ? [preferred, ...COMPRESSIONS.filter((c) => c !== preferred)]
    : [...COMPRESSIONS];
  for (const ext of order) {
    const line = listed.find((l) => l.path === idx + ext);
    if (!line) continue;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await reader.read(`${suite}/${idx}${ext}`, LIMITS.index);
    } catch (e) {
      if (e instanceof SigilError && e.code === 'FETCH_TOO_LARGE')
        return { status: 'fail', code: 'DEBIAN_INDEX_TOO_LARGE', message: e.message };
      throw e;
    }
    if (!bytes) continue;
    const h = sha256(bytes);
    if (h !== line.sha256 || bytes.length !== line.size) {
      return {
        status: 'fail',
        code: 'DEBIAN_INDEX_HASH_MISMATCH',
        message: `${suite}/${idx}${ext}: SHA256 ${h} (${bytes.length} bytes), but the Release lists ${line.sha256} (${line.size} bytes)`,
      };
    }
    let text: string;
    try {
      text = Buffer.from(await decompress(ext, bytes, `${suite}/${idx}${ext}`)).toString('utf8');
    } catch (e) {
      return {
        status: 'fail',
        code: 'DEBIAN_INDEX_MALFORMED',
        message: `${suite}/${idx}${ext}: cannot decompress: ${e instanceof Error ? e.message : String(e)}`,
      };
    }
    return { status: 'ok', text, message: `${suite}/${idx}${ext} matches the Release's SHA256` };
  }
  return {
    status: 'absent',
    message: `${suite}/${idx}: not in the repository (as ${order.map((e) => `${idx.split('/').pop()}${e}`).join(', ')})`,
  };
}

/**
 * indexesFor picks, from the indexes the Release lists (`listed`, without
 * compression suffix), the ones that can hold `artifacts`: a `.deb` in
 * `pool/<component>/…` named `…_<arch>.deb` is listed in
 * `<component>/binary-<arch>/Packages` (an `_all.deb` in every architecture's
 * index: one is enough — binary-all when there is one, else the first of the
 * Release's `Architectures`); a `.udeb` in `<component>/debian-installer/…`;
 * anything else (.dsc, .orig.tar.*, .debian.tar.*) in `<component>/source/Sources`.
 * Returns undefined when an artifact's index cannot be told (read them all).
 */
export function indexesFor(
  artifacts: readonly string[],
  listed: readonly string[],
  architectures: readonly string[] = [],
): string[] | undefined {
  const out = new Set<string>();
  const has = (p: string) => listed.includes(p);
  for (const a of artifacts) {
    const component = /^pool\/([^/]+)\//.exec(a)?.[1];
    if (component === undefined) return undefined;
    const deb = /_([a-z0-9-]+)\.(u?deb)$/.exec(a);
    let pick: string | undefined;
    if (deb) {
      const [, arch, kind] = deb;
      const stem =
        kind === 'udeb' ? `${component}/debian-installer/binary-` : `${component}/binary-`;
      if (arch === 'all') {
        const archs = [
          'all',
          ...architectures.filter((x) => x !== 'all'),
          ...listed
            .filter((p) => p.startsWith(stem))
            .map((p) => p.slice(stem.length).split('/')[0]!),
        ];
        pick = archs.map((x) => `${stem}${x}/Packages`).find(has);
      } else if (has(`${stem}${arch}/Packages`)) {
        pick = `${stem}${arch}/Packages`;
      }
    } else if (has(`${component}/source/Sources`)) {
      pick = `${component}/source/Sources`;
    }
    if (pick === undefined) return undefined;
    out.add(pick);
  }
  return [...out];
}

/** indexEntries lists (path, sha256, size) from a Packages (Filename/SHA256/Size) or Sources (Directory/Checksums-Sha256) index. */
export function indexEntries(text: string, file: string): ChecksumLine[] {
  const out: ChecksumLine[] = [];
  for (const p of parseDeb822(text, file)) {
    const filename = field(p, 'Filename');
    if (filename) {
      const h = field(p, 'SHA256');
      const size = Number(field(p, 'Size'));
      if (h && /^[0-9a-fA-F]{64}$/.test(h) && Number.isSafeInteger(size))
        out.push({ path: filename, sha256: h.toLowerCase(), size });
      continue;
    }
    const dir = field(p, 'Directory');
    if (dir)
      for (const l of checksumLines(field(p, 'Checksums-Sha256'), file))
        out.push({ ...l, path: `${dir}/${l.path}` });
  }
  return out;
}
