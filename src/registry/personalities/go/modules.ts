/**
 * GoModules: the Go modules published to Sigil, as the module proxy and the
 * checksum database see them — read through the registry's storage (releases
 * of type golang in ReleaseTables; the artifact, the module zip, in the
 * BlobStore; its native digest the `h1:`), the same on every replica.
 *
 * A module path maps to the purl namespace/name the golang adapter gives it
 * (splitModulePath). The .mod of a version is the zip's root go.mod, or the
 * "module <path>\n" the go command synthesises when the zip has none.
 */
import { makePurl } from '../../../core/purl.js';
import { readZip } from '../../../archive/zip.js';
import { goModHash } from '../../../ecosystems/golang/digest.js';
import { splitModulePath } from '../../../ecosystems/golang/identify.js';
import {
  compareSemver,
  isPseudoVersion,
  semverPrerelease,
} from '../../../ecosystems/golang/module.js';
import { MAX_GO_MOD } from '../../../ecosystems/golang/zip-rules.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';

/** ModuleVersion is one published version of a module. */
export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
  readonly row: ReleaseRow;
}

/** GoSumLines are the two go.sum hashes of a module version. */
export interface GoSumHashes {
  /** `<mod> <ver> h1:…` — of the zip. */
  readonly zip: string;
  /** `<mod> <ver>/go.mod h1:…` — of the .mod. */
  readonly mod: string;
}

/** formatGoSumRecord is the checksum database's record for a module version: its go.sum lines. */
export function formatGoSumRecord(path: string, version: string, h: GoSumHashes): string {
  return `${path} ${version} ${h.zip}\n${path} ${version}/go.mod ${h.mod}\n`;
}

export class GoModules {
  private readonly modCache = new Map<string, Buffer>();

  constructor(private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>) {}

  private coords(path: string): [string, string] {
    const { namespace, name } = splitModulePath(path);
    return [namespace ?? '', name];
  }

  /** versions lists the published versions of a module (any order). */
  async versions(path: string): Promise<ModuleVersion[]> {
    const [ns, name] = this.coords(path);
    return (await this.storage.releases.versions('golang', ns, name)).map((row) => ({
      path,
      version: row.version,
      row,
    }));
  }

  /** get returns one published version, or undefined. */
  async get(path: string, version: string): Promise<ModuleVersion | undefined> {
    const [ns, name] = this.coords(path);
    const row = await this.storage.releases.get(
      makePurl('golang', ns === '' ? undefined : ns, name, version),
    );
    return row ? { path, version, row } : undefined;
  }

  /**
   * latest is what `@latest` answers: the highest release version, else the
   * highest pre-release, else the highest pseudo-version (the go command's
   * own preference order).
   */
  async latest(path: string): Promise<ModuleVersion | undefined> {
    const all = await this.versions(path);
    const rank = (v: string): number =>
      isPseudoVersion(v) ? 0 : semverPrerelease(v) !== '' ? 1 : 2;
    all.sort((a, b) => rank(a.version) - rank(b.version) || compareSemver(a.version, b.version));
    return all[all.length - 1];
  }

  /** zip returns the module zip bytes. */
  async zip(m: ModuleVersion): Promise<Buffer | undefined> {
    const b = await this.storage.blobs.read(m.row.sha256);
    return b && Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  /** mod returns the .mod file: the zip's go.mod, or the synthesised one. */
  async mod(m: ModuleVersion): Promise<Buffer | undefined> {
    const cached = this.modCache.get(m.row.sha256);
    if (cached) return cached;
    const zip = await this.zip(m);
    if (!zip) return undefined;
    const name = `${m.path}@${m.version}/go.mod`;
    const contents = await readZip(zip, {
      file: `${m.version}.zip`,
      select: (e) => e.rawName === name,
      limits: { maxEntryBytes: MAX_GO_MOD },
    });
    const entry = contents.entries.find((e) => e.rawName === name);
    const mod = entry
      ? (contents.files.get(entry.path) ?? Buffer.alloc(0))
      : Buffer.from(`module ${m.path}\n`, 'utf8');
    this.modCache.set(m.row.sha256, mod);
    if (this.modCache.size > 4096)
      this.modCache.delete(this.modCache.keys().next().value as string);
    return mod;
  }

  /** hashes returns both go.sum hashes of a version (the zip's `h1:` is the release's native digest). */
  async hashes(m: ModuleVersion): Promise<GoSumHashes | undefined> {
    const native = JSON.parse(m.row.native) as Record<string, string>;
    const mod = await this.mod(m);
    if (native['h1'] === undefined || mod === undefined) return undefined;
    return { zip: native['h1'], mod: goModHash(mod) };
  }
}
