// A PyPI version answered as a file set (core/release-record.ts ReleaseFileSet), verified with
// real signatures and log proofs (MemoryRecordSource): author-signed files verify; a server
// slipping in another release's file, changing a file's digests, or answering an endless list
// is caught; a client that predates file sets fails one closed.
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MemoryRecordSource } from '../helpers/memory-record-source.js';
import type { RecordSource, SigilRecord } from '../../src/client/records/source.js';
import { generateKey } from '../../src/core/keys.js';
import type { LockfileEntry } from '../../src/ecosystems/adapter.js';
import { checkDependency } from '../../src/verify-project/check-dependency.js';
import { MAX_FILES_PER_VERSION } from '../../src/verify-project/check-file-set.js';
import { run } from './helpers.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const file = (name: string, version: string, fileName: string) =>
  `pkg:pypi/${name}@${version}?file_name=${encodeURIComponent(fileName)}`;

function setup() {
  const inner = new MemoryRecordSource();
  const key = generateKey();
  const wheel = randomBytes(300);
  const sdist = randomBytes(300);
  const otherWheel = randomBytes(300);
  inner.publish({
    purl: file('demo', '1.0', 'demo-1.0-py3-none-any.whl'),
    bytes: wheel,
    author: key,
  });
  inner.publish({ purl: file('demo', '1.0', 'demo-1.0.tar.gz'), bytes: sdist, author: key });
  inner.publish({
    purl: file('demo', '2.0', 'demo-2.0-py3-none-any.whl'),
    bytes: otherWheel,
    author: key,
  });
  const files: Record<string, string[]> = {
    'pkg:pypi/demo@1.0': [
      file('demo', '1.0', 'demo-1.0-py3-none-any.whl'),
      file('demo', '1.0', 'demo-1.0.tar.gz'),
    ],
  };
  let tamper: (files: SigilRecord[]) => unknown[] = (f) => f;
  /** The server's answer for a version: the file set of its files' real records. */
  const source: RecordSource = {
    name: 'file-set test',
    keys: () => inner.keys(),
    consistencyProof: (a, b) => inner.consistencyProof(a, b),
    async lookup(purls) {
      const inside = await inner.lookup([
        ...Object.values(files).flat(),
        file('demo', '2.0', 'demo-2.0-py3-none-any.whl'),
      ]);
      const records: Record<string, unknown> = {};
      for (const p of purls)
        records[p] = files[p]
          ? { purl: p, files: tamper(files[p]!.map((f) => inside.records[f] as SigilRecord)) }
          : null;
      return { checkpoint: inside.checkpoint, records } as Awaited<
        ReturnType<RecordSource['lookup']>
      >;
    },
  };
  const entry = (...hashes: string[]): LockfileEntry => ({
    purl: 'pkg:pypi/demo@1.0',
    digests: hashes.map((value) => ({ algorithm: 'sha256', value })),
  });
  return {
    source,
    inner,
    entry,
    wheel,
    sdist,
    otherWheel,
    setTamper: (t: typeof tamper) => (tamper = t),
  };
}

const codes = (r: Awaited<ReturnType<typeof run>>) =>
  r.dependencies[0]!.checks.map((c) => `${c.status}:${c.code}`);

describe('file sets in lockfile verification', () => {
  it('verifies author-signed files: both pinned, each checked in full (signature, key, countersignature, inclusion)', async () => {
    const t = setup();
    const r = await run(t.source, [t.entry(sha(t.wheel), sha(t.sdist))]);
    expect(r.ok, JSON.stringify(r.dependencies[0], null, 1)).toBe(true);
    expect(r.dependencies[0]!.status).toBe('verified');
    expect(r.dependencies[0]!.purl).toBe('pkg:pypi/demo@1.0');
    expect(codes(r).filter((c) => c === 'pass:INCLUSION_PROOF_VALID')).toHaveLength(2);
    expect(codes(r).filter((c) => c === 'pass:AUTHOR_SIGNATURE_VALID')).toHaveLength(2);
    expect(r.dependencies[0]!.signer).toBeDefined();
  });

  it("fails a pinned hash that is another version's file, naming it", async () => {
    const t = setup();
    const r = await run(t.source, [t.entry(sha(t.wheel), sha(t.otherWheel))]);
    expect(r.ok).toBe(false);
    const c = r.dependencies[0]!.checks.find((x) => x.code === 'DIGEST_NOT_LOGGED')!;
    expect(c.reason).toContain(`sha256:${sha(t.otherWheel)}`);
    expect(c.reason).toContain('demo-1.0.tar.gz');
  });

  it("refuses a set that slips in another release's record", async () => {
    const t = setup();
    const other = (await t.inner.lookup([file('demo', '2.0', 'demo-2.0-py3-none-any.whl')]))
      .records[file('demo', '2.0', 'demo-2.0-py3-none-any.whl')] as SigilRecord;
    t.setTamper((f) => [...f, other]);
    const r = await run(t.source, [t.entry(sha(t.otherWheel))]);
    expect(codes(r)).toEqual(['fail:RECORD_PURL_MISMATCH']);
  });

  it("catches a file whose digests were changed to match a forged lockfile (the registry's countersignature names the real ones)", async () => {
    const t = setup();
    const forged = randomBytes(300);
    t.setTamper((f) =>
      f.map((r, i) =>
        i === 0 ? { ...r, digests: { sha256: sha(forged), sha512: r.digests.sha512 } } : r,
      ),
    );
    const r = await run(t.source, [t.entry(sha(forged))]);
    expect(r.ok).toBe(false);
    expect(r.dependencies[0]!.status).toBe('failed');
    expect(codes(r).some((c) => /^fail:(COUNTERSIGNATURE|DIGEST|SUBJECT|AUTHOR)/.test(c))).toBe(
      true,
    );
  });

  it('refuses an endless list and malformed members without a crash', async () => {
    const t = setup();
    t.setTamper((f) => Array.from({ length: MAX_FILES_PER_VERSION + 1 }, () => f[0]));
    expect(codes(await run(t.source, [t.entry(sha(t.wheel))]))).toEqual(['fail:RECORD_INVALID']);
    t.setTamper((f) => [...f, null, 42]);
    expect(codes(await run(t.source, [t.entry(sha(t.wheel))]))).toEqual(['fail:RECORD_INVALID']);
  });

  it('a client that predates file sets reads one as a malformed record (fails closed, never "unsigned")', async () => {
    const t = setup();
    const set = (await t.source.lookup(['pkg:pypi/demo@1.0'])).records['pkg:pypi/demo@1.0'];
    const old = await checkDependency(t.entry(sha(t.wheel)), set as unknown as SigilRecord, {
      policy: (await import('../../src/verify-project/policy.js')).DEFAULT_POLICY,
      trust: { version: 1, namespaces: {} },
      registryKeys: [],
      logOrigin: 'x',
      checkpoints: new Map(),
      refusedCheckpoints: new Map(),
    });
    expect(old.status).toBe('failed');
    expect(old.checks.map((c) => c.code)).toEqual(['RECORD_INVALID']);
  });
});
