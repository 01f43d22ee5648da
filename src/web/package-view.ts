/**
 * packageView: everything the package page shows, gathered from the stores:
 * each version with its signer, the keys its namespace authorised at that log
 * index, its countersignature and log entries, observed-release evidence,
 * digests and install command; the ledger's history; conflict records.
 */
import { purlWithoutVersion } from '../core/purl.js';
import { OBSERVED_PREDICATE_TYPE, type ObservedPredicate } from '../core/observed.js';
import type { HistoryEntry } from '../ledger/replay.js';
import type { LedgerAuthority } from '../registry/ledger-authority.js';
import type { ConflictRow } from '../store/registry/conflicts.js';
import type { RegistryStorage } from '../store/registry/registry-storage.js';
import type { ReleaseRow } from '../store/registry/releases.js';
import { digestSpellings, type DigestSpelling } from './digest-spelling.js';
import { installCommand } from './install-command.js';
import { keysAtIndex } from './key-history.js';
import { statementOf } from './statement-of.js';
import { parsePurl } from '../core/purl.js';

export interface VersionView {
  readonly purl: string;
  readonly version: string;
  readonly publishedAt: string;
  readonly kind: 'author-signed' | 'registry-published' | 'observed';
  readonly authorKeyId: string | null;
  readonly authorIndex: number | null;
  readonly publishIndex: number | null;
  /** Keys the namespace's ledger authorised just before the release's log index. */
  readonly keysAuthorised: readonly string[];
  readonly signerAuthorised: boolean | undefined;
  readonly countersigned: boolean;
  readonly npmSignature: string | undefined;
  readonly account: string | null;
  readonly observed: ObservedPredicate | undefined;
  readonly digests: readonly DigestSpelling[];
  readonly install: string | undefined;
  readonly downloadPath: string;
  readonly size: number;
}

export interface PackageView {
  readonly name: string;
  readonly type: string;
  readonly ledgerNamespace: string;
  readonly resetInHistory: boolean;
  readonly history: readonly HistoryEntry[];
  readonly versions: readonly VersionView[];
  readonly conflicts: readonly ConflictRow[];
}

export async function packageView(
  deps: {
    storage: Pick<RegistryStorage, 'releases' | 'packages'>;
    ledger: LedgerAuthority;
    baseUrl: string;
  },
  purl: string,
): Promise<PackageView | undefined> {
  const name = purlWithoutVersion(purl);
  const p = parsePurl(name);
  const rows = await deps.storage.releases.versions(p.type, p.namespace ?? '', p.name);
  if (rows.length === 0) return undefined;
  const keys = await deps.ledger.keysFor(name);
  const history = deps.ledger.history(keys.namespace);
  const versions = [...rows]
    .sort((a, b) => (b.publishIndex ?? 0) - (a.publishIndex ?? 0))
    .map((r) => versionView(r, history, deps.baseUrl));
  const conflicts = (
    await Promise.all(rows.map((r) => deps.storage.packages.conflicts({ purl: r.purl })))
  ).flat();
  return {
    name,
    type: p.type,
    ledgerNamespace: keys.namespace,
    resetInHistory: keys.resetInHistory,
    history,
    versions,
    conflicts,
  };
}

function versionView(r: ReleaseRow, history: readonly HistoryEntry[], base: string): VersionView {
  const publish = statementOf(r.publishEnvelope);
  const observed =
    publish?.predicateType === OBSERVED_PREDICATE_TYPE
      ? (publish.predicate as unknown as ObservedPredicate)
      : undefined;
  const at = r.authorIndex ?? r.publishIndex ?? 0;
  const keysAuthorised = history.length > 0 ? keysAtIndex(history, at) : [];
  let native: Record<string, string> = {};
  try {
    native = JSON.parse(r.native) as Record<string, string>;
  } catch {
    /* shown without native digests */
  }
  let npmSignature: string | undefined;
  try {
    npmSignature = r.registrySignature
      ? (JSON.parse(r.registrySignature) as { keyid?: string }).keyid
      : undefined;
  } catch {
    npmSignature = undefined;
  }
  return {
    purl: r.purl,
    version: r.version,
    publishedAt: r.publishedAt,
    kind: r.authorBundle ? 'author-signed' : observed ? 'observed' : 'registry-published',
    authorKeyId: r.authorKeyId,
    authorIndex: r.authorIndex,
    publishIndex: r.publishIndex,
    keysAuthorised,
    signerAuthorised:
      r.authorKeyId && history.length > 0 ? keysAuthorised.includes(r.authorKeyId) : undefined,
    countersigned: publish !== undefined,
    npmSignature,
    account: r.account,
    observed,
    digests: digestSpellings({ type: r.type, sha256: r.sha256, sha512: r.sha512, native }),
    install: installCommand(base, r),
    downloadPath: `/api/v1/blobs/sha256/${r.sha256}/${encodeURIComponent(r.filename)}`,
    size: r.size,
  };
}
