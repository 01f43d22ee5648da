/**
 * logEntries: what a range of the registry's log entries say, decoded for people:
 * which kind of entry (author signature, countersignature, key event), its
 * statement's subject and predicate type, and the key ids that signed it. The
 * page only displays this; the browser checks proofs against the leaves.
 */
import type Database from 'better-sqlite3';

export interface EntryView {
  readonly logIndex: number;
  readonly kind: 'author' | 'publish' | 'key-event' | 'conflict';
  readonly subject: string;
  readonly predicateType: string;
  readonly signers: readonly string[];
}

export class LogEntries {
  private readonly releases;
  private readonly events;
  private readonly conflicts;

  constructor(db: Database.Database) {
    this.releases = db.prepare(
      `SELECT author_index AS i, 'author' AS kind, author_bundle AS doc FROM release WHERE state = 'published' AND author_index >= ? AND author_index < ?
       UNION ALL
       SELECT publish_index AS i, 'publish' AS kind, publish_envelope AS doc FROM release WHERE state = 'published' AND publish_index >= ? AND publish_index < ?`,
    );
    this.events = db.prepare(
      `SELECT log_index AS i, 'key-event' AS kind, envelope AS doc FROM key_event WHERE log_index >= ? AND log_index < ?`,
    );
    // The conflict table belongs to the proxy's store (ConflictStore creates it; the server always opens one).
    this.conflicts = db.prepare(
      `SELECT log_index AS i, 'conflict' AS kind, envelope AS doc FROM upstream_conflict WHERE log_index >= ? AND log_index < ?`,
    );
  }

  /** range lists the decoded entries with start ≤ index < end (at most 1000). */
  range(start: number, end: number): EntryView[] {
    const e = Math.min(end, start + 1000);
    const rows = [
      ...(this.releases.all(start, e, start, e) as {
        i: number;
        kind: EntryView['kind'];
        doc: string;
      }[]),
      ...(this.events.all(start, e) as { i: number; kind: EntryView['kind']; doc: string }[]),
      ...(this.conflicts.all(start, e) as { i: number; kind: EntryView['kind']; doc: string }[]),
    ];
    return rows.sort((a, b) => a.i - b.i).map((r) => decode(r.i, r.kind, r.doc));
  }
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
