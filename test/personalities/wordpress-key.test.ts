// The registry's WordPress key: Ed25519, created on first start, encrypted with
// SIGIL_SERVER_PASSPHRASE when set, the same key at every later start.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateWordpressKey } from '../../src/registry/personalities/wordpress/index.js';

describe('registry WordPress key', () => {
  it('is created encrypted with the passphrase, mode 0600, and reloaded only with it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sigil-wpkey-'));
    try {
      const first = loadOrCreateWordpressKey(dir, 'correct horse');
      expect(first.created).toBe(true);
      expect(Buffer.from(first.publicBase64, 'base64')).toHaveLength(32);
      expect(statSync(first.path).mode & 0o777).toBe(0o600);
      expect(readFileSync(first.path, 'utf8')).not.toContain('BEGIN PRIVATE KEY');
      expect(() => loadOrCreateWordpressKey(dir, undefined)).toThrow(
        expect.objectContaining({ code: 'KEY_PASSPHRASE_REQUIRED' }),
      );
      const again = loadOrCreateWordpressKey(dir, 'correct horse');
      expect(again.created).toBe(false);
      expect(again.publicBase64).toBe(first.publicBase64);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
