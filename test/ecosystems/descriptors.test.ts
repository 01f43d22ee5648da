// The light descriptors (src/ecosystems/descriptors.ts) and the eager adapter list
// (src/ecosystems/index.ts) describe the same ecosystems: same order, same detection,
// same lockfile formats, and each descriptor loads its own adapter. Detection that
// disagreed between the two would make `sigil verify` and the library choose differently.
import { describe, expect, it } from 'vitest';
import {
  DESCRIPTORS,
  descriptorForType,
  detectDescriptor,
  lockfileFormatFor,
} from '../../src/ecosystems/descriptors.js';
import { ADAPTERS, detectAdapter, lockfileReaderFor } from '../../src/ecosystems/index.js';

describe('ecosystem descriptors', () => {
  it('list the adapters in the same order', () => {
    expect(DESCRIPTORS.map((d) => d.type)).toEqual(ADAPTERS.map((a) => a.type));
  });

  it('load their own adapter, whose name and detection are the descriptor’s', async () => {
    for (const [i, d] of DESCRIPTORS.entries()) {
      const adapter = await d.load();
      expect(adapter, d.type).toBe(ADAPTERS[i]);
      expect(adapter.displayName).toBe(d.displayName);
      expect(adapter.detect).toBe(d.detect);
    }
  });

  it('name exactly the lockfile formats their adapter reads, in order', () => {
    for (const [i, d] of DESCRIPTORS.entries()) {
      const readers = ADAPTERS[i]!.lockfiles ?? [];
      expect(
        readers.map((r) => r.format),
        d.type,
      ).toEqual(d.lockfileFormats.map((f) => f.format));
      expect(readers.map((r) => r.matches)).toEqual(d.lockfileFormats.map((f) => f.matches));
    }
  });

  it('find the same lockfile and the same ecosystem as the adapters', () => {
    const names = [
      'package-lock.json',
      'npm-shrinkwrap.json',
      'yarn.lock',
      'pnpm-lock.yaml',
      'requirements-dev.txt',
      'poetry.lock',
      'go.sum',
      'Cargo.lock',
      'Gemfile.lock',
      'mix.lock',
      'Manifest-v1.11.toml',
      'versions',
      'package.json',
      'README.md',
    ];
    for (const n of names) {
      const light = lockfileFormatFor(n);
      const heavy = lockfileReaderFor(n);
      expect(light?.format.format, n).toBe(heavy?.reader.format);
      expect(light?.descriptor.type, n).toBe(heavy?.adapter.type);
    }
    expect(lockfileFormatFor('package.json')).toBeUndefined();
    const heads: [string, Uint8Array][] = [
      ['a-1.0.0.tgz', Uint8Array.from([0x1f, 0x8b, 8])],
      ['a-1.0.0-py3-none-any.whl', Uint8Array.from([0x50, 0x4b, 3, 4])],
      ['a.crate', Uint8Array.from([0x1f, 0x8b])],
      ['x.bin', Uint8Array.from([1, 2, 3])],
    ];
    for (const [n, h] of heads)
      expect(detectDescriptor(n, h)?.type, n).toBe(detectAdapter(n, h)?.type);
  });

  it('refuse an unknown --type with the known ones listed', () => {
    expect(() => descriptorForType('nope')).toThrow(/unknown package type "nope"/);
  });
});
