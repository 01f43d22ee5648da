// Replicas started together on an empty database race to create the first admin account: exactly
// one creates it and prints its token, the others start without one (before: ACCOUNT_EXISTS at start).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openRegistry } from '../../src/registry/server.js';
import { memoryRegistryStorage } from '../../src/store/registry/registry-storage.js';

const root = mkdtempSync(join(tmpdir(), 'sigil-first-admin-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('three registries opened at once over one storage: one admin account, one first-start token, all three start', async () => {
  const storage = memoryRegistryStorage();
  // All three list the (empty) accounts before any creates one: the race replicas can lose.
  let arrived = 0;
  let release!: () => void;
  const allListed = new Promise<void>((r) => (release = r));
  const auth = Object.create(storage.auth) as typeof storage.auth;
  auth.listAccounts = async () => {
    const accounts = await storage.auth.listAccounts();
    if (++arrived === 3) release();
    if (arrived <= 3) await allListed;
    return accounts;
  };
  const shared = { ...storage, auth, close: async () => undefined }; // closed once, below
  const regs = await Promise.all(
    [0, 1, 2].map((i) =>
      openRegistry({
        dataDir: join(root, `r${i}`),
        host: '127.0.0.1',
        port: 0,
        passphrase: 'pw',
        storage: shared,
      }),
    ),
  );
  try {
    expect(regs.filter((r) => r.adminToken !== undefined)).toHaveLength(1);
    expect((await storage.auth.listAccounts()).map((a) => a.name)).toEqual(['admin']);
  } finally {
    for (const r of regs) await r.close();
    await storage.close();
  }
});
