/**
 * COMMAND_INDEX: what `sigil --help` lists for each command, without loading
 * the command's module (start-up is part of the UX: `sigil --help` and
 * `sigil --version` must not load fastify, SQLite, OpenPGP or Sigstore).
 * `term` and `description` are exactly what the module's own registration
 * shows; test/cli-startup.test.ts fails when the two drift apart.
 */
export interface CommandIndexEntry {
  /** the command as help lists it: name, [options], arguments */
  readonly term: string;
  readonly description: string;
}

export const COMMAND_INDEX: Readonly<Record<string, CommandIndexEntry>> = {
  keygen: {
    term: 'keygen [options]',
    description: 'make a new signing key pair (private key encrypted with a passphrase)',
  },
  sign: {
    term: 'sign [options] <artifact>',
    description: 'sign a release artifact; writes <artifact>.sigstore.json (Sigstore bundle v0.3)',
  },
  verify: {
    term: 'verify [options] <target>',
    description:
      'verify an artifact (or repository, or packument) against its signatures and trusted keys',
  },
  key: {
    term: 'key',
    description:
      "manage a namespace's key ledger: add, revoke, rotate keys, set a threshold, read the history",
  },
  account: {
    term: 'account',
    description: 'manage registry accounts, publish tokens and two-factor (on the server machine)',
  },
  publish: {
    term: 'publish [options] <artifact>',
    description: 'sign (with --key) and upload a release to a Sigil registry',
  },
  serve: {
    term: 'serve [options]',
    description:
      'run a Sigil registry with its transparency log (embedded default: SQLite + files)',
  },
  go: {
    term: 'go',
    description: 'Go modules: the module proxy and checksum database of `sigil serve`',
  },
  log: { term: 'log', description: 'run and inspect a transparency log (C2SP tlog-tiles)' },
  'fetch-records': {
    term: 'fetch-records [options] <lockfile>',
    description:
      "cache the release records of a lockfile's dependencies for `sigil verify --offline`",
  },
  fetch: {
    term: 'fetch [options] <purl>',
    description: 'download a release from a Sigil registry and keep it only if it verifies',
  },
  sigstore: { term: 'sigstore', description: 'the Sigstore trusted root used for keyless bundles' },
  forge: {
    term: 'forge',
    description: 'bind a namespace to the SSH keys your forge account lists (GitHub, GitLab, …)',
  },
  witness: {
    term: 'witness',
    description: 'run a transparency-log witness that cosigns checkpoints (C2SP tlog-witness)',
  },
  monitor: {
    term: 'monitor [options]',
    description:
      "follow a server's log and report new versions, key events, resets, duplicate records and inconsistent checkpoints",
  },
};
