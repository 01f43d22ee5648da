// `sigil serve` start-up safety: a start that cannot listen creates nothing; a data
// folder that is a file is an input error (exit 2); a later start without a token
// says how to make one; names follow --public-url; a changed address is reported.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, SIGIL_BIN } from './helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'sigil-serve-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** startServe runs `sigil serve --json` as a process, returns its start-up facts and stderr, then stops it. */
async function startServe(
  args: string[],
): Promise<{ facts: Record<string, unknown>; stderr: string }> {
  const child = spawn(process.execPath, [SIGIL_BIN, 'serve', '--json', ...args], {
    env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    await new Promise((r) => setTimeout(r, 100)); // warnings follow the facts
    return { facts: JSON.parse(stdout.split('\n')[0]!) as Record<string, unknown>, stderr };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

describe('sigil serve start-up', () => {
  it('a port in use: exit 2, a message, and nothing created (the next start still shows the admin token)', async () => {
    const data = join(tmp, 'busy');
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    const port = (holder.address() as { port: number }).port;
    try {
      const r = await runCli(['serve', '-d', data, '-p', String(port)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /sigil: error: cannot listen on 127\.0\.0\.1:\d+: the port is in use; nothing was created/,
      );
      expect(existsSync(data)).toBe(false);
    } finally {
      await new Promise<void>((r) => holder.close(() => r()));
    }
    const { facts } = await startServe(['-d', data, '-p', String(port)]);
    expect(facts['adminToken']).toMatch(/^sgl_/);
    expect((facts['log'] as { origin: string }).origin).toBe(`127.0.0.1:${port}/log`);
  });

  it('-d naming a file: exit 2 with a message, not "unexpected failure"', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'x');
    const r = await runCli(['serve', '-d', file, '-p', String(await freePort())]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /sigil: error: -d\/--data .*a-file is a file; the registry needs a data folder/,
    );
    const under = await runCli(['serve', '-d', join(file, 'sub'), '-p', String(await freePort())]);
    expect(under.code).toBe(2);
    expect(under.stderr).not.toMatch(/unexpected|bug/);
  });

  it('names follow --public-url; a later start at another address says the names are kept, and how to make a token', async () => {
    const data = join(tmp, 'public');
    const first = await startServe([
      '-d',
      data,
      '-p',
      String(await freePort()),
      '--public-url',
      'https://registry.example.org/',
    ]);
    expect((first.facts['log'] as { origin: string }).origin).toBe('registry.example.org/log');
    expect((first.facts['go'] as { gosumdb: string }).gosumdb).toMatch(
      /^registry\.example\.org\/go\+/,
    );

    const port = await freePort();
    const again = await startServe(['-d', data, '-p', String(port)]);
    expect(again.facts['adminToken']).toBeNull();
    expect(again.stderr).toMatch(
      /sigil: warning: the log keeps its origin "registry\.example\.org\/log" .* now at http:\/\/127\.0\.0\.1:\d+/,
    );
    expect(again.stderr).toMatch(
      /sigil: warning: GOSUMDB keeps its name "registry\.example\.org\/go"/,
    );
  });

  it('the human start-up text says how to make an admin token when none is shown', async () => {
    const data = join(tmp, 'public');
    const child = spawn(
      process.execPath,
      [
        SIGIL_BIN,
        'serve',
        '-d',
        data,
        '-p',
        String(await freePort()),
        '--public-url',
        'https://registry.example.org',
      ],
      { env: { ...process.env, SIGIL_SERVER_PASSPHRASE: '' } },
    );
    let out = '';
    await new Promise<void>((resolve) =>
      child.stdout.on(
        'data',
        (d: Buffer) => ((out += d.toString()), out.includes('use it:') && resolve()),
      ),
    );
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    expect(out).toMatch(
      /admin token +not shown .*sigil account token create admin --action publish,keys,admin -d /,
    );
  });
});
