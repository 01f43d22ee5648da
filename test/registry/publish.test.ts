// The publish pipeline against a real (in-memory) log and the real release store.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { serializeBundle } from '../../src/core/bundle.js';
import { digestBytes } from '../../src/core/digest.js';
import { generateKey, type PrivateKey, type PublicKey } from '../../src/core/keys.js';
import { signRelease } from '../../src/core/sign.js';
import { checkInclusion, recordHash, parseCheckpoint, parseNote } from '../../src/log/index.js';
import type { AuthorKeyAuthority, KeyEventPlan } from '../../src/registry/authority.js';
import { RegistryError } from '../../src/registry/errors.js';
import {
  publishRelease,
  recoverPending,
  type RegistryContext,
} from '../../src/registry/publish.js';
import { ReleaseStore } from '../../src/store/registry/releases.js';
import { MemoryLog } from '../helpers/memory-log.js';
import { buildTgz } from '../helpers/tar-builder.js';
import { embeddedRegistryStorage } from '../../src/store/registry/registry-storage.js';

/** A fixed key table standing in for the ledger (the ledger has its own tests). */
class StaticAuthority implements AuthorKeyAuthority {
  constructor(readonly table: Map<string, PublicKey[]>) {}
  async keysFor(packagePurl: string) {
    return {
      namespace: packagePurl,
      keys: this.table.get(packagePurl) ?? [],
      resetInHistory: false,
    };
  }
  async submitKeyEvent(): Promise<never> {
    throw new RegistryError(400, 'UNSUPPORTED', 'no key events in this test');
  }
  async withKeyEvents<T>(
    envelopes: readonly unknown[],
    run: (plan: KeyEventPlan) => Promise<T>,
  ): Promise<T> {
    if (envelopes.length > 0)
      throw new RegistryError(400, 'UNSUPPORTED', 'no key events in this test');
    const keysFor = (p: string) => ({
      namespace: p,
      keys: this.table.get(p) ?? [],
      resetInHistory: false,
    });
    return run({
      namespaces: [],
      keysFor,
      stage: async () => undefined,
      commit: async () => [],
      logged: () => false,
      discard: async () => undefined,
    });
  }
}

const tgz = (name: string, version: string, extra = '') =>
  buildTgz([
    { name: 'package/package.json', content: JSON.stringify({ name, version }) },
    { name: 'package/index.js', content: `module.exports = 1;${extra}` },
  ]);

function signFor(bytes: Buffer, purl: string, key: PrivateKey) {
  return JSON.parse(serializeBundle(signRelease({ purl, digests: digestBytes(bytes), key })));
}

let ctx: RegistryContext;
let author: PrivateKey;
let log: MemoryLog;

beforeEach(() => {
  author = generateKey();
  log = new MemoryLog({ origin: 'registry.test/log' });
  const dir = mkdtempSync(join(tmpdir(), 'sigil-reg-'));
  const store = new ReleaseStore(dir);
  ctx = {
    store,
    storage: embeddedRegistryStorage(store, dir),
    log,
    registryKey: generateKey('ecdsa-p256'),
    baseUrl: 'http://registry.test',
    authority: new StaticAuthority(new Map([['pkg:npm/left-pad', [author.publicKey]]])),
    requireAuthorSignature: false,
    now: () => new Date('2026-11-25T12:00:00Z'),
  };
});

describe('publishRelease', () => {
  it('publishes a signed release: record with countersignature, npm signature and proofs that verify', async () => {
    const bytes = tgz('left-pad', '1.3.0');
    const out = await publishRelease(ctx, {
      filename: 'left-pad-1.3.0.tgz',
      artifact: bytes,
      bundle: signFor(bytes, 'pkg:npm/left-pad@1.3.0', author),
    });
    expect(out.status).toBe(201);
    const r = out.record;
    expect(r.purl).toBe('pkg:npm/left-pad@1.3.0');
    expect(r.digests.sha512).toBe(digestBytes(bytes).sha512);
    expect(r.native['sri-sha512']).toMatch(/^sha512-/);
    expect(r.registrySignature?.keyid).toMatch(/^SHA256:/);
    const size = parseCheckpoint(parseNote(r.log.checkpoint).text);
    for (const inc of [r.log.author!, r.log.publish]) {
      const leaf = await log.readEntry(inc.logIndex);
      const check = checkInclusion(
        inc.hashes.map((h) => Buffer.from(h, 'base64')),
        inc.logIndex,
        size.size,
        recordHash(leaf!),
        size.hash,
      );
      expect(check.status).toBe('pass');
    }
    expect(ctx.store.readBlob(r.digests.sha256)?.equals(bytes)).toBe(true);
  });

  it('the same bytes again are idempotent; other bytes for the same version are refused (409)', async () => {
    const bytes = tgz('left-pad', '1.3.0');
    const bundle = signFor(bytes, 'pkg:npm/left-pad@1.3.0', author);
    await publishRelease(ctx, { filename: 'a.tgz', artifact: bytes, bundle });
    const again = await publishRelease(ctx, { filename: 'a.tgz', artifact: bytes, bundle });
    expect(again.status).toBe(200);
    const other = tgz('left-pad', '1.3.0', ' // changed');
    await expect(
      publishRelease(ctx, {
        filename: 'a.tgz',
        artifact: other,
        bundle: signFor(other, 'pkg:npm/left-pad@1.3.0', author),
      }),
    ).rejects.toMatchObject({ status: 409, code: 'VERSION_EXISTS' });
  });

  it('refuses a bundle for another version (replay of an old valid bundle)', async () => {
    const v1 = tgz('left-pad', '1.3.0');
    const oldBundle = signFor(v1, 'pkg:npm/left-pad@1.3.0', author);
    const v2 = tgz('left-pad', '1.3.1');
    await expect(
      publishRelease(ctx, { filename: 'b.tgz', artifact: v2, bundle: oldBundle }),
    ).rejects.toMatchObject({ status: 400, code: 'AUTHOR_DIGEST_MISMATCH' });
    // signed bytes, wrong purl inside the statement
    await expect(
      publishRelease(ctx, {
        filename: 'b.tgz',
        artifact: v2,
        bundle: signFor(v2, 'pkg:npm/left-pad@9.9.9', author),
      }),
    ).rejects.toMatchObject({ code: 'AUTHOR_PURL_MISMATCH' });
    expect(ctx.store.count()).toBe(0);
    expect(log.size).toBe(0);
  });

  it('refuses a signature by a key the ledger does not authorise', async () => {
    const bytes = tgz('left-pad', '2.0.0');
    await expect(
      publishRelease(ctx, {
        filename: 'c.tgz',
        artifact: bytes,
        bundle: signFor(bytes, 'pkg:npm/left-pad@2.0.0', generateKey()),
      }),
    ).rejects.toMatchObject({ status: 403, code: 'AUTHOR_KEY_UNTRUSTED' });
  });

  it('unsigned uploads are refused where the namespace has keys, accepted elsewhere unless required', async () => {
    const signedNs = tgz('left-pad', '3.0.0');
    await expect(
      publishRelease(ctx, { filename: 'd.tgz', artifact: signedNs, bundle: null }),
    ).rejects.toMatchObject({ status: 403, code: 'AUTHOR_SIGNATURE_REQUIRED' });
    const free = tgz('free-pkg', '1.0.0');
    const out = await publishRelease(ctx, { filename: 'free.tgz', artifact: free, bundle: null });
    expect(out.record.authorBundle).toBeNull();
    expect(out.record.log.author).toBeUndefined();
    const strict = { ...ctx, requireAuthorSignature: true };
    await expect(
      publishRelease(strict, {
        filename: 'free2.tgz',
        artifact: tgz('free-pkg', '1.0.1'),
        bundle: null,
      }),
    ).rejects.toMatchObject({ code: 'AUTHOR_SIGNATURE_REQUIRED' });
  });

  it('malformed uploads are refused with a reason and leave nothing', async () => {
    await expect(
      publishRelease(ctx, {
        filename: 'x.tgz',
        artifact: Buffer.from('not a tarball'),
        bundle: null,
      }),
    ).rejects.toMatchObject({ status: 400, code: 'ARTIFACT_INVALID' });
    await expect(
      publishRelease(ctx, {
        filename: 'x.tgz',
        artifact: buildTgz([{ name: 'package/../../x', content: 'x' }]),
        bundle: null,
      }),
    ).rejects.toMatchObject({ code: 'ARTIFACT_INVALID' });
    const bytes = tgz('left-pad', '4.0.0');
    await expect(
      publishRelease(ctx, { filename: 'x.tgz', artifact: bytes, bundle: { mediaType: 'nope' } }),
    ).rejects.toMatchObject({ code: 'AUTHOR_BUNDLE_MEDIA_TYPE' });
    expect(ctx.store.count()).toBe(0);
  });

  it('of 20 concurrent publishes of one version with different bytes, exactly one wins', async () => {
    const uploads = Array.from({ length: 20 }, (_, i) => {
      const b = tgz('left-pad', '5.0.0', `//${i}`);
      return publishRelease(ctx, {
        filename: 'e.tgz',
        artifact: b,
        bundle: signFor(b, 'pkg:npm/left-pad@5.0.0', author),
      });
    });
    const results = await Promise.allSettled(uploads);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    expect(won.length).toBe(1);
    expect(lost.length).toBe(19);
    for (const l of lost) expect([409]).toContain((l.reason as RegistryError).status);
    expect(ctx.store.count()).toBe(1);
  });

  it('a pushback from the log leaves no trace and says when to retry', async () => {
    let busy = true;
    const busyLog = new MemoryLog({ pushback: () => (busy ? 3 : undefined) });
    const c = { ...ctx, log: busyLog };
    const bytes = tgz('left-pad', '6.0.0');
    const req = {
      filename: 'f.tgz',
      artifact: bytes,
      bundle: signFor(bytes, 'pkg:npm/left-pad@6.0.0', author),
    };
    await expect(publishRelease(c, req)).rejects.toMatchObject({
      status: 503,
      code: 'LOG_BUSY',
      detail: { retryAfterSeconds: 3 },
    });
    expect(c.store.get('pkg:npm/left-pad@6.0.0')).toBeUndefined();
    busy = false;
    expect((await publishRelease(c, req)).status).toBe(201);
  });

  it('recoverPending finishes reservations with an intact blob and drops the rest', async () => {
    const bytes = tgz('left-pad', '7.0.0');
    const bundle = signFor(bytes, 'pkg:npm/left-pad@7.0.0', author);
    // Simulate a crash after the reservation and the blob, before the log append.
    const stuck = new MemoryLog({ pushback: () => 1 });
    await expect(
      publishRelease({ ...ctx, log: stuck }, { filename: 'g.tgz', artifact: bytes, bundle }),
    ).rejects.toBeInstanceOf(RegistryError);
    // abandon ran (no crash); re-create the state a crash leaves: a pending row
    const row = {
      ...(await (async () => {
        const ok = await publishRelease(ctx, { filename: 'g.tgz', artifact: bytes, bundle });
        return ok.record;
      })()),
    };
    expect(row.purl).toBe('pkg:npm/left-pad@7.0.0');
    ctx.store.db
      .prepare(
        `UPDATE release SET state = 'pending', author_index = NULL, publish_index = NULL WHERE purl = ?`,
      )
      .run(row.purl);
    ctx.store.db
      .prepare(
        `INSERT INTO release SELECT 'pkg:npm/left-pad@7.0.1', type, namespace, name, '7.0.1', '${'0'.repeat(64)}', sha512, size, native, published_at, filename, account, author_bundle, author_key_id, author_key_pem, author_entry, publish_envelope, publish_entry, registry_signature, NULL, NULL, 'pending', NULL FROM release WHERE purl = ?`,
      )
      .run(row.purl);
    expect(ctx.store.get(row.purl)).toBeUndefined(); // pending is invisible
    const sizeBefore = log.size;
    const r = await recoverPending(ctx);
    expect(r).toEqual({
      completed: ['pkg:npm/left-pad@7.0.0'],
      dropped: ['pkg:npm/left-pad@7.0.1'],
    });
    expect(log.size).toBe(sizeBefore); // the entries were already logged: dedup, no new leaves
    expect(ctx.store.get(row.purl)?.publishIndex).toBe(row.log.publish.logIndex);
  });
});

describe('batch lookup JSON', () => {
  it('is the same document as the records built one by one (stored JSON embedded, not re-serialized)', async () => {
    const { buildBatchJson, buildRecord } = await import('../../src/registry/records.js');
    const purls: string[] = [];
    for (const v of ['1.0.0', '1.0.1']) {
      const bytes = tgz('left-pad', v);
      purls.push(
        (
          await publishRelease(ctx, {
            filename: 'x.tgz',
            artifact: bytes,
            bundle: signFor(bytes, `pkg:npm/left-pad@${v}`, author),
          })
        ).record.purl,
      );
    }
    await publishRelease(ctx, {
      filename: 'u.tgz',
      artifact: tgz('unsigned-pkg', '1.0.0'),
      bundle: null,
    });
    purls.push('pkg:npm/unsigned-pkg@1.0.0', 'pkg:npm/missing@9.9.9');
    const rows = new Map(purls.map((p) => [p, ctx.store.get(p)]));
    const text = await buildBatchJson(ctx, rows, async () => ({
      namespace: 'pkg:npm/left-pad',
      resetInHistory: true,
    }));
    const doc = JSON.parse(text);
    const checkpoint = await log.latestCheckpoint();
    expect(doc.checkpoint).toBe(checkpoint);
    for (const p of purls) {
      const row = ctx.store.get(p);
      const expected = row
        ? JSON.parse(
            JSON.stringify(await buildRecord(ctx, row, checkpoint, true, 'pkg:npm/left-pad')),
          )
        : null;
      expect(doc.records[p]).toEqual(expected);
    }
  });
});
