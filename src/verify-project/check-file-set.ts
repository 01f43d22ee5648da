/**
 * One lockfile entry against a file set: a version whose release is several
 * files, each its own logged record (PyPI: sdist and wheels under
 * `?file_name=`; core/release-record.ts ReleaseFileSet).
 *
 * A Python lockfile pins a version with the hashes of every distribution it
 * allows (pip picks one at install time). So:
 *  - every hash the lockfile allows must be a logged file of that version
 *    (a hash that matches none fails, named: pip could install bytes nobody logged);
 *  - each file a hash matches is verified in full (checkDependency);
 *  - files logged but not pinned are fine (other platforms' wheels).
 * The answer is untrusted: every file must be of the version asked for.
 */
import { canonicalPurl, parsePurl } from '../core/purl.js';
import { fail, pass, type Check } from '../core/verdict.js';
import type { LockfileEntry, NativeDigest } from '../ecosystems/adapter.js';
import { versionPurlOf } from '../ecosystems/release-key.js';
import type { SigilFileSet, SigilRecord } from '../client/records/source.js';
import { checkDependency, displayName, type DependencyContext } from './check-dependency.js';
import { applyLevel, type LevelledResult } from './levels.js';
import type { Policy } from './policy.js';

/** Most files one version may answer (a release with hundreds of wheels exists; thousands do not). */
export const MAX_FILES_PER_VERSION = 5000;

const COMPARABLE = new Set(['sha256', 'sha512']);

function fileNameOf(record: SigilRecord): string {
  try {
    const q = (parsePurl(record.purl).qualifiers ?? {}) as Record<string, string>;
    return q['file_name'] ?? record.purl;
  } catch {
    return String(record.purl);
  }
}

function failed(
  entry: LockfileEntry,
  check: Check,
  extra: Partial<LevelledResult> = {},
): LevelledResult {
  return {
    purl: entry.purl,
    display: displayName(entry.purl),
    status: 'failed',
    reason: check.reason,
    checks: [check],
    ...(entry.location ? { location: entry.location } : {}),
    kind: 'no-record',
    level: 'none',
    ...extra,
  };
}

const SEVERITY = { failed: 3, unsigned: 2, verified: 1, skipped: 0 } as const;
const LEVEL_RANK = { none: 0, logged: 1, registry: 2, author: 3 } as const;

/** checkFileSet verifies one lockfile entry against every logged file of its version; never throws for bad answers. */
export async function checkFileSet(
  entry: LockfileEntry,
  set: SigilFileSet,
  ctx: DependencyContext,
  policy: Policy,
  observes: readonly string[] | undefined,
): Promise<LevelledResult> {
  const files = set.files as unknown[];
  if (files.length > MAX_FILES_PER_VERSION)
    return failed(
      entry,
      fail(
        'record',
        'RECORD_INVALID',
        `the server answered ${files.length} files for ${displayName(entry.purl)} (at most ${MAX_FILES_PER_VERSION} are read)`,
      ),
    );
  // Every file must be a record of the version asked for: the server must not slip in another's.
  let asked: string;
  try {
    asked = canonicalPurl(entry.purl);
  } catch (e) {
    return failed(
      entry,
      fail(
        'record',
        'PURL_INVALID',
        `the lockfile names an unreadable package URL: ${(e as Error).message}`,
      ),
    );
  }
  const records: SigilRecord[] = [];
  for (const f of files) {
    const r = f as SigilRecord;
    let of: string | undefined;
    try {
      if (typeof r !== 'object' || r === null || typeof r.purl !== 'string')
        throw new Error('no purl');
      of = versionPurlOf(r.purl);
    } catch {
      of = undefined;
    }
    if (of !== asked)
      return failed(
        entry,
        fail(
          'record',
          of === undefined ? 'RECORD_INVALID' : 'RECORD_PURL_MISMATCH',
          of === undefined
            ? `the server's file list for ${displayName(entry.purl)} holds a malformed record`
            : `the server's file list for ${displayName(entry.purl)} holds the record of ${String(r.purl).slice(0, 200)}`,
        ),
      );
    records.push(r);
  }
  const names = records.map(fileNameOf);
  const listed = `${names.length} logged file${names.length === 1 ? '' : 's'} of ${displayName(entry.purl)}${names.length > 0 ? ` (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})` : ''}`;

  // Every comparable hash the lockfile allows → the file(s) with those bytes.
  const pinned = new Map<SigilRecord, NativeDigest[]>();
  const uncomparable: string[] = [];
  for (const d of entry.digests) {
    if (!COMPARABLE.has(d.algorithm)) {
      uncomparable.push(d.algorithm);
      continue;
    }
    const value = d.value.toLowerCase();
    const hits = records.filter(
      (r) =>
        typeof r.digests === 'object' &&
        r.digests !== null &&
        r.digests[d.algorithm as 'sha256'] === value,
    );
    if (hits.length === 0)
      return failed(
        entry,
        fail(
          'digest',
          'DIGEST_NOT_LOGGED',
          `the lockfile allows ${d.algorithm}:${value}, which is none of the ${listed}: pip could install bytes nobody logged (tampered lockfile, or a file not published here)`,
          { algorithm: d.algorithm, lockfile: value, files: names },
        ),
      );
    for (const r of hits) pinned.set(r, [...(pinned.get(r) ?? []), d]);
  }
  if (pinned.size === 0)
    return failed(
      entry,
      entry.digests.length === 0
        ? fail(
            'digest',
            'DIGEST_MISSING',
            'the lockfile pins no digest for this package, so any bytes would be installed',
          )
        : fail(
            'digest',
            'DIGEST_WEAK',
            `the lockfile pins only ${[...new Set(uncomparable)].join(', ')}, which the signed records do not carry`,
            { algorithms: uncomparable },
          ),
    );

  // Each pinned file in full, as its own dependency; the entry takes the worst outcome.
  const results: { name: string; r: LevelledResult }[] = [];
  for (const [record, digests] of pinned) {
    const r = applyLevel(
      await checkDependency({ ...entry, purl: record.purl, digests }, record, ctx),
      record,
      policy,
      observes,
    );
    results.push({ name: fileNameOf(record), r });
  }
  const worst = results.reduce((a, b) =>
    SEVERITY[b.r.status] > SEVERITY[a.r.status] ||
    (SEVERITY[b.r.status] === SEVERITY[a.r.status] &&
      LEVEL_RANK[b.r.level ?? 'none'] < LEVEL_RANK[a.r.level ?? 'none'])
      ? b
      : a,
  );
  const digestCheck = pass(
    'digest',
    'DIGEST_MATCH',
    `every hash the lockfile allows is a logged file of ${displayName(entry.purl)} (${results.map((x) => x.name).join(', ')})`,
  );
  const many = results.length > 1;
  const checks: Check[] = [
    digestCheck,
    ...results.flatMap(({ name, r }) =>
      r.checks
        .filter((c) => c.name !== 'digest' || c.status !== 'pass')
        .map((c) => (many ? { ...c, reason: `${name}: ${c.reason}` } : c)),
    ),
  ];
  const signer = results.find((x) => x.r.signer && x.r.status !== 'failed')?.r.signer;
  return {
    ...worst.r,
    purl: entry.purl,
    display: displayName(entry.purl),
    reason: many ? `${worst.name}: ${worst.r.reason}` : worst.r.reason,
    checks,
    ...(signer ? { signer } : {}),
  };
}
