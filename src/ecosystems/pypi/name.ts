/**
 * PyPI names. PEP 503 compares names after lowercasing and folding runs of
 * "-", "_", "." into "-"; the purl spec (types/pypi-definition) lowercases and
 * turns "_" into "-" only, which makePurl does. We use PEP 503 to compare
 * names (file name vs. metadata), and makePurl for the purl.
 */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** PEP 508 project names: ASCII letters and digits, with "-", "_", "." inside. */
export const PYPI_NAME = /^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$/i;

/** A loose PEP 440 public version check (the grammar is canonicalised by pip, not by us). */
export const PYPI_VERSION = /^v?(\d+!)?\d+(\.\d+)*((a|b|c|rc|alpha|beta|pre|preview)[-_.]?\d*)?([-_.]?(post|rev|r)[-_.]?\d*|-\d+)?([-_.]?dev[-_.]?\d*)?(\+[a-z0-9]+([-_.][a-z0-9]+)*)?$/i;
