/**
 * Ledger namespaces: what a key ledger is about (docs/ledger.md, "Namespaces").
 *
 * - A **package** namespace is the package's purl without version, qualifiers
 *   or subpath, in canonical form: `pkg:npm/left-pad`, `pkg:npm/%40scope/name`,
 *   `pkg:cpan/AUTHOR/Module-Name`.
 * - A **scope** (publisher) namespace covers every package of one purl type
 *   and purl namespace: `pkg:npm/%40scope/*`, `pkg:cpan/AUTHOR/*`. The
 *   trailing `/*` keeps it apart from any package name (`pkg:npm/%40scope`
 *   would parse as a package called "@scope").
 *
 * Identifiers are compared as canonical strings only. Key events must spell
 * their namespace canonically (the signature is over those bytes); queries
 * are canonicalised leniently, and a versioned release purl is accepted as
 * its package namespace.
 */
import { PackageURL } from 'packageurl-js';
import { fromStringVersionless, versionlessPurl } from '../core/purl.js';

export type NamespaceKind = 'package' | 'scope';

/** Namespace is a parsed, canonical ledger namespace. */
export interface Namespace {
  readonly kind: NamespaceKind;
  /** The canonical identifier (what events carry and what maps are keyed by). */
  readonly id: string;
  /** purl type, e.g. "npm". */
  readonly type: string;
  /** purl namespace (npm scope with its "@", CPAN author, …), when there is one. */
  readonly purlNamespace: string | undefined;
}

export type NamespaceResult =
  | { readonly ok: true; readonly value: Namespace }
  | { readonly ok: false; readonly reason: string };

function fromPurl(value: string): PackageURL | string {
  try {
    return fromStringVersionless(value);
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * parseNamespace reads a namespace identifier (attacker-controlled when it
 * comes from an event). With `lenient`, a versioned purl gives its package
 * namespace and non-canonical spellings are canonicalised; without it, the
 * input must already be canonical. Never throws.
 */
export function parseNamespace(
  value: unknown,
  options: { lenient?: boolean } = {},
): NamespaceResult {
  if (typeof value !== 'string' || value === '')
    return { ok: false, reason: 'namespace must be a non-empty string' };
  if (value.length > 1024) return { ok: false, reason: 'namespace is longer than 1024 characters' };
  if (value.endsWith('/*')) {
    // Parse "pkg:type/ns/*" as the purl "pkg:type/ns/_" to reuse the purl rules for type and namespace.
    const p = fromPurl(`${value.slice(0, -2)}/_`);
    if (typeof p === 'string')
      return { ok: false, reason: `scope namespace "${value}" is not a purl prefix: ${p}` };
    if (!p.namespace)
      return {
        ok: false,
        reason: `scope namespace "${value}" names no purl namespace (expected pkg:<type>/<namespace>/*)`,
      };
    if (p.version || p.qualifiers || p.subpath)
      return {
        ok: false,
        reason: `scope namespace "${value}" must not carry a version, qualifiers or subpath`,
      };
    const id = `${versionlessPurl(p.type, p.namespace, '_').slice(0, -2)}/*`;
    if (!options.lenient && id !== value)
      return { ok: false, reason: `namespace "${value}" is not canonical (expected "${id}")` };
    return { ok: true, value: { kind: 'scope', id, type: p.type, purlNamespace: p.namespace } };
  }
  const p = fromPurl(value);
  if (typeof p === 'string')
    return { ok: false, reason: `namespace "${value}" is not a package URL: ${p}` };
  if (!options.lenient && (p.version || p.qualifiers || p.subpath)) {
    return {
      ok: false,
      reason: `package namespace "${value}" must not carry a version, qualifiers or subpath`,
    };
  }
  const id = versionlessPurl(p.type, p.namespace, p.name);
  if (!options.lenient && id !== value)
    return { ok: false, reason: `namespace "${value}" is not canonical (expected "${id}")` };
  return {
    ok: true,
    value: { kind: 'package', id, type: p.type, purlNamespace: p.namespace ?? undefined },
  };
}

/** scopeOf is the scope namespace that covers a package namespace, or undefined when its purl has no namespace. */
export function scopeOf(ns: Namespace): string | undefined {
  if (ns.kind === 'scope') return undefined;
  if (!ns.purlNamespace) return undefined;
  return `${versionlessPurl(ns.type, ns.purlNamespace, '_').slice(0, -2)}/*`;
}
