/**
 * A Maven 2 repository of the Maven artifacts (jars, POMs) published to Sigil:
 *
 *   <group path>/<artifactId>/<version>/<artifactId>-<version>[-<classifier>].<ext>
 *        .sha1 .sha256 .sha512 .md5   checksums of the file (Maven checks .sha1 by default)
 *        .asc                         OpenPGP signature by the registry's OpenPGP key
 *        .sigstore.json               the author's Sigil bundle, when the release has one
 *   <group path>/<artifactId>/maven-metadata.xml (+ checksums)   versions, latest, release
 *
 * Every file is a logged release. SNAPSHOT versions are not served (publishing is of
 * released versions only; see docs/maven.md).
 */
import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { parsePurl } from '../../../core/purl.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { storedBytes } from '../shared/stored-bytes.js';

export const CHECKSUMS = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512', md5: 'md5' } as const;
export type ChecksumExt = keyof typeof CHECKSUMS;
const SEGMENT = /^[A-Za-z0-9_.+-]+$/;

/** mavenPathOf: the repository path of a release (without leading slash). */
export function mavenPathOf(row: ReleaseRow): string {
  const p = parsePurl(row.purl);
  const q = (p.qualifiers ?? {}) as Record<string, string>;
  const ext = q.type ?? 'jar';
  const classifier = q.classifier ? `-${q.classifier}` : '';
  return `${row.namespace.split('.').join('/')}/${row.name}/${row.version}/${row.name}-${row.version}${classifier}.${ext}`;
}

export interface MavenFile {
  readonly bytes: Buffer;
  readonly contentType: string;
  readonly row?: ReleaseRow;
}

const xmlEscape = (s: string) =>
  s.replace(
    /[<>&'"]/g,
    (c) =>
      `&${({ '<': 'lt', '>': 'gt', '&': 'amp', "'": 'apos', '"': 'quot' } as Record<string, string>)[c]};`,
  );

/** Numeric-aware order of Maven versions (1.9 < 1.10); enough for "latest" among released versions. */
export function compareMavenVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    if (/^\d+$/.test(x) && /^\d+$/.test(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class MavenRepository {
  private readonly asc = new Map<string, string>();

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly key: openpgp.PrivateKey,
  ) {}

  /** releaseAt finds the release at a repository path, or undefined. */
  async releaseAt(path: string): Promise<ReleaseRow | undefined> {
    const parts = path.split('/');
    if (parts.length < 4 || !parts.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..'))
      return undefined;
    const [version, artifactId] = [parts.at(-2)!, parts.at(-3)!];
    const groupId = parts.slice(0, -3).join('.');
    return (await this.storage.releases.versions('maven', groupId, artifactId)).find(
      (r) => r.version === version && mavenPathOf(r) === path,
    );
  }

  async metadata(groupPath: string, artifactId: string): Promise<Buffer | undefined> {
    const groupId = groupPath.split('/').join('.');
    const rows = await this.storage.releases.versions('maven', groupId, artifactId);
    if (rows.length === 0) return undefined;
    const versions = [...new Set(rows.map((r) => r.version))].sort(compareMavenVersions);
    const last = rows
      .map((r) => r.publishedAt)
      .sort()
      .at(-1)!;
    const lastUpdated = last.replace(/\D/g, '').slice(0, 14);
    const latest = versions.at(-1)!;
    return Buffer.from(
      `<?xml version="1.0" encoding="UTF-8"?>\n<metadata>\n  <groupId>${xmlEscape(groupId)}</groupId>\n  <artifactId>${xmlEscape(artifactId)}</artifactId>\n  <versioning>\n    <latest>${xmlEscape(latest)}</latest>\n    <release>${xmlEscape(latest)}</release>\n    <versions>\n${versions.map((v) => `      <version>${xmlEscape(v)}</version>`).join('\n')}\n    </versions>\n    <lastUpdated>${lastUpdated}</lastUpdated>\n  </versioning>\n</metadata>\n`,
      'utf8',
    );
  }

  async signature(row: ReleaseRow, bytes: Buffer): Promise<string> {
    const cached = this.asc.get(row.sha256);
    if (cached) return cached;
    const message = await openpgp.createMessage({ binary: bytes });
    const sig = (await openpgp.sign({
      message,
      signingKeys: this.key,
      detached: true,
      format: 'armored',
      date: new Date(row.publishedAt),
    })) as string;
    this.asc.set(row.sha256, sig);
    return sig;
  }

  /** file answers GET <path>: an artifact, a sidecar, or maven-metadata.xml. */
  async file(path: string): Promise<MavenFile | undefined> {
    const sidecar = /^(.*)\.(sha1|sha256|sha512|md5|asc|sigstore\.json)$/.exec(path);
    const base = sidecar ? sidecar[1]! : path;
    const ext = sidecar?.[2];
    let bytes: Buffer | undefined;
    let row: ReleaseRow | undefined;
    if (base.endsWith('/maven-metadata.xml')) {
      if (ext === 'asc' || ext === 'sigstore.json') return undefined;
      const parts = base.split('/').slice(0, -1);
      if (parts.length < 2 || !parts.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..'))
        return undefined;
      bytes = await this.metadata(parts.slice(0, -1).join('/'), parts.at(-1)!);
    } else {
      row = await this.releaseAt(base);
      bytes = row && (await storedBytes(this.storage.blobs, row.sha256));
    }
    if (!bytes) return undefined;
    if (ext === undefined)
      return {
        bytes,
        contentType:
          base.endsWith('.xml') || base.endsWith('.pom') ? 'text/xml' : 'application/java-archive',
        ...(row ? { row } : {}),
      };
    if (ext in CHECKSUMS)
      return {
        bytes: Buffer.from(
          createHash(CHECKSUMS[ext as ChecksumExt])
            .update(bytes)
            .digest('hex'),
        ),
        contentType: 'text/plain',
      };
    if (ext === 'asc')
      return {
        bytes: Buffer.from(await this.signature(row!, bytes)),
        contentType: 'application/pgp-signature',
      };
    if (!row!.authorBundle) return undefined;
    return { bytes: Buffer.from(row!.authorBundle), contentType: 'application/json' };
  }
}
