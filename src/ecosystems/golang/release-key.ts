/**
 * Go's release identity (golang.org/x/mod/module): module paths are
 * case-sensitive — github.com/Azure/x and github.com/azure/x are two modules,
 * kept apart on case-insensitive file systems by case-escaping (`!azure`) — so
 * paths are compared in their escaped form, never folded. Versions are compared
 * canonically (module.CanonicalVersion): v1.2 = v1.2.0, and build metadata other
 * than +incompatible is dropped (v1.0.0+meta = v1.0.0).
 */
import type { ReleaseKeyParts } from '../adapter.js';
import { canonicalVersion, escapePath } from './module.js';

export function golangReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  const path = p.namespace ? `${p.namespace}/${p.name}` : p.name;
  let escaped: string;
  try {
    escaped = escapePath(path);
  } catch {
    escaped = path; // not a valid module path: it stands for itself
  }
  const cut = escaped.lastIndexOf('/');
  return {
    namespace: cut < 0 ? undefined : escaped.slice(0, cut),
    name: escaped.slice(cut + 1),
    version: canonicalVersion(p.version) || p.version,
  };
}
