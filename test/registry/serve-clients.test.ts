// `sigil serve --json` start-up output carries each package client's configuration line
// (clients.pip, twine, cargo, gem, composer), and every URL in them answers on that server.
// Runs the built CLI (dist/) as a real process.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { expect, it } from 'vitest';
import { SIGIL_BIN } from '../helpers/cli.js';

it('sigil serve --json prints the client lines, and their URLs answer', async () => {
  const data = mkdtempSync(join(tmpdir(), 'sigil-serve-clients-'));
  const child = spawn(
    process.execPath,
    [SIGIL_BIN, 'serve', '--json', '-l', '127.0.0.1:0', '-d', data],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' } },
  );
  try {
    const first = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`sigil serve exited ${code}`)));
    });
    const out = JSON.parse(first) as { url: string; clients: Record<string, string> };
    expect(Object.keys(out.clients).sort()).toEqual(['cargo', 'composer', 'gem', 'pip', 'twine']);
    expect(out.clients['pip']).toBe(`pip install --index-url ${out.url}/pypi/simple/ <project>`);
    const urls = Object.values(out.clients).flatMap((l) =>
      [...l.matchAll(/https?:\/\/[^\s"]+/g)].map((m) => m[0]),
    );
    expect(urls).toEqual(
      expect.arrayContaining([
        `${out.url}/pypi/simple/`,
        `${out.url}/cargo/index/`,
        `${out.url}/rubygems/`,
        `${out.url}/composer`,
      ]),
    );
    for (const u of [
      `${out.url}/pypi/simple/`,
      `${out.url}/cargo/index/config.json`,
      `${out.url}/rubygems/versions`,
      `${out.url}/composer/packages.json`,
    ]) {
      expect((await fetch(u)).status, u).toBe(200);
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(data, { recursive: true, force: true });
  }
}, 60_000);
