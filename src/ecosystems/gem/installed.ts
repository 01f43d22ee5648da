/**
 * Where bundler and gem keep the .gem files they installed: each install copies the downloaded
 * file, byte for byte, into a `cache/` folder (rubygems `Gem::Installer`, bundler's
 * `Bundler::Source::Rubygems#cached_gem`):
 *
 *   GEM_HOME (gem install, bundler without a path)    <GEM_HOME>/cache/<name>-<version>.gem
 *   BUNDLE_PATH (bundle config set path vendor/bundle) <BUNDLE_PATH>/ruby/<ruby ABI>/cache/…
 *   bundle cache / bundle package                      vendor/cache/…
 *
 * Pure: names only; the caller lists folders and reads files.
 */
import { parsePurl } from '../../core/purl.js';

/** installedGemFileName: the file name a gem purl is cached under (`name-version[-platform].gem`), or undefined for a purl that is not a gem version. */
export function installedGemFileName(purl: string): string | undefined {
  const p = parsePurl(purl);
  if (p.type !== 'gem' || !p.version) return undefined;
  const platform = (p.qualifiers as Record<string, string> | undefined)?.['platform'];
  return `${p.name}-${p.version}${platform && platform !== 'ruby' ? `-${platform}` : ''}.gem`;
}

/** gemCacheFolders: the folders under `root` (as named by the user) where installed .gem files may be, given the root's sub-folders. */
export function gemCacheFolders(
  root: string,
  list: (dir: string) => readonly string[] | undefined,
): string[] {
  const out: string[] = [];
  const join = (a: string, b: string) => `${a.replace(/\/+$/, '')}/${b}`;
  const top = list(root);
  if (top === undefined) return out;
  if (top.some((f) => f.endsWith('.gem'))) out.push(root); // vendor/cache itself
  if (top.includes('cache')) out.push(join(root, 'cache')); // a GEM_HOME
  if (top.includes('ruby'))
    for (const abi of list(join(root, 'ruby')) ?? []) {
      const cache = join(join(join(root, 'ruby'), abi), 'cache');
      if (list(cache) !== undefined) out.push(cache); // a BUNDLE_PATH
    }
  return out;
}
