/**
 * A CRAN-like repository built from the R source packages published to Sigil:
 *
 *   src/contrib/PACKAGES, PACKAGES.gz        one DCF stanza per package (newest version), with MD5sum and SHA256
 *   src/contrib/<pkg>_<version>.tar.gz        the newest version of each package
 *   src/contrib/Archive/<pkg>/<pkg>_<version>.tar.gz   every older version, as CRAN keeps them
 *
 * plus src/contrib/PACKAGES.rds, the same as R's matrix (rds.ts). Every byte served is a logged release; note that
 * install.packages() never checks MD5sum (docs/cran.md), so the check that ties an
 * R library to Sigil is `sigil verify renv.lock`, not R itself.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { openTar } from '../../../ecosystems/support/archive.js';
import { parseHeaderFields } from '../../../ecosystems/support/text.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { storedBytes } from '../shared/stored-bytes.js';
import { packagesRds } from './rds.js';

/** Fields CRAN's PACKAGES carries (tools::write_PACKAGES fields for source packages). */
export const FIELDS = [
  'Package',
  'Version',
  'Priority',
  'Depends',
  'Imports',
  'LinkingTo',
  'Suggests',
  'Enhances',
  'License',
  'License_is_FOSS',
  'License_restricts_use',
  'OS_type',
  'Archs',
  'MD5sum',
  'NeedsCompilation',
  'Path',
];

/** compareRVersions orders R package_version strings: integer components split by "." or "-". */
export function compareRVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? -1) - (pb[i] ?? -1);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

export interface CranSnapshot {
  readonly packages: Buffer;
  readonly packagesGz: Buffer;
  readonly packagesRds: Buffer;
  /** path under src/contrib/ → release */
  readonly files: ReadonlyMap<string, ReleaseRow>;
  /** The PACKAGES entries, by package name: the stanza text, its fields as R's matrix row, the release (the verifying proxy merges them with an upstream's). */
  readonly entries: ReadonlyMap<
    string,
    {
      readonly text: string;
      readonly fields: ReadonlyMap<string, string>;
      readonly row: ReleaseRow;
    }
  >;
}

export const tarballName = (row: ReleaseRow): string => `${row.name}_${row.version}.tar.gz`;

export class CranRepository {
  private cache: { key: string; snapshot: CranSnapshot } | undefined;
  /** Stanzas by purl: a release's bytes never change. */
  private readonly stanzas = new Map<string, { text: string; fields: Map<string, string> }>();

  constructor(private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>) {}

  private async stanza(
    row: ReleaseRow,
  ): Promise<{ text: string; fields: Map<string, string> } | undefined> {
    const cached = this.stanzas.get(row.purl);
    if (cached) return cached;
    const bytes = await storedBytes(this.storage.blobs, row.sha256);
    if (!bytes) return undefined;
    const tar = await openTar(
      memoryArtifact(row.filename, bytes),
      {},
      (e) => e.path === `${row.name}/DESCRIPTION`,
    );
    const desc = tar.files.get(`${row.name}/DESCRIPTION`);
    if (!desc) return undefined;
    const fields = parseHeaderFields(Buffer.from(desc).toString('latin1'));
    fields.set('MD5sum', [createHash('md5').update(bytes).digest('hex')]);
    const lines = FIELDS.filter((f) => fields.has(f) && f !== 'Path').map(
      (f) => `${f}: ${fields.get(f)![0]!.split('\n').join('\n        ')}`,
    );
    lines.push(`SHA256: ${row.sha256}`);
    const text = `${lines.join('\n')}\n`;
    const flat = new Map([
      ...FIELDS.filter((f) => fields.has(f) && f !== 'Path').map((f): [string, string] => [
        f,
        fields.get(f)![0]!.replace(/\s*\n\s*/g, ' '),
      ]),
      ['SHA256', row.sha256],
    ]);
    const e = { text, fields: flat };
    this.stanzas.set(row.purl, e);
    return e;
  }

  async snapshot(): Promise<CranSnapshot> {
    const rows = await this.storage.releases.ofType('cran');
    const key = `${rows.length}:${rows.at(-1)?.purl ?? ''}`;
    if (this.cache?.key === key) return this.cache.snapshot;
    const byName = new Map<string, ReleaseRow[]>();
    for (const r of rows) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    const files = new Map<string, ReleaseRow>();
    const entries = new Map<
      string,
      { text: string; fields: Map<string, string>; row: ReleaseRow }
    >();
    const stanzas: string[] = [];
    const matrix: Map<string, string>[] = [];
    for (const name of [...byName.keys()].sort()) {
      const versions = byName.get(name)!.sort((a, b) => compareRVersions(a.version, b.version));
      const newest = versions.at(-1)!;
      const e = await this.stanza(newest);
      if (e === undefined) continue;
      stanzas.push(e.text);
      matrix.push(e.fields);
      entries.set(name, { ...e, row: newest });
      files.set(tarballName(newest), newest);
      for (const old of versions.slice(0, -1))
        files.set(`Archive/${old.name}/${tarballName(old)}`, old);
    }
    const packages = Buffer.from(stanzas.join('\n'), 'utf8');
    const columns = [
      ...FIELDS.filter((f) => f !== 'Path' && matrix.some((m) => m.has(f))),
      'SHA256',
    ];
    const snapshot: CranSnapshot = {
      packages,
      packagesGz: gzipSync(packages, { level: 9 }),
      packagesRds: packagesRds(columns, matrix),
      files,
      entries,
    };
    this.cache = { key, snapshot };
    return snapshot;
  }
}
