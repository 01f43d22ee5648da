// A project of real releases on an in-memory Sigil registry (real signatures, real log proofs).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { memoryCheckpointMemory } from '../../src/client/checkpoint-memory.js';
import { MemoryRecordSource } from '../helpers/memory-record-source.js';
import { memoryCheckpointClock } from '../../src/client/records/seen.js';
import type { RecordSource } from '../../src/client/records/source.js';
import { digestBytes, sriFromHex } from '../../src/core/digest.js';
import { generateKey, type PrivateKey } from '../../src/core/keys.js';
import type { LockfileEntry } from '../../src/ecosystems/adapter.js';
import { DEFAULT_POLICY, type Policy } from '../../src/verify-project/policy.js';
import { verifyProject, type VerifyProjectInput } from '../../src/verify-project/verify-project.js';

export interface Pkg {
  name: string;
  version: string;
  bytes: Buffer;
  author: PrivateKey | null;
}

export const purlOf = (name: string, version: string) =>
  `pkg:npm/${name.replace('@', '%40')}@${version}`;

export function entryOf(p: Pkg): LockfileEntry {
  return {
    purl: purlOf(p.name, p.version),
    digests: [
      { algorithm: 'sri-sha512', value: sriFromHex('sha512', digestBytes(p.bytes).sha512!) },
    ],
    location: `node_modules/${p.name}`,
  };
}

/** makePackages publishes n packages (one author key per package) on a fresh memory registry. */
export function makeRegistry(
  names: string[],
  options: { unsignedByAuthor?: string[]; unpublished?: string[] } = {},
) {
  const source = new MemoryRecordSource();
  const pkgs: Pkg[] = names.map((n) => ({
    name: n,
    version: '1.0.0',
    bytes: randomBytes(200),
    author: options.unsignedByAuthor?.includes(n) ? null : generateKey(),
  }));
  for (const p of pkgs)
    if (!options.unpublished?.includes(p.name))
      source.publish({ purl: purlOf(p.name, p.version), bytes: p.bytes, author: p.author });
  return { source, pkgs, entries: pkgs.map(entryOf) };
}

export function baseInput(
  source: RecordSource,
  entries: LockfileEntry[],
  over: Partial<VerifyProjectInput> = {},
): VerifyProjectInput {
  return {
    lockfile: 'package-lock.json',
    format: 'package-lock.json',
    entries,
    source,
    policy: DEFAULT_POLICY,
    policyFile: '(default policy)',
    memory: memoryCheckpointMemory(),
    clock: memoryCheckpointClock(),
    now: () => new Date('2026-03-01T00:00:00Z'),
    ...over,
  };
}

export const run = (
  source: RecordSource,
  entries: LockfileEntry[],
  over: Partial<VerifyProjectInput> = {},
) => verifyProject(baseInput(source, entries, over));
export const policy = (p: Partial<Policy>): Policy => ({ ...DEFAULT_POLICY, ...p });

/** packageLock writes a package-lock.json v3 for the packages into a fresh folder; returns its path. */
export function writeProject(pkgs: Pkg[], tamper?: (lock: Record<string, any>) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sigil-lock-'));
  const packages: Record<string, unknown> = { '': { name: 'demo', version: '1.0.0' } };
  for (const p of pkgs) {
    packages[`node_modules/${p.name}`] = {
      version: p.version,
      resolved: `https://registry.npmjs.org/${p.name}/-/${p.name.split('/').pop()}-${p.version}.tgz`,
      integrity: sriFromHex('sha512', digestBytes(p.bytes).sha512!),
    };
  }
  const lock = { name: 'demo', version: '1.0.0', lockfileVersion: 3, requires: true, packages };
  tamper?.(lock);
  const path = join(dir, 'package-lock.json');
  writeFileSync(path, JSON.stringify(lock, null, 2));
  return path;
}

/** serve exposes a RecordSource as a Sigil server's record endpoints (keys.json, batch lookup, single GET). */
export async function serve(
  source: MemoryRecordSource,
): Promise<{ url: string; app: FastifyInstance; requests: string[] }> {
  const app = Fastify();
  const requests: string[] = [];
  app.addHook('onRequest', async (req) => void requests.push(`${req.method} ${req.url}`));
  app.get('/.well-known/sigil/keys.json', async () => source.keys());
  app.post('/api/v1/releases/lookup', async (req) =>
    source.lookup((req.body as { purls: string[] }).purls),
  );
  app.get('/api/v1/releases/*', async (req, reply) => {
    const purl = decodeURIComponent((req.params as { '*': string })['*']);
    const r = (await source.lookup([purl])).records[purl];
    return r
      ? r
      : reply.code(404).send({ code: 'RELEASE_NOT_FOUND', message: `${purl} is not published` });
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url, app, requests };
}
