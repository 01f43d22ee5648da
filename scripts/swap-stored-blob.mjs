#!/usr/bin/env node
// Demo helper (scripts/demo.sh): play a disk-level attacker who changes one byte of the bytes a
// registry stores for an artifact. Small blobs are rows of <data>/registry.sqlite, larger ones
// files under <data>/blobs (src/store/registry/releases.ts); this changes whichever holds it.
//   node scripts/swap-stored-blob.mjs <data folder> <sha256 hex>
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const [data, sha256] = process.argv.slice(2);
if (!data || !/^[0-9a-f]{64}$/.test(sha256 ?? '')) {
  console.error('usage: node scripts/swap-stored-blob.mjs <data folder> <sha256 hex>');
  process.exit(2);
}
const flip = (bytes) => {
  const changed = Buffer.from(bytes);
  changed[60] ^= 0x5a;
  return changed;
};
const file = join(data, 'blobs', sha256.slice(0, 2), sha256.slice(2));
if (existsSync(file)) {
  writeFileSync(file, flip(readFileSync(file)));
} else {
  const db = new Database(join(data, 'registry.sqlite'));
  const row = db.prepare('SELECT bytes FROM blob WHERE sha256 = ?').get(sha256);
  if (!row) {
    console.error(`${data} stores no blob ${sha256}`);
    process.exit(1);
  }
  db.prepare('UPDATE blob SET bytes = ? WHERE sha256 = ?').run(flip(row.bytes), sha256);
  db.close();
}
