// A static Debian archive of one suite for the pull-through tests: .debs built by dpkg-deb, a
// Packages file (+ .xz) and an InRelease clear-signed by a test key standing in for the archive
// keyring; every path asked for is recorded (StaticUpstream), files can be changed at will.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { clearsign } from '../../src/registry/personalities/apt/openpgp-key.js';
import { sendBytes, StaticUpstream } from './static-upstream.js';

export const SUITE = 'upstream-test';
export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const rfc2822 = (d: Date) => d.toUTCString().replace('GMT', 'UTC');

export function buildDeb(dir: string, name: string, version: string, body: string): Buffer {
  const root = join(dir, 'build', `${name}-${version}-${sha256(body).slice(0, 8)}`);
  mkdirSync(join(root, 'DEBIAN'), { recursive: true });
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  writeFileSync(
    join(root, 'DEBIAN', 'control'),
    `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Ada <ada@example.com>\nDescription: a package from the upstream archive\n never published to Sigil.\n`,
  );
  writeFileSync(join(root, 'usr', 'bin', name), `#!/bin/sh\necho ${body}\n`);
  chmodSync(join(root, 'usr', 'bin', name), 0o755);
  const out = `${root}.deb`;
  const r = spawnSync('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`dpkg-deb: ${r.stderr}`);
  return readFileSync(out);
}

export function xzOf(b: Buffer): Buffer {
  const r = spawnSync('xz', ['-c', '-T1', '-0'], { input: b, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error('xz failed');
  return r.stdout;
}

/** A static Debian archive of one suite: signed InRelease, Packages (+ .xz), pool; faults on demand. */
export class StaticArchive extends StaticUpstream {
  protected readonly root = '/debian';
  readonly files = new Map<string, Buffer>();
  readonly debs = new Map<string, { name: string; version: string; bytes: Buffer }>();
  /** Stanzas listed besides the debs' (a huge index): no file behind them. */
  extraStanzas = '';

  constructor(private readonly dir: string) {
    super();
  }

  buildDeb(name: string, version: string, body: string): Buffer {
    return buildDeb(this.dir, name, version, body);
  }

  /** publish builds the indexes and a Release for the current debs, signed by `key`. */
  async publish(
    key: openpgp.PrivateKey,
    o: { validUntil?: Date; now?: Date; packagesOverride?: Buffer } = {},
  ): Promise<void> {
    const stanzas = [...this.debs].map(
      ([path, d]) =>
        `Package: ${d.name}\nVersion: ${d.version}\nArchitecture: all\nMaintainer: Ada <ada@example.com>\nInstalled-Size: 1\nFilename: ${path}\nSize: ${d.bytes.length}\nSHA256: ${sha256(d.bytes)}\nDescription: a package from the upstream archive\n`,
    );
    const packages = Buffer.from(
      stanzas.join('\n') + (this.extraStanzas ? `\n${this.extraStanzas}` : ''),
    );
    const dirName = 'main/binary-amd64';
    const packagesXz = xzOf(packages);
    const now = o.now ?? new Date();
    const release = [
      'Origin: Upstream',
      `Suite: ${SUITE}`,
      `Codename: ${SUITE}`,
      `Date: ${rfc2822(now)}`,
      ...(o.validUntil ? [`Valid-Until: ${rfc2822(o.validUntil)}`] : []),
      'Architectures: amd64',
      'Components: main',
      'SHA256:',
      ` ${sha256(packages)} ${packages.length} ${dirName}/Packages`,
      ` ${sha256(packagesXz)} ${packagesXz.length} ${dirName}/Packages.xz`,
      '',
    ].join('\n');
    this.files.set(`dists/${SUITE}/InRelease`, Buffer.from(await clearsign(key, release, now)));
    this.files.set(`dists/${SUITE}/${dirName}/Packages`, packages);
    this.files.set(`dists/${SUITE}/${dirName}/Packages.xz`, o.packagesOverride ?? packagesXz);
    for (const [path, d] of this.debs) this.files.set(path, d.bytes);
  }

  protected serve(path: string, res: ServerResponse): void {
    sendBytes(res, this.files.get(path.replace(/^\/debian\//, '')));
  }
}

export async function archiveSigningKey(name: string): Promise<openpgp.PrivateKey> {
  return (
    await openpgp.generateKey({
      date: new Date(Date.now() - 30 * 24 * 3600 * 1000), // can sign an old Release
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ name }],
      format: 'object',
    })
  ).privateKey;
}
