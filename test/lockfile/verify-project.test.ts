// verifyProject against an in-memory registry that makes real records: every fault of issue 6.
import { describe, expect, it } from 'vitest';
import { memoryCheckpointMemory } from '../../src/client/checkpoint-memory.js';
import { MemoryRecordSource } from '../helpers/memory-record-source.js';
import { memoryCheckpointClock } from '../../src/client/records/seen.js';
import type { SigilRecord } from '../../src/client/records/source.js';
import { signEnvelope } from '../../src/core/dsse.js';
import { generateKey } from '../../src/core/keys.js';
import { generateNoteKey } from '../../src/log/note-key.js';
import type { LedgerView } from '../../src/client/ledger-view-types.js';
import type { RecordSource } from '../../src/client/records/source.js';
import { parsePolicy } from '../../src/verify-project/policy.js';
import { formatHuman, formatSarif } from '../../src/verify-project/report.js';
import { entryOf, makeRegistry, policy, purlOf, run } from './helpers.js';

const codes = (r: Awaited<ReturnType<typeof run>>, purl: string) =>
  r.dependencies.find((d) => d.purl === purl)!.checks.map((c) => `${c.status}:${c.code}`);

describe('verifyProject', () => {
  it('verifies every dependency: digest, author, key (first use), countersignature, npm signature, inclusion', async () => {
    const { source, entries } = makeRegistry(['left-pad', '@scope/util', 'chalk']);
    const r = await run(source, entries);
    expect(r.ok).toBe(true);
    expect(r.counts).toEqual({ verified: 3, unsigned: 0, failed: 0, skipped: 0 });
    expect(codes(r, purlOf('@scope/util', '1.0.0'))).toEqual([
      'pass:RECORD_FOUND',
      'pass:DIGEST_MATCH',
      'pass:AUTHOR_SIGNATURE_VALID',
      'pass:KEY_FIRST_USE',
      'pass:COUNTERSIGNATURE_VALID',
      'pass:REGISTRY_SIGNATURE_VALID',
      'pass:INCLUSION_PROOF_VALID',
    ]);
    expect(r.project.map((c) => c.code)).toEqual([
      'CHECKPOINT_VALID',
      'CONSISTENCY_FIRST_USE',
      'AGE_NOT_CHECKED',
    ]);
    expect(source.lookups).toBe(1); // one batch
    expect(Object.keys(r.pins.namespaces).sort()).toEqual([
      'pkg:npm/%40scope/util',
      'pkg:npm/chalk',
      'pkg:npm/left-pad',
    ]);
    expect(formatHuman(r)).toMatch(/3 verified/);
  });

  it('a tampered lockfile digest is reported as tampering, with both digests', async () => {
    const { source, entries } = makeRegistry(['lodash']);
    const forged = [
      {
        ...entries[0]!,
        digests: [
          {
            algorithm: 'sri-sha512',
            value: entries[0]!.digests[0]!.value.replace(/^sha512-../, 'sha512-AB'),
          },
        ],
      },
    ];
    const r = await run(source, forged);
    expect(r.ok).toBe(false);
    const c = r.dependencies[0]!.checks.find((x) => x.code === 'DIGEST_MISMATCH')!;
    expect(c.reason).toMatch(/lockfile sha512-AB.*≠ signed sha512-.*tampered/);
    expect(c.detail).toMatchObject({ lockfile: forged[0]!.digests[0]!.value });
    expect(formatHuman(r)).toMatch(/1 FAILED\n\s+lodash@1.0.0\s+lockfile sha512-/);
  });

  it('a package without a record is unsigned: warned by default, failed when the policy says so', async () => {
    const { source, entries } = makeRegistry(['ms', 'inherits'], { unpublished: ['ms'] });
    const warned = await run(source, entries);
    expect(warned.ok).toBe(true);
    expect(warned.counts).toMatchObject({ verified: 1, unsigned: 1 });
    expect(formatHuman(warned)).toMatch(/1 unsigned\s+allowed by policy \(warn\): ms@1.0.0/);
    const failed = await run(source, entries, { policy: policy({ unsigned: 'fail' }) });
    expect(failed.ok).toBe(false);
    expect(codes(failed, purlOf('ms', '1.0.0'))).toContain('fail:UNSIGNED_NOT_ALLOWED');
  });

  it('requireAuthorSignature fails a countersigned release that its author did not sign', async () => {
    const { source, entries } = makeRegistry(['@acme/core', 'other'], {
      unsignedByAuthor: ['@acme/core', 'other'],
    });
    const r = await run(source, entries, {
      policy: policy({ requireAuthorSignature: ['@acme/*'] }),
    });
    expect(r.dependencies.map((d) => d.status)).toEqual(['failed', 'unsigned']);
    expect(codes(r, purlOf('@acme/core', '1.0.0'))).toContain('fail:AUTHOR_SIGNATURE_REQUIRED');
  });

  it('a bad author signature fails', async () => {
    const { source, entries } = makeRegistry(['left-pad']);
    source.mutate(entries[0]!.purl, (rec) => {
      const b = rec.authorBundle!;
      const sig = Buffer.from(b.dsseEnvelope.signatures[0]!.sig, 'base64');
      sig[5] = sig[5]! ^ 1;
      return {
        ...rec,
        authorBundle: {
          ...b,
          dsseEnvelope: {
            ...b.dsseEnvelope,
            signatures: [
              { keyid: b.dsseEnvelope.signatures[0]!.keyid, sig: sig.toString('base64') },
            ],
          },
        },
      };
    });
    const r = await run(source, entries);
    expect(codes(r, entries[0]!.purl)).toContain('fail:AUTHOR_SIGNATURE_INVALID');
  });

  it('a bad countersignature fails; a genuine countersignature of another release is mix-and-match', async () => {
    const { source, entries } = makeRegistry(['a', 'b']);
    source.mutate(entries[0]!.purl, (rec) => ({
      ...rec,
      publishStatement: signEnvelope(
        rec.publishStatement.payloadType,
        Buffer.from(rec.publishStatement.payload, 'base64'),
        generateKey('ecdsa-p256'),
      ),
    }));
    const other = (await source.lookup([entries[1]!.purl])).records[entries[1]!.purl]!;
    source.mutate(entries[1]!.purl, () => null);
    const r = await run(source, entries);
    expect(codes(r, entries[0]!.purl)).toContain('fail:COUNTERSIGNATURE_INVALID');
    // b's record answered with a's genuine publish statement:
    const { source: s2, entries: e2 } = makeRegistry(['x', 'y']);
    const xRec = (await s2.lookup([e2[0]!.purl])).records[e2[0]!.purl]! as SigilRecord;
    s2.mutate(e2[1]!.purl, (rec) => ({ ...rec, publishStatement: xRec.publishStatement }));
    const r2 = await run(s2, e2);
    const c = r2.dependencies[1]!.checks.find((x) => x.code === 'COUNTERSIGNATURE_MISMATCH')!;
    expect(c.reason).toMatch(/countersignature is for x@1.0.0 .*not for this release \(y@1.0.0/);
    expect(other.purl).toBe(entries[1]!.purl);
  });

  it('a forged inclusion proof fails', async () => {
    const { source, entries } = makeRegistry(['a', 'b', 'c']);
    source.mutate(entries[1]!.purl, (rec) => ({
      ...rec,
      log: {
        ...rec.log,
        publish: {
          ...rec.log.publish,
          hashes: rec.log.publish.hashes.map((h, i) =>
            i === 0 ? Buffer.alloc(32, 7).toString('base64') : h,
          ),
        },
      },
    }));
    const r = await run(source, entries);
    expect(codes(r, entries[1]!.purl)).toContain('fail:PROOF_ROOT_MISMATCH');
    expect(r.counts.verified).toBe(2);
  });

  it('a checkpoint not signed by the log key fails the project', async () => {
    const { source, entries } = makeRegistry(['a']);
    const impostor = new MemoryRecordSource({ origin: source.origin });
    impostor.append(new Uint8Array([1]));
    source.mutate(entries[0]!.purl, (rec) => ({
      ...rec,
      log: { ...rec.log, checkpoint: impostor.checkpoint() },
    }));
    const r = await run(source, entries);
    expect(r.ok).toBe(false);
    expect(r.project.find((c) => c.status === 'fail')!.code).toBe('CHECKPOINT_INVALID');
    expect(codes(r, entries[0]!.purl)).toContain('fail:CHECKPOINT_INVALID');
  });

  it('remembers the checkpoint and accepts a grown log with a consistency proof', async () => {
    const { source, entries } = makeRegistry(['a', 'b']);
    const memory = memoryCheckpointMemory();
    await run(source, entries, { memory });
    source.publish({ purl: purlOf('c', '1.0.0'), bytes: Buffer.from('c'), author: generateKey() });
    const r = await run(source, entries, { memory });
    expect(r.ok).toBe(true);
    expect(r.project.find((c) => c.name === 'consistency')!.code).toBe('CONSISTENCY_PROOF_VALID');
    expect(memory.all.get(source.origin)).toContain(`\n${source.size}\n`);
  });

  it('a split view (same log key, another history) fails and shows both checkpoints', async () => {
    const { source, entries } = makeRegistry(['a', 'b']);
    const memory = memoryCheckpointMemory();
    await run(source, entries, { memory });
    const remembered = memory.all.get(source.origin)!;
    // The same log (origin and key) shows another history to this client.
    const fork = new MemoryRecordSource({
      origin: source.origin,
      logSignerKey: source.logSignerKey,
      registryKey: source.registryKey,
    });
    const forkPkgs = makeRegistry(['a', 'b', 'c']);
    for (const p of forkPkgs.pkgs)
      fork.publish({ purl: purlOf(p.name, p.version), bytes: p.bytes, author: p.author });
    const r = await run(fork, forkPkgs.entries, { memory });
    expect(r.ok).toBe(false);
    const c = r.project.find((x) => x.code === 'LOG_SPLIT_VIEW')!;
    expect(c.reason).toMatch(/split view/);
    expect(c.reason).toContain('remembered checkpoint:');
    expect(r.splitView?.remembered).toBe(remembered);
    expect(r.splitView?.received).toBe(fork.checkpoint());
    expect(memory.all.get(source.origin)).toBe(remembered); // not replaced by the forked view
  });

  it('a server that answers with an older tree than it showed before is a rollback; an offline snapshot is not', async () => {
    const { source, entries } = makeRegistry(['a', 'b']);
    const purls = entries.map((e) => e.purl);
    const old = await source.lookup(purls); // the server's answer at this size, replayed later
    source.publish({ purl: purlOf('c', '1.0.0'), bytes: Buffer.from('c'), author: generateKey() });
    const memory = memoryCheckpointMemory();
    expect((await run(source, entries, { memory })).ok).toBe(true);
    const remembered = memory.all.get(source.origin)!;
    const replaying = (snapshot: boolean): RecordSource => ({
      name: 'replaying server',
      ...(snapshot ? { snapshot } : {}),
      keys: () => source.keys(),
      lookup: async () => old,
      consistencyProof: (a, b) => source.consistencyProof(a, b),
    });
    const r = await run(replaying(false), entries, { memory });
    expect(r.ok).toBe(false);
    const c = r.project.find((x) => x.name === 'consistency')!;
    expect(c).toMatchObject({ status: 'fail', code: 'LOG_ROLLBACK' });
    expect(c.reason).toMatch(/went back from size \d+ to \d+: a log never shrinks/);
    expect(memory.all.get(source.origin)).toBe(remembered);
    // The same old answer from an offline cache (a snapshot) is consistent with the memory: fine.
    const offline = await run(replaying(true), entries, { memory });
    expect(offline.project.find((x) => x.name === 'consistency')!.code).toBe(
      'CONSISTENCY_PROOF_VALID',
    );
    expect(offline.ok).toBe(true);
    expect(memory.all.get(source.origin)).toBe(remembered); // never moved backwards
  });

  it('a checkpoint older than maxCheckpointAge fails (freeze attack)', async () => {
    const { source, entries } = makeRegistry(['a']);
    const clock = memoryCheckpointClock();
    const t0 = new Date('2026-03-01T00:00:00Z');
    await run(source, entries, { clock, now: () => t0 });
    const fresh = await run(source, entries, {
      clock,
      now: () => new Date(t0.getTime() + 3600_000),
      policy: policy({ maxCheckpointAge: 86400 }),
    });
    expect(fresh.project.find((c) => c.name === 'age')!.code).toBe('CHECKPOINT_FRESH');
    const stale = await run(source, entries, {
      clock,
      now: () => new Date(t0.getTime() + 3 * 86400_000),
      policy: policy({ maxCheckpointAge: 86400 }),
    });
    expect(stale.ok).toBe(false);
    expect(stale.project.find((c) => c.name === 'age')).toMatchObject({
      code: 'CHECKPOINT_STALE',
      status: 'fail',
    });
  });

  it('minWitnesses > 0 fails with a clear reason while no witness cosigns', async () => {
    const { source, entries } = makeRegistry(['a']);
    const r = await run(source, entries, { policy: policy({ minWitnesses: 1 }) });
    expect(r.project.find((c) => c.name === 'witnesses')!.reason).toMatch(
      /requires 1 .*no witness keys are configured/,
    );
    const w = generateNoteKey('witness.example');
    const r2 = await run(source, entries, {
      policy: policy({ minWitnesses: 1, witnesses: [w.verifierKey] }),
    });
    expect(r2.project.find((c) => c.name === 'witnesses')).toMatchObject({
      code: 'WITNESSES_INSUFFICIENT',
    });
  });

  it('pins: a key change outside the ledger fails; a ledger-authorised rotation warns', async () => {
    const { source, entries, pkgs } = makeRegistry(['chalk']);
    const first = await run(source, entries);
    const pins = first.pins;
    expect(pins.namespaces['pkg:npm/chalk']!.keys[0]!.keyid).toBe(pkgs[0]!.author!.publicKey.keyId);
    // The next version is signed by a key nobody authorised.
    const next = {
      name: 'chalk',
      version: '1.1.0',
      bytes: Buffer.from('next'),
      author: generateKey(),
    };
    source.publish({ purl: purlOf('chalk', '1.1.0'), bytes: next.bytes, author: next.author });
    const changed = await run(source, [entryOf(next)], { trust: pins });
    expect(changed.ok).toBe(false);
    expect(changed.dependencies[0]!.checks.find((c) => c.code === 'KEY_CHANGED')!.reason).toMatch(
      /pinned to .* no key ledger authorised the change/,
    );
    const ledger: LedgerView = {
      authorisedAt: (ns, keyId) => ({
        allowed: ns === 'pkg:npm/chalk' && keyId === next.author.publicKey.keyId,
        reason: 'rotated at log index 7 by the previous key',
        reset: false,
      }),
    };
    const rotated = await run(source, [entryOf(next)], { trust: pins, ledger });
    expect(rotated.ok).toBe(true);
    expect(rotated.warnings.map((w) => w.check.code)).toEqual(['KEY_ROTATED']);
    expect(rotated.pins.namespaces['pkg:npm/chalk']!.keys.map((k) => k.keyid)).toEqual([
      pkgs[0]!.author!.publicKey.keyId,
      next.author.publicKey.keyId,
    ]);
  });

  it('policy keys and algorithms restrict who may sign; a ledger reset is always reported', async () => {
    const { source, entries, pkgs } = makeRegistry(['left-pad']);
    const other = generateKey().publicKey.keyId;
    const r = await run(source, entries, { policy: policy({ keys: { 'left-pad': [other] } }) });
    expect(codes(r, entries[0]!.purl)).toContain('fail:KEY_NOT_ALLOWED');
    const ok = await run(source, entries, {
      policy: policy({ keys: { 'npm:left-*': [pkgs[0]!.author!.publicKey.keyId] } }),
    });
    expect(codes(ok, entries[0]!.purl)).toContain('pass:KEY_ALLOWED_BY_POLICY');
    const alg = await run(source, entries, {
      policy: policy({ allowedAlgorithms: ['ecdsa-p256'] }),
    });
    expect(codes(alg, entries[0]!.purl)).toContain('fail:KEY_ALGORITHM_NOT_ALLOWED');
    const noTofu = await run(source, entries, { policy: policy({ trustOnFirstUse: false }) });
    expect(codes(noTofu, entries[0]!.purl)).toContain('fail:KEY_NOT_PINNED');
    const src2 = new MemoryRecordSource();
    const k = generateKey();
    src2.publish({
      purl: purlOf('reset-me', '1.0.0'),
      bytes: Buffer.from('r'),
      author: k,
      ledgerNamespace: 'pkg:npm/reset-me',
      resetInHistory: true,
    });
    const reset = await run(src2, [
      entryOf({ name: 'reset-me', version: '1.0.0', bytes: Buffer.from('r'), author: k }),
    ]);
    expect(reset.ok).toBe(true);
    expect(reset.warnings.map((w) => w.check.code)).toEqual(['LEDGER_RESET']);
  });

  it('an answer for another purl, and git/link/bundled entries, are handled without a crash', async () => {
    const { source, entries } = makeRegistry(['a', 'b']);
    const bRec = (await source.lookup([entries[1]!.purl])).records[
      entries[1]!.purl
    ]! as SigilRecord;
    source.mutate(entries[0]!.purl, () => bRec);
    const r = await run(source, [
      ...entries,
      {
        purl: 'pkg:npm/gitdep@1.0.0',
        digests: [],
        source: 'git',
        resolved: 'git+ssh://git@github.com/x/y.git#abc',
      },
      { purl: 'pkg:npm/%40demo/web@0.0.0-link', digests: [], source: 'link' },
      { purl: 'pkg:npm/tar-fs@3.0.4', digests: [], source: 'bundled' },
    ]);
    expect(codes(r, entries[0]!.purl)).toEqual(['fail:RECORD_PURL_MISMATCH']);
    expect(r.counts).toEqual({ verified: 1, unsigned: 1, failed: 1, skipped: 2 });
  });

  it('SARIF 2.1.0: rules, results with ruleId, level, message and a location in the lockfile', async () => {
    const { source, entries } = makeRegistry(['lodash', 'ms'], { unpublished: ['ms'] });
    const forged = [
      {
        ...entries[0]!,
        digests: [
          { algorithm: 'sri-sha512', value: `sha512-${Buffer.alloc(64, 1).toString('base64')}` },
        ],
      },
      entries[1]!,
    ];
    const r = await run(source, forged);
    const text =
      '{\n  "packages": {\n    "node_modules/lodash": {},\n    "node_modules/ms": {}\n  }\n}\n';
    const sarif = JSON.parse(formatSarif(r, '0.1.0', text));
    expect(sarif.version).toBe('2.1.0');
    const run0 = sarif.runs[0];
    expect(run0.tool.driver.name).toBe('sigil');
    const ids = run0.tool.driver.rules.map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining(['DIGEST_MISMATCH', 'UNSIGNED_ALLOWED']));
    const digest = run0.results.find((x: { ruleId: string }) => x.ruleId === 'DIGEST_MISMATCH');
    expect(digest.level).toBe('error');
    expect(run0.tool.driver.rules[digest.ruleIndex].id).toBe('DIGEST_MISMATCH');
    expect(digest.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'package-lock.json' },
      region: { startLine: 3 },
    });
    expect(
      run0.results.find((x: { ruleId: string }) => x.ruleId === 'UNSIGNED_ALLOWED').level,
    ).toBe('warning');
  });
});

describe('policy files', () => {
  it('JSON and YAML parse; durations and patterns are understood', () => {
    const p = parsePolicy(
      'requireAuthorSignature: ["@acme/*"]\nunsigned: fail\nmaxCheckpointAge: 24h\nminWitnesses: 0\n',
      'sigil.policy.yaml',
    );
    expect(p).toMatchObject({
      requireAuthorSignature: ['@acme/*'],
      unsigned: 'fail',
      maxCheckpointAge: 86400,
      trustOnFirstUse: true,
    });
    expect(
      parsePolicy(
        '{"requireAuthorSignature": "all", "allowedAlgorithms": ["ed25519"]}',
        'sigil.policy.json',
      ).allowedAlgorithms,
    ).toEqual(['ed25519']);
  });

  it('errors name the file, every bad field and what was expected', () => {
    const bad = () =>
      parsePolicy(
        '{"unsigned": "maybe", "maxCheckpointAge": "soon", "minWitnesses": -1, "keys": {"x": ["nope"]}, "colour": 1}',
        'sigil.policy.json',
      );
    expect(bad).toThrow(/sigil\.policy\.json: invalid policy/);
    try {
      bad();
    } catch (e) {
      const m = (e as Error).message;
      expect(m).toContain('unsigned: expected "fail" or "warn", got "maybe"');
      expect(m).toContain(
        'maxCheckpointAge: expected a duration like "90s", "15m", "24h", "7d" or a number of seconds, got "soon"',
      );
      expect(m).toContain('minWitnesses: expected a whole number ≥ 0, got -1');
      expect(m).toContain('keys.x: expected a list of 64-hex-digit key ids or PEM public keys');
      expect(m).toContain('colour: unknown field');
      expect((e as { code: string }).code).toBe('POLICY_INVALID');
    }
    expect(() => parsePolicy('requireAuthorSignature: [\n', 'p.yaml')).toThrow(
      /p\.yaml: is not valid YAML/,
    );
  });
});
