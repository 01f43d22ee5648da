/**
 * PyPI names. PEP 503 compares names after lowercasing and folding runs of
 * "-", "_", "." into "-". Sigil's pypi purls carry that normalized name: the
 * purl spec's text folds only "_" (purl-spec PR #262 adopts PEP 503), but
 * PyPI's APIs and every lockfile (poetry, uv, pylock) use the PEP 503 form,
 * and a signature must be found for the lockfile's name.
 */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** PEP 508 project names: ASCII letters and digits, with "-", "_", "." inside. */
export const PYPI_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** A loose PEP 440 public version check (the grammar is canonicalised by pip, not by us). */
export const PYPI_VERSION =
  /^v?(\d+!)?\d+(\.\d+)*((a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?([-_.]?(post|rev|r)[-_.]?\d*|-\d+)?([-_.]?dev[-_.]?\d*)?(\+[a-z0-9]+([-_.][a-z0-9]+)*)?$/i;
