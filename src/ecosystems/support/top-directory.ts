/** An archive's single top folder, from its entry names alone (light: no archive reader). */

/**
 * topDirectory returns the single top-level folder every entry sits in, or
 * undefined when entries sit at the root or in several folders.
 */
export function topDirectory(paths: readonly string[]): string | undefined {
  let top: string | undefined;
  for (const p of paths) {
    if (p === '') continue;
    const i = p.indexOf('/');
    const first = i < 0 ? p : p.slice(0, i);
    if (i < 0 && !paths.some((q) => q.startsWith(`${p}/`))) return undefined; // a file at the root
    if (top === undefined) top = first;
    else if (top !== first) return undefined;
  }
  return top;
}
