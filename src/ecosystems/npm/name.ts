/**
 * npm package names, as npm's validate-npm-package-name accepts them for new
 * packages: at most 214 characters, lowercase, URL-safe, no leading dot or
 * underscore, optional "@scope/" prefix.
 */
export function checkNpmName(name: string): string | undefined {
  if (name.length === 0) return 'name is empty';
  if (name.length > 214) return 'name is longer than 214 characters';
  if (name !== name.toLowerCase()) return 'name has uppercase letters';
  if (name.trim() !== name) return 'name has leading or trailing spaces';
  const m = /^(?:@([^/]+)\/)?([^/]+)$/.exec(name);
  if (!m) return 'name has a "/" outside a "@scope/name" form';
  for (const part of [m[1], m[2]]) {
    if (part === undefined) continue;
    if (part.startsWith('.') || part.startsWith('_')) return 'name starts with "." or "_"';
    if (encodeURIComponent(part) !== part && !/^[a-z0-9._~!*'()-]+$/.test(part))
      return 'name has characters that are not URL-safe';
  }
  return undefined;
}

/** splitNpmName splits "@scope/name" into purl namespace ("@scope") and name. */
export function splitNpmName(name: string): { namespace?: string; name: string } {
  const i = name.startsWith('@') ? name.indexOf('/') : -1;
  return i > 0 ? { namespace: name.slice(0, i), name: name.slice(i + 1) } : { name };
}
