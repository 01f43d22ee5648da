// Test helper: a real `openRegistry` on port 0 with accounts, and thin HTTP calls against it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { DsseEnvelope } from '../../src/core/dsse.js';
import { openRegistry, type Registry, type RegistryOptions } from '../../src/registry/server.js';

export interface Answer {
  status: number;
  text: string;
  json: Record<string, unknown> & {
    error?: { code: string; message: string; hint?: string; detail?: Record<string, unknown> };
  };
}

export interface TestRegistry {
  reg: Registry;
  url: string;
  admin: string;
  call(token: string, method: string, path: string, body?: unknown): Promise<Answer>;
  publish(
    token: string,
    bytes: Buffer,
    opts?: { filename?: string; bundle?: unknown; keyEvents?: DsseEnvelope[]; type?: string },
  ): Promise<Answer>;
  keyEvent(token: string, envelope: DsseEnvelope): Promise<Answer>;
  /** tokenFor creates an account and a publish+keys token for it. */
  tokenFor(account: string): Promise<string>;
  close(): Promise<void>;
}

export async function startRegistry(
  name: string,
  extra: Partial<RegistryOptions> = {},
): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), `sigil-${name}-`));
  const reg = await openRegistry({
    dataDir: join(dir, 'data'),
    host: '127.0.0.1',
    port: 0,
    origin: `${name}.sigil.test/log`,
    maxUploadBytes: 1024 * 1024,
    batchIntervalMs: 2,
    authLimits: {
      perIp: { burst: 10_000, perMinute: 60_000 },
      perAccount: { burst: 10_000, perMinute: 60_000 },
    },
    ...extra,
  });
  const url = await reg.listen();
  const call = async (
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer> => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: Answer['json'] = {};
    try {
      json = JSON.parse(text) as Answer['json'];
    } catch {
      /* checked by the caller */
    }
    return { status: res.status, text, json };
  };
  return {
    reg,
    url,
    admin: reg.adminToken!,
    call,
    publish: (token, bytes, opts = {}) =>
      call(token, 'POST', '/api/v1/publish', {
        filename: opts.filename ?? 'p.tgz',
        artifact: bytes.toString('base64'),
        bundle: opts.bundle ?? null,
        ...(opts.keyEvents ? { keyEvents: opts.keyEvents } : {}),
        ...(opts.type ? { type: opts.type } : {}),
      }),
    keyEvent: (token, envelope) => call(token, 'POST', '/api/v1/key-events', { envelope }),
    async tokenFor(account) {
      await reg.auth.createAccount(account);
      return (await reg.auth.createToken(account, { actions: ['publish', 'keys'] })).token;
    },
    async close() {
      await reg.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** expectRefused: status, code, a message naming what matters, and no stack trace. */
export function expectRefused(a: Answer, status: number, code: string, mentions?: string): void {
  expect(a.status, a.text).toBe(status);
  expect(a.json.error?.code, a.text).toBe(code);
  if (mentions) expect(a.json.error!.message, a.text).toContain(mentions);
  expect(a.text).not.toMatch(/\n\s+at |\.(ts|js):\d+|node_modules/);
}
