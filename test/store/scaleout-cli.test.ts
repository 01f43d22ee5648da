// `sigil log serve --database/--objects` refuses half a configuration, a URL of the wrong kind,
// credentials in the URL, and an engine it cannot reach — each with a message and a hint, exit 2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'sigil-scaleout-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const serve = (...flags: string[]) =>
  runCli(['log', 'serve', '--data', dir, '--origin', 'cli.sigil.test', '--port', '0', ...flags]);

describe('sigil log serve scale-out flags', () => {
  it('refuses --database without --objects, and the reverse', async () => {
    const a = await serve('--database', 'postgres://sigil@db/sigil');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--database needs --objects/);
    const b = await serve('--objects', 's3://bucket');
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--objects needs --database/);
  });

  it('refuses URLs of the wrong kind and credentials in the URL', async () => {
    const a = await serve('--database', 'mysql://db/sigil', '--objects', 's3://bucket');
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/--database: expected postgres:\/\//);
    const b = await serve(
      '--database',
      'postgres://db/sigil',
      '--objects',
      's3://key:secret@bucket',
    );
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/credentials do not belong in the URL/);
    expect(b.stderr).toMatch(/AWS_ACCESS_KEY_ID/);
  });

  it('names an unreachable PostgreSQL instead of crashing', async () => {
    const r = await serve(
      '--database',
      `postgres://sigil@/sigil?host=${encodeURIComponent(join(dir, 'no-such-socket-dir'))}`,
      '--objects',
      's3://bucket?endpoint=http://127.0.0.1:9',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot start: PostgreSQL .* is unavailable \(connect ENOENT/);
    expect(r.stderr).not.toMatch(/this is a bug/);
  });
});
