/**
 * Watch patterns of the monitor: purls without version, where a trailing
 * `*` matches any run of characters — `pkg:npm/@acme/*` (the scope, written
 * as in the purl spec or with a literal "@"), `pkg:npm/left-pad`, `pkg:golang/github.com/acme/*`.
 * A pattern matches a purl (its version ignored) or a ledger namespace.
 */

function normalise(s: string): string {
  let t = s;
  try {
    t = decodeURIComponent(s);
  } catch {
    /* keep as written */
  }
  return t.replace(/@[^/@]*$/, (m) => (m.includes('/') ? m : '')).toLowerCase();
}

/** matchesWatch reports whether a purl or namespace falls under a watch pattern. */
export function matchesWatch(subject: string, pattern: string): boolean {
  const p = decodeURIComponentSafe(pattern).toLowerCase();
  const s = normalise(subject);
  if (p.endsWith('*')) return s.startsWith(p.slice(0, -1));
  return s === p || s === p.replace(/\/$/, '');
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
