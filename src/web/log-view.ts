/**
 * logEntries: what a range of the registry's log entries say, decoded for people:
 * which kind of entry (author signature, countersignature, key event), its
 * statement's subject and predicate type, and the key ids that signed it. The
 * page only displays this; the browser checks proofs against the leaves.
 */
import type { RegistryStorage } from '../store/registry/registry-storage.js';

export interface EntryView {
  readonly logIndex: number;
  readonly kind: 'author' | 'publish' | 'key-event' | 'conflict';
  readonly subject: string;
  readonly predicateType: string;
  readonly signers: readonly string[];
}

/** logEntries lists the decoded entries with start ≤ index < end (at most 1000). */
export async function logEntries(
  storage: Pick<RegistryStorage, 'releases' | 'packages'>,
  start: number,
  end: number,
): Promise<EntryView[]> {
  const e = Math.min(end, start + 1000);
  const [documents, conflicts] = await Promise.all([
    storage.releases.loggedDocuments(start, e),
    storage.packages.loggedConflicts(start, e),
  ]);
  return [
    ...documents.map((d) => decode(d.index, d.kind, d.doc)),
    ...conflicts.map((c) => decode(c.logIndex, 'conflict', c.envelope)),
  ].sort((x, y) => x.logIndex - y.logIndex);
}

function decode(logIndex: number, kind: EntryView['kind'], doc: string): EntryView {
  let subject = '';
  let predicateType = '';
  let signers: string[] = [];
  try {
    const parsed = JSON.parse(doc) as Record<string, unknown>;
    const env = (kind === 'author' ? parsed['dsseEnvelope'] : parsed) as {
      payload: string;
      signatures: { keyid?: string }[];
    };
    signers = env.signatures.map((s) => s.keyid ?? '(no key id)');
    const st = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')) as {
      subject?: { name?: string }[];
      predicateType?: string;
    };
    subject = (st.subject ?? []).map((s) => s.name ?? '').join(', ');
    predicateType = st.predicateType ?? '';
  } catch {
    /* shown as undecodable */
  }
  return { logIndex, kind, subject, predicateType, signers };
}
