// The one durable write (src/io/durable-file.ts, issue 15 item 2): concurrent writers to one
// path never collide (the old fixed temp name made the loser's rename fail with ENOENT), the
// file is always one writer's bytes whole, exclusive writes have exactly one winner, and no
// temp file is left behind.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  writeFileAtomic,
  writeFileAtomicSync,
  writeFileDurable,
} from '../../src/io/durable-file.js';

const fresh = () => mkdtempSync(join(tmpdir(), 'sigil-durable-'));
const payload = (i: number) => `writer ${i} `.repeat(2000 + i); // different lengths: a mix shows

describe('writeFileAtomic', () => {
  it('64 concurrent writers to one path: every write succeeds, the file is one of them whole', async () => {
    const dir = fresh();
    const path = join(dir, 'state.json');
    const all = Array.from({ length: 64 }, (_, i) => payload(i));
    await Promise.all(all.map((text) => writeFileAtomic(path, text)));
    expect(all).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(dir)).toEqual(['state.json']);
  });

  it('writers in four processes at once: the file is always one writer’s bytes whole', async () => {
    const dir = fresh();
    const path = join(dir, 'shared.txt');
    const module = pathToFileURL(join(process.cwd(), 'src/io/durable-file.ts')).href;
    const script = join(dir, 'writer.mts');
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(module)};
const id = Number(process.argv[2]);
for (let n = 0; n < 40; n++) await writeFileAtomic(${JSON.stringify(path)}, \`\${id}:\`.repeat(3000 + id));
`,
    );
    const run = (id: number) =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', script, String(id)], {
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('error', reject);
        child.on('close', (code) => resolve(code ?? -1));
      });
    const readers = (async () => {
      const seen = new Set<string>();
      for (let n = 0; n < 200; n++) {
        try {
          const text = readFileSync(path, 'utf8');
          const id = text.slice(0, text.indexOf(':'));
          expect(text).toBe(`${id}:`.repeat(3000 + Number(id)));
          seen.add(id);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
      return seen;
    })();
    const codes = await Promise.all([1, 2, 3, 4].map(run));
    await readers;
    expect(codes).toEqual([0, 0, 0, 0]);
    const final = readFileSync(path, 'utf8');
    const id = Number(final.slice(0, final.indexOf(':')));
    expect(final).toBe(`${id}:`.repeat(3000 + id));
    expect(readdirSync(dir).sort()).toEqual(['shared.txt', 'writer.mts']);
  }, 60_000);

  it('exclusive: of 16 concurrent writers exactly one wins, the rest get EEXIST', async () => {
    const dir = fresh();
    const path = join(dir, 'key');
    const results = await Promise.allSettled(
      Array.from({ length: 16 }, (_, i) => writeFileAtomic(path, payload(i), { exclusive: true })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results)
      if (r.status === 'rejected') expect((r.reason as NodeJS.ErrnoException).code).toBe('EEXIST');
    expect(readdirSync(dir)).toEqual(['key']);
    // The sync form refuses too and leaves the winner untouched.
    const before = readFileSync(path, 'utf8');
    expect(() => writeFileAtomicSync(path, 'late', { exclusive: true })).toThrow(/EEXIST/);
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual(['key']);
  });

  it('keeps the mode, replaces in place, and leaves no temp file when the folder is missing', async () => {
    const dir = fresh();
    const path = join(dir, 'secret');
    writeFileAtomicSync(path, 'one', { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    writeFileAtomicSync(path, new Uint8Array([116, 119, 111]));
    expect(readFileSync(path, 'utf8')).toBe('two');
    await expect(writeFileAtomic(join(dir, 'nope', 'x'), 'y')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('writeFileDurable creates the folders first', async () => {
    const dir = fresh();
    await writeFileDurable(join(dir, 'a', 'b', 'c.txt'), 'deep');
    expect(readFileSync(join(dir, 'a', 'b', 'c.txt'), 'utf8')).toBe('deep');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['c.txt']);
  });
});
