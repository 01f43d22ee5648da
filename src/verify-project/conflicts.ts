/**
 * Conflicts in `sigil verify` output: when a server that observes an upstream has logged a
 * conflict record (the upstream later offered other bytes for a version it logged; docs/proxy.md)
 * for a dependency of the lockfile, the report names it. The logged bytes are still what the
 * record (and the lockfile, if it verified) pins; the conflict is an alarm about the upstream.
 */
import type { ProjectReport } from './verify-project.js';

export interface DependencyConflict {
  readonly purl: string;
  readonly display: string;
  readonly upstream: string;
  readonly seenAt: string;
  readonly offered: string;
  readonly logIndex: number;
}

/** fetchConflicts asks the server's /api/v1/conflicts for the report's dependencies; a server without the endpoint has none. */
export async function fetchConflicts(
  server: string,
  report: ProjectReport,
): Promise<DependencyConflict[]> {
  let doc: {
    conflicts?: {
      purl: string;
      upstream: string;
      seenAt: string;
      offered: string;
      logIndex: number;
    }[];
  };
  try {
    const res = await fetch(`${server.replace(/\/+$/, '')}/api/v1/conflicts`, {
      signal: AbortSignal.timeout(30_000),
    });
    if (!res.ok) return [];
    doc = (await res.json()) as typeof doc;
  } catch {
    return [];
  }
  const deps = new Map(report.dependencies.map((d) => [d.purl, d.display]));
  return (doc.conflicts ?? [])
    .filter((c) => deps.has(c.purl))
    .map((c) => ({
      purl: c.purl,
      display: deps.get(c.purl)!,
      upstream: c.upstream,
      seenAt: c.seenAt,
      offered: c.offered,
      logIndex: c.logIndex,
    }));
}

/** formatConflicts: one line per conflict for the human summary. */
export function formatConflicts(conflicts: readonly DependencyConflict[]): string {
  return conflicts
    .map(
      (c) =>
        `  ! ${c.display}: CONFLICT — ${c.upstream} offered other bytes (${c.offered.slice(0, 24)}…) on ${c.seenAt.slice(0, 10)}; the server keeps serving the logged ones (conflict record at log index ${c.logIndex})\n`,
    )
    .join('');
}
