/**
 * The WordPress plugin update API for plugins published to Sigil: the answers
 * api.wordpress.org gives to wp_update_plugins() (plugins/update-check/1.1) and
 * plugins_api() (plugins/info/1.2), with every package URL pointing at a logged
 * release and carrying `signatures`: Ed25519 by the registry's WordPress key
 * over the raw SHA-384 digest of the zip, the exact message WordPress core's
 * verify_file_signature() checks.
 */
import { createHash } from 'node:crypto';
import { signBytes } from '../../../core/keys.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import type { RegistryStorage } from '../../../store/registry/registry-storage.js';
import { storedBytes } from '../shared/stored-bytes.js';
import type { WordpressKey } from './key.js';

export const SLUG = /^[a-z0-9][a-z0-9_.-]{0,199}$/;

/** PHP version_compare order for the usual numeric versions: numbers by value, a non-number below any number. */
export function compareWpVersions(a: string, b: string): number {
  const split = (v: string) =>
    v
      .replace(/[-_+]/g, '.')
      .replace(/([^.\d])(\d)|(\d)([^.\d])/g, '$1$3.$2$4')
      .split('.');
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return /^\d+$/.test(y!) ? -1 : 1; // 1.0 < 1.0.1, 1.0-beta < 1.0
    if (y === undefined) return /^\d+$/.test(x) ? 1 : -1;
    const nx = /^\d+$/.test(x);
    const ny = /^\d+$/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return Math.sign(d);
    } else if (nx !== ny) return nx ? 1 : -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** slugOfPluginFile: the slug of an installed plugin's file ("akismet/akismet.php", "hello.php"), or undefined. */
export function slugOfPluginFile(file: string): string | undefined {
  const slug = file.includes('/')
    ? file.slice(0, file.indexOf('/')).toLowerCase()
    : file.replace(/\.php$/, '').toLowerCase();
  return SLUG.test(slug) ? slug : undefined;
}

export interface WpPackageEntry {
  readonly id: string;
  readonly slug: string;
  readonly plugin: string;
  readonly new_version: string;
  readonly url: string;
  readonly package: string;
  readonly signatures: string[];
  readonly sha256: string;
  readonly purl: string;
}

export class WordpressPlugins {
  /** signature by blob sha256: a release's bytes never change, so neither does its signature. */
  private readonly sigs = new Map<string, string>();

  constructor(
    private readonly storage: Pick<RegistryStorage, 'releases' | 'blobs'>,
    private readonly key: WordpressKey,
    private readonly baseUrl: () => string,
  ) {}

  get publicKey(): string {
    return this.key.publicBase64;
  }

  releases(slug: string): Promise<ReleaseRow[]> {
    return this.storage.releases.versions('wordpress', 'plugin', slug);
  }

  async latest(slug: string): Promise<ReleaseRow | undefined> {
    return (await this.releases(slug))
      .sort((a, b) => compareWpVersions(a.version, b.version))
      .at(-1);
  }

  async release(slug: string, version: string): Promise<ReleaseRow | undefined> {
    return (await this.releases(slug)).find((r) => r.version === version);
  }

  /** signature: base64 Ed25519 over sha384(zip), or undefined when the blob is gone. */
  async signature(row: ReleaseRow): Promise<string | undefined> {
    const cached = this.sigs.get(row.sha256);
    if (cached) return cached;
    const bytes = await storedBytes(this.storage.blobs, row.sha256);
    if (!bytes) return undefined;
    const sig = signBytes(this.key.key, createHash('sha384').update(bytes).digest()).toString(
      'base64',
    );
    this.sigs.set(row.sha256, sig);
    return sig;
  }

  downloadPath(row: ReleaseRow): string {
    return `/wordpress/download/plugin/${row.name}/${row.name}.${row.version}.zip`;
  }

  async entry(row: ReleaseRow, pluginFile: string): Promise<WpPackageEntry | undefined> {
    const sig = await this.signature(row);
    if (!sig) return undefined;
    const base = this.baseUrl();
    return {
      id: `sigil/wordpress/plugin/${row.name}`,
      slug: row.name,
      plugin: pluginFile,
      new_version: row.version,
      url: `${base}/wordpress/plugins/${row.name}/`,
      package: `${base}${this.downloadPath(row)}`,
      signatures: [sig],
      sha256: row.sha256,
      purl: row.purl,
    };
  }

  /**
   * updateCheck answers plugins/update-check/1.1: `installed` is the decoded `plugins`
   * field WordPress posts ({ plugins: { "<slug>/<file>.php": { Version, ... } } }).
   * Plugins not published to Sigil are left out of both lists, as api.wordpress.org does.
   */
  async updateCheck(installed: unknown): Promise<{
    plugins: Record<string, WpPackageEntry>;
    no_update: Record<string, WpPackageEntry>;
    translations: never[];
  }> {
    const plugins: Record<string, WpPackageEntry> = {};
    const noUpdate: Record<string, WpPackageEntry> = {};
    const list = (installed as { plugins?: unknown } | null)?.plugins;
    if (list && typeof list === 'object' && !Array.isArray(list)) {
      for (const [file, data] of Object.entries(list as Record<string, unknown>)) {
        const slug = slugOfPluginFile(file);
        if (slug === undefined) continue;
        const row = await this.latest(slug);
        if (!row) continue;
        const e = await this.entry(row, file);
        if (!e) continue;
        const have = (data as { Version?: unknown } | null)?.Version;
        if (typeof have === 'string' && compareWpVersions(row.version, have) <= 0)
          noUpdate[file] = e;
        else plugins[file] = e;
      }
    }
    return { plugins, no_update: noUpdate, translations: [] };
  }
}
