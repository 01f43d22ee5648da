/**
 * keysAtIndex: which keys of a namespace were authorised just before log index
 * `index`, replayed from the ledger's applied history (adds, rotations,
 * revocations, resets). The page shows it beside each release so a reader
 * sees who could sign at the moment the release was logged.
 */
import type { HistoryEntry } from '../ledger/replay.js';

export function keysAtIndex(history: readonly HistoryEntry[], index: number): string[] {
  const keys = new Set<string>();
  for (const h of history) {
    if (h.logIndex >= index) break;
    if (h.status !== 'applied') continue;
    if (h.reset) keys.clear();
    for (const k of h.removed) keys.delete(k);
    for (const k of h.added) keys.add(k);
  }
  return [...keys];
}
