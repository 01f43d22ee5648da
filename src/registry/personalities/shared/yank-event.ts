/**
 * logYank: a yank (or un-yank) is a logged event, not only registry state.
 * The registry signs an in-toto statement naming the release files and their
 * digests with the yank predicate and appends it to the transparency log, so
 * a monitor sees when a version was hidden from new resolutions, by whom and
 * why — and a registry cannot quietly hide or unhide a version. The bytes and
 * the release record stay (lockfiles that pin the version keep working).
 */
import { signEnvelope } from '../../../core/dsse.js';
import { IN_TOTO_PAYLOAD_TYPE, IN_TOTO_STATEMENT_TYPE } from '../../../core/statement.js';
import type { ReleaseRow } from '../../../store/registry/releases.js';
import { envelopeLogEntry } from '../../../log/rekor/envelope-entry.js';
import type { RegistryContext } from '../../publish.js';

export const YANK_PREDICATE_TYPE = 'https://sigil.dev/yank/v0.1';

export interface YankPredicate {
  /** true: hidden from indexes for new resolutions; false: shown again. */
  readonly yanked: boolean;
  readonly reason: string;
  readonly at: string;
  /** The account that asked (null without accounts). */
  readonly account: string | null;
  readonly registry: string;
}

/** logYank appends the registry's yank statement for `files` (one release's files) and returns its log index. */
export async function logYank(
  ctx: RegistryContext,
  files: readonly ReleaseRow[],
  yanked: boolean,
  reason: string,
  account: string | null,
): Promise<number> {
  const predicate: YankPredicate = {
    yanked,
    reason,
    at: ctx.now().toISOString(),
    account,
    registry: ctx.baseUrl,
  };
  const statement = {
    _type: IN_TOTO_STATEMENT_TYPE,
    subject: files.map((f) => ({ name: f.purl, digest: { sha256: f.sha256, sha512: f.sha512 } })),
    predicateType: YANK_PREDICATE_TYPE,
    predicate,
  };
  const envelope = signEnvelope(
    IN_TOTO_PAYLOAD_TYPE,
    Buffer.from(JSON.stringify(statement)),
    ctx.registryKey,
  );
  const appended = await ctx.log.append(envelopeLogEntry(envelope, ctx.registryKey.publicKey));
  return appended.index;
}
