/**
 * Namespaces and actions: what a grant or a token covers. Pure.
 *
 * A namespace pattern is one of
 *   - a package purl without version, canonical: `pkg:npm/left-pad`, `pkg:npm/%40scope/name`;
 *   - a prefix ending in `/*`: `pkg:npm/%40scope/*` covers every package under it, at any
 *     depth (`pkg:golang/github.com/acme/*` covers `pkg:golang/github.com/acme/x/y`), and
 *     also the scope namespace `pkg:npm/%40scope/*` itself (the key ledger's publisher namespace);
 *   - `*` — every namespace (tokens only: "whatever the account may do").
 */
import { InputError } from '../../core/errors.js';
import { parsePurl, versionlessPurl, type PackageURL } from '../../core/purl.js';
import { AuthError } from './errors.js';

export const ACTIONS = ['publish', 'keys', 'admin'] as const;
/** Action: `publish` releases, `keys` key events (ledger), `admin` manage accounts. */
export type Action = (typeof ACTIONS)[number];

export function isAction(v: string): v is Action {
  return (ACTIONS as readonly string[]).includes(v);
}

/** parseActions reads a comma-separated list or array; AuthError ACTION_INVALID. */
export function parseActions(value: string | readonly string[]): Action[] {
  const list = (typeof value === 'string' ? value.split(',') : value)
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = list.filter((a) => !isAction(a));
  if (bad.length > 0 || list.length === 0) {
    throw new AuthError(
      'ACTION_INVALID',
      400,
      `actions must be among ${ACTIONS.join(', ')}${bad.length ? `, not ${bad.join(', ')}` : ''}`,
    );
  }
  return [...new Set(list as Action[])].sort((a, b) => ACTIONS.indexOf(a) - ACTIONS.indexOf(b));
}

function canonicalPackage(text: string): string {
  let p: PackageURL;
  try {
    p = parsePurl(text, 'namespace');
  } catch (e) {
    throw new AuthError(
      'NAMESPACE_INVALID',
      400,
      e instanceof InputError ? e.message : `"${text}" is not a package URL`,
      {
        hint: 'a namespace is a purl without version (pkg:npm/left-pad) or a scope (pkg:npm/%40scope/*)',
      },
    );
  }
  if (p.version || p.qualifiers || p.subpath) {
    throw new AuthError(
      'NAMESPACE_INVALID',
      400,
      `namespace "${text}" must not have a version, qualifiers or subpath`,
      { hint: `use ${versionlessPurl(p.type, p.namespace, p.name)}` },
    );
  }
  return p.toString();
}

/**
 * normalizeNamespace turns user input into the canonical pattern (AuthError NAMESPACE_INVALID).
 * `allowAll` admits `*` (token scopes); grants must name something.
 */
export function normalizeNamespace(text: string, allowAll = false): string {
  const t = text.trim();
  if (t === '*') {
    if (allowAll) return '*';
    throw new AuthError(
      'NAMESPACE_INVALID',
      400,
      'a grant must name a package or a scope, not "*"',
      { hint: 'registry admins need no grants; use `sigil account create --admin`' },
    );
  }
  if (t.endsWith('/*')) {
    // Canonicalize the prefix by canonicalizing a package under it, then put the star back.
    const probe = canonicalPackage(`${t.slice(0, -1)}x`);
    return `${probe.slice(0, -1)}*`;
  }
  return canonicalPackage(t);
}

/** covers says whether a canonical pattern covers a canonical namespace. */
export function covers(pattern: string, namespace: string): boolean {
  if (pattern === '*' || pattern === namespace) return true;
  return pattern.endsWith('/*') && namespace.startsWith(pattern.slice(0, -1));
}

/**
 * coveringPatterns lists every pattern (other than `*`) that covers `namespace`:
 * itself and each `prefix/*` above it — so a store can look grants up by equality.
 */
export function coveringPatterns(namespace: string): string[] {
  const out = [namespace];
  const body = namespace.endsWith('/*') ? namespace.slice(0, -2) : namespace;
  for (let i = body.lastIndexOf('/'); i > 0; i = body.lastIndexOf('/', i - 1))
    out.push(`${body.slice(0, i)}/*`);
  return out;
}
