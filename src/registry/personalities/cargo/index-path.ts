/**
 * Index paths of a Cargo registry (doc.rust-lang.org/cargo/reference/registry-index.html
 * "Index files"): the lower-cased name under `1/`, `2/`, `3/<first char>/` or
 * `<first two>/<next two>/`. Pure.
 */

/** CRATE_NAME: what cargo accepts as a package name on a registry (ASCII, starts with a letter, ≤ 64). */
export const CRATE_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/** indexPath is the path of a crate's index file, relative to the index root. */
export function indexPath(name: string): string {
  const n = name.toLowerCase();
  if (n.length === 1) return `1/${n}`;
  if (n.length === 2) return `2/${n}`;
  if (n.length === 3) return `3/${n[0]}/${n}`;
  return `${n.slice(0, 2)}/${n.slice(2, 4)}/${n}`;
}

/** parseIndexPath returns the (lower-cased) crate name an index path names, or undefined when the path is not one. */
export function parseIndexPath(path: string): string | undefined {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (!CRATE_NAME.test(name)) return undefined;
  return indexPath(name) === path ? name.toLowerCase() : undefined;
}

/** canonicalCrateName: crates.io treats names that differ only in case or `-`/`_` as one crate. */
export function canonicalCrateName(name: string): string {
  return name.toLowerCase().replace(/_/g, '-');
}
