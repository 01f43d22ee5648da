/** root.json is kept and versioned (src/registry/personalities/hackage/root-role.ts says why). */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  currentRoot,
  hackageKeyOf,
  memoryRootFile,
  rootFileAt,
  type HackageKey,
} from '../../src/registry/personalities/hackage/index.js';

const newKey = () => hackageKeyOf(generateKeyPairSync('ed25519').privateKey);
const keySet = (
  roots: HackageKey[],
  online: HackageKey,
  threshold = 1,
  retired: HackageKey[] = [],
) => ({
  root: roots[0]!,
  roots,
  threshold,
  retired,
  online,
});
const keys = keySet([newKey()], newKey());
const YEAR = 365 * 24 * 3600;
const signedOf = (b: Buffer) => JSON.parse(b.toString('utf8')).signed;

describe('hackage root.json', () => {
  it('keeps its bytes across restarts (a new file handle on the same path)', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sigil-hroot-')), 'hackage-root.json');
    const t0 = new Date('2026-01-01T00:00:00Z');
    const first = await currentRoot(rootFileAt(path), keys, YEAR, t0);
    const later = await currentRoot(rootFileAt(path), keys, YEAR, new Date('2026-03-01T00:00:00Z'));
    expect(later).toEqual(first);
    expect(readFileSync(path)).toEqual(first);
    expect(signedOf(first).version).toBe(1);
  });

  it('is re-signed with the next version at half its life, never with the same version', async () => {
    const file = memoryRootFile();
    const first = await currentRoot(file, keys, YEAR, new Date('2026-01-01T00:00:00Z'));
    const renewed = await currentRoot(file, keys, YEAR, new Date('2026-07-03T00:00:00Z'));
    expect(renewed).not.toEqual(first);
    expect(signedOf(renewed).version).toBe(2);
    expect(signedOf(renewed).expires).toBe('2027-07-03T00:00:00Z');
  });

  it('names new keys in the next version', async () => {
    const file = memoryRootFile();
    await currentRoot(file, keys, YEAR, new Date('2026-01-01T00:00:00Z'));
    const rotated = await currentRoot(
      file,
      keySet(keys.roots as HackageKey[], newKey()),
      YEAR,
      new Date('2026-01-02T00:00:00Z'),
    );
    expect(signedOf(rotated).version).toBe(2);
  });

  it('starts again at version 1 from an unreadable file rather than serving it', async () => {
    const file = memoryRootFile();
    await file.write(Buffer.from('{"signed": {"version": "x"}}'));
    const root = await currentRoot(file, keys, YEAR, new Date('2026-01-01T00:00:00Z'));
    expect(signedOf(root).version).toBe(1);
  });

  it('a rotated root key: the next version lists the new key and is signed by the retired one too', async () => {
    const file = memoryRootFile();
    const [a, b, online] = [newKey(), newKey(), newKey()];
    await currentRoot(file, keySet([a], online), YEAR, new Date('2026-01-01T00:00:00Z'));
    const rotated = await currentRoot(
      file,
      keySet([b], online, 1, [a]),
      YEAR,
      new Date('2026-01-02T00:00:00Z'),
    );
    const doc = JSON.parse(rotated.toString('utf8'));
    expect(doc.signed.version).toBe(2);
    expect(doc.signed.roles.root.keyids).toEqual([b.keyId]);
    expect(doc.signatures.map((s: { keyid: string }) => s.keyid).sort()).toEqual(
      [a.keyId, b.keyId].sort(),
    );
    expect(Object.keys(doc.signed.keys)).toContain(a.keyId);
  });

  it('refuses to rotate when fewer of the previous root keys are at hand than its threshold', async () => {
    const file = memoryRootFile();
    const [a, b, c, online] = [newKey(), newKey(), newKey(), newKey()];
    await currentRoot(file, keySet([a, b], online, 2), YEAR, new Date('2026-01-01T00:00:00Z'));
    await expect(
      currentRoot(file, keySet([a, c], online, 2), YEAR, new Date('2026-01-02T00:00:00Z')),
    ).rejects.toMatchObject({ code: 'HACKAGE_ROOT_ROTATION_UNSIGNED' });
    // nothing was written: the kept root is still version 1
    expect(JSON.parse(file.read()!.toString('utf8')).signed.version).toBe(1);
    const ok = await currentRoot(
      file,
      keySet([a, c], online, 2, [b]),
      YEAR,
      new Date('2026-01-02T00:00:00Z'),
    );
    expect(JSON.parse(ok.toString('utf8')).signed.version).toBe(2);
  });
});
