/** Where the web UI lives and how its pages name packages, ledgers and log entries. */
export const UI_PREFIX = '/ui';

export const packagePath = (purlNoVersion: string): string =>
  `${UI_PREFIX}/package/${encodeURIComponent(purlNoVersion)}`;
export const ledgerPath = (namespace: string): string =>
  `${UI_PREFIX}/ledger/${encodeURIComponent(namespace)}`;
export const entryPath = (index: number): string => `${UI_PREFIX}/log/entry/${index}`;
