/** Most lockfile formats are told by their exact file name; this builds such a format. */
import type { LockfileFormat } from '../adapter.js';

/**
 * lockfileNamed is the format `format` (its display name) that matches the
 * file names `names` exactly (by default the display name itself).
 */
export function lockfileNamed(format: string, names: readonly string[] = [format]): LockfileFormat {
  return { format, matches: (f) => names.includes(f) };
}
