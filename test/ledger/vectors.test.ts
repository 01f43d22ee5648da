// Language-neutral ledger vectors (test/fixtures/ledger/*.json): each file is a log of key events with
// the expected judgement of every event and expected authorisedAt answers. Regenerate with
// `npx tsx test/fixtures/ledger/generate.ts`.
import { readdirSync, readFileSync } from 'node:fs';
import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toPublicKey } from '../../src/core/keys.js';
import { replayLedger, type LogEntry } from '../../src/ledger/replay.js';

interface Vector {
  description: string;
  registryKeys: string[];
  keys: Record<string, string>;
  events: LogEntry[];
  expect: {
    events: { logIndex: number; code: string }[];
    authorisedAt: {
      namespace: string;
      key: string;
      logIndex: number;
      allowed: boolean;
      code: string;
      reset?: boolean;
    }[];
  };
}

const dir = new URL('../fixtures/ledger/', import.meta.url);
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('ledger vectors', () => {
  it('there are vectors', () => expect(files.length).toBeGreaterThanOrEqual(5));
  for (const file of files) {
    const v = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Vector;
    it(`${file}: ${v.description}`, () => {
      const ledger = replayLedger(v.events, {
        registryKeys: v.registryKeys.map((pem) => toPublicKey(createPublicKey(pem))),
      });
      expect(ledger.entries().map((e) => ({ logIndex: e.logIndex, code: e.code }))).toEqual(
        v.expect.events,
      );
      for (const q of v.expect.authorisedAt) {
        const a = ledger.authorisedAt(q.namespace, v.keys[q.key]!, q.logIndex);
        const got = {
          allowed: a.allowed,
          code: a.code,
          ...(q.reset !== undefined ? { reset: a.reset } : {}),
        };
        expect(got, `${q.namespace} ${q.key} @${q.logIndex}`).toEqual({
          allowed: q.allowed,
          code: q.code,
          ...(q.reset !== undefined ? { reset: q.reset } : {}),
        });
      }
    });
  }
});
