/**
 * Test helpers for ecosystem adapters: in-memory artifacts, a tiny zip writer
 * (stored entries; lets tests make hostile names real tools refuse to write),
 * tar.gz from entries, and tool lookup that fails under CI=true.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { crc32, gzipSync } from 'node:zlib';
import type { Artifact } from '../../src/ecosystems/adapter.js';
import { memoryArtifact } from '../../src/ecosystems/memory-artifact.js';
import { needsCondition, needsProgram, programEnv } from '../helpers/real-program.js';

/** memArtifact serves bytes as an Artifact, the way uploads are served (small chunks exercise streaming). */
export function memArtifact(name: string, data: Uint8Array): Artifact {
  return memoryArtifact(name, Buffer.from(data), 4096);
}

export function fileArtifact(path: string): Artifact {
  const buf = readFileSync(path);
  return { ...memArtifact(basename(path), buf), path, size: statSync(path).size };
}

export interface ZipInput {
  name: string;
  data?: string | Uint8Array;
  /** Unix mode incl. type bits (0o120000 symlink). */
  mode?: number;
}

/** makeZip writes a stored (uncompressed) zip with the given raw names. */
export function makeZip(entries: readonly ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const data = Buffer.from(e.data ?? '');
    const crc = crc32(data);
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4);
    lh.writeUInt16LE(0x0800, 6);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(data.length, 18);
    lh.writeUInt32LE(data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE(0x031e, 4);
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(data.length, 20);
    ch.writeUInt32LE(data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(((e.mode ?? (e.name.endsWith('/') ? 0o40755 : 0o100644)) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, data);
    centrals.push(ch, name);
    offset += 30 + name.length + data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

export interface TarInput {
  name: string;
  data?: string | Uint8Array;
  type?: 'file' | 'dir' | 'symlink';
  linkTarget?: string;
  mode?: number;
}

function octal(n: number, len: number): string {
  return `${n.toString(8).padStart(len - 1, '0')}\0`;
}

/** makeTarGz writes a ustar archive (raw names, so hostile ones too), gzipped. */
export function makeTarGz(entries: readonly TarInput[], gzip = true): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const h = Buffer.alloc(512);
    h.write(e.name, 0, 100, 'utf8');
    h.write(octal(e.mode ?? (e.type === 'dir' ? 0o755 : 0o644), 8), 100);
    h.write(octal(0, 8), 108);
    h.write(octal(0, 8), 116);
    h.write(octal(e.type === 'file' || e.type === undefined ? data.length : 0, 12), 124);
    h.write(octal(0, 12), 136);
    h.write('        ', 148);
    h.write(e.type === 'dir' ? '5' : e.type === 'symlink' ? '2' : '0', 156);
    if (e.linkTarget) h.write(e.linkTarget, 157, 100, 'utf8');
    h.write('ustar\u000000', 257);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
    blocks.push(h);
    if (e.type === 'file' || e.type === undefined) {
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const tar = Buffer.concat(blocks);
  return gzip ? gzipSync(tar) : tar;
}

export function tempDir(prefix = 'sigil-eco1-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * hasTool tells whether a command runs and exits 0 with `args`, or, without args, whether it
 * is installed at all (test/helpers/real-program.ts, the one mechanism): locally a missing
 * tool skips and says so; under CI=true it throws (the test fails, not skips).
 */
export function hasTool(cmd: string, args?: string[]): boolean {
  const hint = "see .ci/apt-packages; cargo is rustup's";
  const p = args
    ? needsProgram(cmd, args, hint, undefined, { mustExitZero: true })
    : needsCondition(
        `\`${cmd}\``,
        spawnSync('sh', ['-c', 'command -v "$0"', cmd], { env: programEnv() }).status === 0,
        hint,
      );
  p.require();
  return p.present;
}

/** toolEnv is the environment real tools run with (PATH includes rustup's ~/.cargo/bin). */
export const toolEnv = programEnv;

export function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): string {
  return execFileSync(cmd, args, {
    cwd,
    env: toolEnv(env),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}
