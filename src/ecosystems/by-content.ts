/**
 * Identifying an artifact by what it contains, not by its file name.
 *
 * Every ecosystem puts one telling file at a known place: an sdist's top
 * folder holds `PKG-INFO` (PyPI), a CPAN dist `META.json`/`META.yml`, a
 * Hackage sdist `<name>.cabal`, a CRAN source package `DESCRIPTION`, a Forge
 * module `metadata.json`, a crate `Cargo.toml`, … File names are ambiguous
 * (`data-default-0.7.1.1.tar.gz` fits PyPI, Puppet and Hackage alike);
 * contents rarely are. {@link contentCandidates} lists the ecosystems whose
 * marker files an archive holds; describe.ts uses the file name only to break
 * a tie, and asks for `--type` when two readings still fit.
 *
 * Reading the listing is one pass over the archive under the usual limits
 * (src/archive); nothing is kept in memory but the entry names.
 */
import { isAr } from '../archive/ar.js';
import type { Artifact, IdentifyOptions } from './adapter.js';
import { isGzipHead, isZipHead } from './support/magic.js';
import { topDirectory } from './support/top-directory.js';

/** ContentCandidate is one ecosystem an archive's contents fit, and the file that says so. */
export interface ContentCandidate {
  /** purl type (the adapter's `type`). */
  readonly type: string;
  /** The telling file, as a path inside the archive (for messages). */
  readonly evidence: string;
  /**
   * 'sure' when the layout belongs to that ecosystem alone (a gem's
   * metadata.gz + data.tar.gz, npm's `package/` folder, a crate's
   * `Cargo.toml.orig`); 'fits' when another ecosystem's archive could hold the
   * same file (a package.json beside a composer.json).
   */
  readonly strength: 'sure' | 'fits';
}

function isTarHead(head: Uint8Array): boolean {
  // POSIX ustar magic at offset 257 ("ustar\0" or GNU "ustar  \0").
  return head.length >= 262 && Buffer.from(head.subarray(257, 262)).toString('latin1') === 'ustar';
}

/** looksLikeArchive: tar, tar.gz, zip or ar, by the first bytes. */
export function looksLikeArchive(head: Uint8Array): boolean {
  return isAr(head) || isZipHead(head) || isGzipHead(head) || isTarHead(head);
}

/** What lies at the root and in the single top folder (when there is one). */
interface Layout {
  readonly top: string | undefined;
  /** Names directly in the top folder (or at the root when there is none). */
  readonly inTop: ReadonlySet<string>;
  /** Names at the archive root. */
  readonly atRoot: ReadonlySet<string>;
  readonly paths: readonly string[];
}

function layoutOf(paths: readonly string[]): Layout {
  const top = topDirectory(paths);
  const inTop = new Set<string>();
  const atRoot = new Set<string>();
  for (const p of paths) {
    if (!p.includes('/')) atRoot.add(p);
    if (top !== undefined && p.startsWith(`${top}/`)) {
      const rest = p.slice(top.length + 1);
      if (rest !== '' && !rest.includes('/')) inTop.add(rest);
    }
  }
  return { top, inTop: top === undefined ? atRoot : inTop, atRoot, paths };
}

function tarCandidates(l: Layout): ContentCandidate[] {
  const out: ContentCandidate[] = [];
  const at = (name: string) => (l.top === undefined ? name : `${l.top}/${name}`);
  const has = (name: string) => l.inTop.has(name);
  const add = (type: string, evidence: string, strength: ContentCandidate['strength'] = 'fits') =>
    out.push({ type, evidence, strength });

  // Layouts with no top folder: a gem (RubyGems package format) and a Hex package tarball.
  if (l.atRoot.has('metadata.gz') && l.atRoot.has('data.tar.gz')) add('gem', 'metadata.gz', 'sure');
  if (l.atRoot.has('metadata.config') && l.atRoot.has('contents.tar.gz') && l.atRoot.has('VERSION'))
    add('hex', 'metadata.config', 'sure');
  if (out.length > 0) return out;

  if (has('package.json')) add('npm', at('package.json'), l.top === 'package' ? 'sure' : 'fits');
  if (has('PKG-INFO')) add('pypi', at('PKG-INFO'));
  if (has('META.json')) add('cpan', at('META.json'));
  else if (has('META.yml')) add('cpan', at('META.yml'));
  const cabal = [...l.inTop].find((n) => /^[A-Za-z0-9][A-Za-z0-9-]*\.cabal$/.test(n));
  if (cabal !== undefined) add('hackage', at(cabal));
  if (has('DESCRIPTION')) add('cran', at('DESCRIPTION'));
  if (has('metadata.json')) add('puppet', at('metadata.json'));
  if (has('Cargo.toml'))
    add(
      'cargo',
      at('Cargo.toml'),
      has('Cargo.toml.orig') || has('.cargo_vcs_info.json') ? 'sure' : 'fits',
    );
  if (has('composer.json')) add('composer', at('composer.json'));
  if (has('Project.toml') || has('JuliaProject.toml'))
    add('julia', at(has('Project.toml') ? 'Project.toml' : 'JuliaProject.toml'));
  if (has('bower.json')) add('bower', at('bower.json'));
  if (has('isopack.json')) add('meteor', at('isopack.json'), 'sure');
  else if (has('package.js')) add('meteor', at('package.js'));
  return out;
}

function zipCandidates(l: Layout): ContentCandidate[] {
  const out: ContentCandidate[] = [];
  const add = (type: string, evidence: string, strength: ContentCandidate['strength'] = 'fits') =>
    out.push({ type, evidence, strength });
  const wheel = l.paths.find((p) => /^[^/]+\.dist-info\/METADATA$/.test(p));
  if (wheel !== undefined) add('pypi', wheel, 'sure');
  const goMod = l.paths.find((p) => /^[^@/][^@]*@v\d[^/]*\/go\.mod$/.test(p));
  if (goMod !== undefined) add('golang', goMod, 'sure');
  const nuspec = [...l.atRoot].find((n) => n.endsWith('.nuspec'));
  if (nuspec !== undefined) add('nuget', nuspec, 'sure');
  if (l.paths.includes('META-INF/MANIFEST.MF') && nuspec === undefined)
    add('maven', 'META-INF/MANIFEST.MF');
  if (l.paths.some((p) => p.startsWith('Carthage/Build/'))) add('carthage', 'Carthage/Build/');
  if (l.inTop.has('composer.json') || l.atRoot.has('composer.json'))
    add('composer', l.atRoot.has('composer.json') ? 'composer.json' : `${l.top}/composer.json`);
  return out;
}

/**
 * contentCandidates reads an archive's listing (tar, tar.gz, zip; a `.deb`
 * is told by its ar header) and returns the ecosystems it fits, with the
 * file that says so. Not an archive, or an unreadable one: an empty list —
 * identification then falls back to the file name, and the adapter chosen
 * reports what is wrong with the bytes.
 */
export async function contentCandidates(
  artifact: Artifact,
  head: Uint8Array,
  options: IdentifyOptions = {},
): Promise<ContentCandidate[]> {
  const limits = options.limits ? { limits: options.limits } : {};
  try {
    if (isAr(head)) {
      return Buffer.from(head).toString('latin1').includes('debian-binary')
        ? [{ type: 'deb', evidence: 'debian-binary', strength: 'sure' }]
        : [];
    }
    if (isZipHead(head)) {
      const source = artifact.path !== undefined ? { path: artifact.path } : await artifact.bytes();
      // The archive readers load only for an archive: a plain file never needs them.
      const { readZip } = await import('../archive/zip.js');
      const { entries } = await readZip(source, {
        file: artifact.name,
        select: () => false,
        escapingLinks: 'allow',
        ...limits,
      });
      return zipCandidates(layoutOf(entries.map((e) => e.path)));
    }
    if (isGzipHead(head) || isTarHead(head)) {
      const { readTar } = await import('../archive/tar.js');
      const { entries } = await readTar(artifact.open(), {
        file: artifact.name,
        select: () => false,
        escapingLinks: 'allow',
        ...limits,
      });
      return tarCandidates(layoutOf(entries.map((e) => e.path)));
    }
  } catch {
    // A gzip that is not a tar, a broken archive: no reading by content.
  }
  return [];
}
