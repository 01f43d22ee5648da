/**
 * yarn.lock, both generations (same file name; told apart by content):
 *
 * - classic (yarn 1, "# yarn lockfile v1"): a custom indented text format.
 *   Each block is keyed by one or more comma-separated descriptors
 *   ("name@range", aliases "alias@npm:real@range") and has `version`,
 *   `resolved` (tarball URL, "#<sha1 hex>" fragment) and `integrity` (SRI;
 *   absent in lockfiles written by yarn < 1.10, which then pin only that sha1).
 * - berry (yarn 2+): YAML with `__metadata`. Each block has `resolution`
 *   ("name@npm:1.2.3", "name@workspace:…", "name@patch:…", git URLs, …) and
 *   `checksum`. **The berry checksum is not a digest of the tarball**: it is
 *   yarn's own hash of the zip it repacks the package into for its cache
 *   (`<cacheKey>/<sha512 hex>`, e.g. "10/…" or "10c0/…"). It cannot be
 *   compared with the signed tarball digest, so it is kept under the
 *   algorithm `yarn-berry-cache` and the verifier reports the digest check
 *   as not possible (the release's signatures and log proofs are still
 *   checked for name@version; yarn itself holds the bytes to its checksum).
 */
import { yamlLib } from '../support/lazy-libs.js';
import type { LockfileEntry, LockfileReader, LockfileSource, NativeDigest } from '../adapter.js';
import { InputError } from '../../core/errors.js';
import { decodeLockText, lockError, needRecord, optString } from '../support/lockfile.js';
import { isRecord } from '../support/text.js';
import {
  dedupe,
  integrityDigests,
  isRegistryTarball,
  npmPurl,
  sourceOfSpec,
  splitNameAtVersion,
} from './lockfile-common.js';
import { yarnLockFormat } from './descriptor.js';

/** YARN_BERRY_CHECKSUM is the algorithm name of berry's cache checksum (see the file comment). */
export const YARN_BERRY_CHECKSUM = 'yarn-berry-cache';

export const yarnLockReader: LockfileReader = {
  ...yarnLockFormat,
  read(file, bytes) {
    const text = decodeLockText(bytes, file);
    if (/^__metadata:/m.test(text)) return readBerry(file, text);
    if (/^# yarn lockfile v1\s*$/m.test(text)) return readClassic(file, text);
    const v = /^# yarn lockfile v(\d+)/m.exec(text);
    if (v)
      throw lockError(
        file,
        '(header)',
        `yarn lockfile v${v[1]} is not a version sigil reads (classic v1, or berry YAML with __metadata)`,
      );
    throw lockError(
      file,
      '(header)',
      'is neither a yarn classic lockfile ("# yarn lockfile v1") nor a yarn berry lockfile (__metadata)',
    );
  },
};

// ------------------------------------------------------------------ classic

interface ClassicBlock {
  readonly keys: string[];
  readonly line: number;
  readonly fields: Map<string, string>;
}

function unquote(s: string, file: string, line: number): string {
  if (s.startsWith('"')) {
    try {
      const v: unknown = JSON.parse(s);
      if (typeof v === 'string') return v;
    } catch {
      /* fall through */
    }
    throw lockError(file, `line ${line}`, `unterminated string ${s.slice(0, 40)}`);
  }
  return s;
}

/** parseClassic reads the blocks of a yarn v1 lockfile (nested tables other than the top level are skipped). */
function parseClassic(file: string, text: string): ClassicBlock[] {
  const blocks: ClassicBlock[] = [];
  let current: ClassicBlock | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === '' || raw.trimStart().startsWith('#')) return;
    const indent = raw.length - raw.trimStart().length;
    const line = raw.trim();
    if (indent === 0) {
      if (!line.endsWith(':'))
        throw lockError(file, `line ${n}`, 'expected a package descriptor ending in ":"');
      const keys = line
        .slice(0, -1)
        .split(/,\s*/)
        .map((k) => unquote(k.trim(), file, n));
      current = { keys, line: n, fields: new Map() };
      blocks.push(current);
      return;
    }
    if (!current) throw lockError(file, `line ${n}`, 'indented line outside a package block');
    if (indent !== 2) return; // dependencies / optionalDependencies tables
    if (line.endsWith(':')) return;
    const m = /^("(?:[^"\\]|\\.)*"|[^\s"]+)\s+(.+)$/.exec(line);
    if (!m)
      throw lockError(
        file,
        `line ${n}`,
        `expected "<field> <value>", got ${JSON.stringify(line.slice(0, 60))}`,
      );
    current.fields.set(unquote(m[1]!, file, n), unquote(m[2]!, file, n));
  });
  return blocks;
}

/** realName reads the package name from a classic descriptor ("a@^1", "@s/a@^1", "alias@npm:@s/real@^1"). */
function descriptorName(key: string): { name: string; range: string } | undefined {
  const split = splitNameAtVersion(key);
  if (!split) return undefined;
  // "alias@npm:real@range": splitNameAtVersion split at the real name's "@".
  const alias = /^([^@]+|@[^@/]+\/[^@]+)@npm:(.+)$/.exec(split.name);
  if (alias) return { name: alias[2]!, range: split.version };
  return { name: split.name, range: split.version };
}

function readClassic(file: string, text: string): LockfileEntry[] {
  const out: LockfileEntry[] = [];
  for (const b of parseClassic(file, text)) {
    const field = `line ${b.line}`;
    const key = b.keys[0]!;
    const desc = descriptorName(key);
    if (!desc) throw lockError(file, field, `"${key}" is not a "<name>@<range>" descriptor`);
    const version = b.fields.get('version');
    if (version === undefined) throw lockError(file, `${field}: version`, 'is missing');
    const resolved = b.fields.get('resolved');
    const integrity = b.fields.get('integrity');
    let source: LockfileSource | undefined = sourceOfSpec(desc.range) ?? sourceOfSpec(resolved);
    if (
      source === undefined &&
      resolved !== undefined &&
      /^https?:/.test(resolved) &&
      !isRegistryTarball(resolved)
    )
      source = 'remote';
    const digests: NativeDigest[] =
      integrity !== undefined ? integrityDigests(integrity, file, `${field}: integrity`) : [];
    if (digests.length === 0 && resolved !== undefined) {
      // yarn < 1.10: only the sha1 of the tarball, as the URL fragment.
      const sha1 = /#([0-9a-f]{40})$/.exec(resolved)?.[1];
      if (sha1)
        digests.push({
          algorithm: 'sri-sha1',
          value: `sha1-${Buffer.from(sha1, 'hex').toString('base64')}`,
        });
    }
    out.push({
      purl: npmPurl(desc.name, version, file, field),
      digests,
      location: `${file}:${b.line}`,
      ...(resolved !== undefined ? { resolved } : {}),
      ...(source !== undefined ? { source } : {}),
    });
  }
  return dedupe(out);
}

// ------------------------------------------------------------------ berry

function readBerry(file: string, text: string): LockfileEntry[] {
  let doc: unknown;
  try {
    doc = yamlLib().parse(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (e) {
    throw new InputError(
      'LOCKFILE_INVALID',
      `${file}: (file): is not valid YAML (${(e as Error).message.split('\n')[0]})`,
      { file, field: '(file)' },
    );
  }
  const top = needRecord(doc, file, '(file)');
  const meta = needRecord(top['__metadata'], file, '__metadata');
  const v = meta['version'];
  if (typeof v !== 'number' && typeof v !== 'string')
    throw lockError(file, '__metadata.version', 'is missing');
  if (!(Number(v) >= 3 && Number(v) <= 8))
    throw lockError(
      file,
      '__metadata.version',
      `${JSON.stringify(v)} is not a yarn berry lockfile version sigil reads (3 to 8)`,
    );
  const out: LockfileEntry[] = [];
  for (const [key, raw] of Object.entries(top)) {
    if (key === '__metadata') continue;
    const field = JSON.stringify(key);
    if (!isRecord(raw)) throw lockError(file, field, 'is not a table');
    const resolution = optString(raw, 'resolution', file, field);
    if (resolution === undefined) throw lockError(file, `${field}.resolution`, 'is missing');
    const version = raw['version'] === undefined ? undefined : String(raw['version']);
    const checksum = optString(raw, 'checksum', file, field);
    const parsed = parseBerryResolution(resolution);
    if (!parsed)
      throw lockError(
        file,
        `${field}.resolution`,
        `"${resolution.slice(0, 80)}" is not a "<name>@<protocol>:<reference>" resolution`,
      );
    const digests: NativeDigest[] =
      checksum !== undefined ? [{ algorithm: YARN_BERRY_CHECKSUM, value: checksum }] : [];
    const shown = parsed.source === undefined ? parsed.reference : (version ?? parsed.reference);
    out.push({
      purl: npmPurl(parsed.name, shown, file, field),
      digests,
      resolved: resolution,
      location: key,
      ...(parsed.source !== undefined ? { source: parsed.source } : {}),
    });
  }
  return dedupe(out);
}

/** parseBerryResolution splits "name@protocol:reference" and classifies the protocol. */
function parseBerryResolution(
  resolution: string,
): { name: string; reference: string; source?: LockfileSource } | undefined {
  const m = /^((?:@[^@/]+\/)?[^@]+)@(.*)$/.exec(resolution);
  if (!m) return undefined;
  const name = m[1]!;
  const rest = m[2]!;
  if (rest.startsWith('npm:')) {
    const ref = rest.slice(4);
    // "npm:1.2.3" (the normal case) or an alias to another name "npm:real@1.2.3".
    const alias = splitNameAtVersion(ref);
    return alias ? { name: alias.name, reference: alias.version } : { name, reference: ref };
  }
  if (/^(workspace|link|portal):/.test(rest)) return { name, reference: rest, source: 'link' };
  if (/^(file):/.test(rest)) return { name, reference: rest, source: 'file' };
  if (/^patch:/.test(rest)) return { name, reference: rest, source: 'patch' };
  if (
    /^(git\+|git:|github:|ssh:)/.test(rest) ||
    /#commit=|\.git#/.test(rest) ||
    /^https?:\/\/(github|gitlab|bitbucket)\.(com|org)\/[^/]+\/[^/]+\.git/.test(rest)
  )
    return { name, reference: rest, source: 'git' };
  if (/^https?:/.test(rest)) return { name, reference: rest, source: 'remote' };
  return { name, reference: rest, source: 'file' };
}
