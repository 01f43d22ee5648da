/**
 * The integrity string npm signs: `String(ssri.parse(dist.integrity))`, or,
 * for old packages with only `dist.shasum`, `ssri.fromHex(shasum, 'sha1')`
 * (pacote lib/registry.js `manifest`). ssri keeps every `algo-digest[?opts]`
 * token, drops malformed ones, groups tokens by algorithm in first-seen order
 * and joins them with one space.
 */

const SRI_TOKEN = /^([a-z0-9]+)-([^?]+)([?\S*]*)$/;

/** npmIntegrityString returns the string npm signs, or undefined when the manifest has no usable integrity. */
export function npmIntegrityString(dist: {
  integrity?: unknown;
  shasum?: unknown;
}): string | undefined {
  if (typeof dist.integrity === 'string' && dist.integrity.trim() !== '') {
    const groups = new Map<string, string[]>();
    for (const token of dist.integrity.trim().split(/\s+/)) {
      const m = SRI_TOKEN.exec(token);
      if (m === null) continue;
      const list = groups.get(m[1]!) ?? [];
      list.push(token);
      groups.set(m[1]!, list);
    }
    const s = [...groups.values()].flat().join(' ');
    return s === '' ? undefined : s;
  }
  if (typeof dist.shasum === 'string' && /^[0-9a-fA-F]{40}$/.test(dist.shasum)) {
    return `sha1-${Buffer.from(dist.shasum, 'hex').toString('base64')}`;
  }
  return undefined;
}
