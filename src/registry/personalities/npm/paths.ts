/**
 * parseNpmPath: what an npm client asks for at the registry root. Pure.
 *
 *   /<name>                         packument   (name: `pkg`, `@scope%2fpkg` — npm's form — or `@scope/pkg`)
 *   /<name>/<version|tag>           one version manifest
 *   /<name>/-/<bare>-<version>.tgz  tarball    (npm's URL layout; `<bare>` is the name without scope)
 *   /<name>/-/<file>.tgz.sigstore.json   the author's Sigstore bundle for that tarball (Sigil)
 *
 * The path is attacker-controlled: undecodable escapes and invalid package
 * names yield undefined (a 404), never an exception.
 */
import { checkNpmName, splitNpmName } from '../../../ecosystems/npm/name.js';

export type NpmTarget =
  | { readonly kind: 'packument'; readonly name: string }
  | { readonly kind: 'version'; readonly name: string; readonly spec: string }
  | { readonly kind: 'tarball' | 'bundle'; readonly name: string; readonly version: string };

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** parseNpmName checks a package name as npm spells it and splits it into purl namespace (`@scope`) and bare name. */
export function parseNpmName(
  name: string,
): { name: string; namespace: string; bare: string } | undefined {
  if (checkNpmName(name) !== undefined) return undefined;
  const s = splitNpmName(name);
  return { name, namespace: s.namespace ?? '', bare: s.name };
}

/** parseNpmPath reads a raw request path (query removed or not). */
export function parseNpmPath(rawUrl: string): NpmTarget | undefined {
  const path = rawUrl.split('?')[0]!;
  if (!path.startsWith('/')) return undefined;
  const raw = path.slice(1).split('/');
  const segments = raw.map(decode);
  if (segments.some((s) => s === undefined || s === '')) return undefined;
  const seg = segments as string[];
  let name: string;
  let rest: string[];
  if (seg[0]!.includes('/')) {
    name = seg[0]!; // `@scope%2fname`
    rest = seg.slice(1);
  } else if (seg[0]!.startsWith('@')) {
    if (seg.length < 2) return undefined;
    name = `${seg[0]}/${seg[1]}`;
    rest = seg.slice(2);
  } else {
    name = seg[0]!;
    rest = seg.slice(1);
  }
  const parsed = parseNpmName(name);
  if (!parsed) return undefined;
  if (rest.length === 0) return { kind: 'packument', name };
  if (rest.length === 1) return { kind: 'version', name, spec: rest[0]! };
  if (rest.length === 2 && rest[0] === '-') {
    const file = rest[1]!;
    const prefix = `${parsed.bare}-`;
    for (const [suffix, kind] of [
      ['.tgz.sigstore.json', 'bundle'],
      ['.tgz', 'tarball'],
    ] as const) {
      if (
        file.startsWith(prefix) &&
        file.endsWith(suffix) &&
        file.length > prefix.length + suffix.length
      ) {
        return { kind, name, version: file.slice(prefix.length, -suffix.length) };
      }
    }
  }
  return undefined;
}
