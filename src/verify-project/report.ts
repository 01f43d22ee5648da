/**
 * Reports of a project check: the human summary (UX.md, "A whole project"),
 * JSON (the ProjectReport as is) and SARIF 2.1.0 for code-scanning UIs
 * (docs.oasis-open.org/sarif/sarif/v2.1.0: runs[].tool.driver.rules,
 * results with ruleId, level, message and a location in the lockfile).
 */
import type { Check } from '../core/verdict.js';
import type { DependencyResult } from './check-dependency.js';
import { formatAge } from './checkpoints.js';
import type { ProjectReport } from './verify-project.js';
import type { LevelledResult } from './levels.js';

const n = (x: number) => x.toLocaleString('en-US');

function list(items: readonly DependencyResult[], max = 8): string {
  const shown = items.slice(0, max).map((r) => r.display);
  return items.length > max
    ? `${shown.join(', ')}, … (${items.length - max} more)`
    : shown.join(', ');
}

/** formatHuman renders the summary for stdout. */
export function formatHuman(r: ProjectReport): string {
  const lines: string[] = [];
  const by = (s: DependencyResult['status']) => r.dependencies.filter((d) => d.status === s);
  const checked = r.dependencies.length - r.counts.skipped;
  const cp = r.log
    ? ` (checkpoint ${n(r.log.size)}${r.log.ageSeconds !== undefined ? `, ${formatAge(r.log.ageSeconds)} old` : ''})`
    : '';
  lines.push(
    `checked ${n(checked)} package${checked === 1 ? '' : 's'} from ${r.lockfile} against ${r.source}${cp}`,
  );
  if (r.summary) {
    const k = r.kinds;
    const parts = k
      ? [
          `${n(k['author-signed'])} author-signed`,
          `${n(k['registry-published'])} registry-published`,
          `${n(k.observed)} logged from upstream`,
        ]
      : [];
    lines.push(
      `verified ${n(r.summary.verified)} of ${n(r.summary.verified + r.summary.notVerified)}${parts.length ? ` (records: ${parts.join(', ')}, ${n(k!['no-record'])} none)` : ''}; NOT verified: ${n(r.summary.notVerified)}`,
    );
  }
  for (const c of r.project)
    if (c.status === 'fail') lines.push(`  ✘ ${c.name.padEnd(12)}${c.reason}`);
  const w = String(Math.max(1, ...Object.values(r.counts).map((x) => n(x).length))).length;
  const count = (x: number) => n(x).padStart(Math.max(5, w));
  lines.push(
    `${count(r.counts.verified)} verified      author signature, key, countersignature, log inclusion`,
  );
  const unsignedAll = by('unsigned') as LevelledResult[];
  const logged = unsignedAll.filter((d) => d.kind === 'observed');
  const unsigned = unsignedAll.filter((d) => d.kind !== 'observed');
  if (logged.length > 0) {
    const first = logged
      .map((d) => d.observed?.firstSeen ?? '')
      .filter(Boolean)
      .sort()[0];
    const from = [...new Set(logged.map((d) => d.observed?.upstream).filter(Boolean))].join(', ');
    lines.push(
      `${count(logged.length)} logged        observed from ${from || 'an upstream'}, bytes logged on first sight${first ? ` (first seen from ${first.slice(0, 10)})` : ''}, not signed by their authors: ${list(logged)}`,
    );
  }
  if (unsigned.length > 0) {
    lines.push(
      `${count(unsigned.length)} unsigned      allowed by policy (warn): ${list(unsigned)}`,
    );
    const none = unsigned.filter((d) => d.kind === 'no-record' || d.kind === undefined);
    const published = unsigned.filter(
      (d) => d.kind === 'registry-published' || d.kind === 'author-signed',
    );
    if (none.length > 0 && published.length > 0) {
      lines.push(`${' '.repeat(Math.max(5, w) + 15)}the server has no record: ${list(none)}`);
      lines.push(
        `${' '.repeat(Math.max(5, w) + 15)}published, but not signed by its author: ${list(published)}`,
      );
    } else if (none.length > 0)
      lines.push(`${' '.repeat(Math.max(5, w) + 15)}(the server has no record of any of them)`);
    else
      lines.push(
        `${' '.repeat(Math.max(5, w) + 15)}(all published on the registry, but not signed by their authors)`,
      );
  }
  const skipped = by('skipped');
  if (skipped.length > 0)
    lines.push(
      `${count(skipped.length)} not checked   ${list(skipped, 4)} (workspace links, bundled or go.mod-only)`,
    );
  const failed = by('failed');
  if (failed.length > 0) {
    lines.push(`${count(failed.length)} FAILED`);
    const width = Math.min(40, Math.max(...failed.map((f) => f.display.length)));
    for (const f of failed)
      lines.push(`        ${f.display.padEnd(width)}   ${f.reason.split('\n')[0]}`);
  }
  for (const x of r.warnings) lines.push(`  ! ${x.display}: ${x.check.reason}`);
  return `${lines.join('\n')}\n`;
}

// ------------------------------------------------------------------ SARIF

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  defaultConfiguration: { level: 'error' | 'warning' | 'note' };
  helpUri?: string;
}

const RULE_TEXT: Record<string, string> = {
  DIGEST_MISMATCH: 'Lockfile digest differs from the signed digest',
  DIGEST_MISSING: 'Lockfile pins no digest',
  DIGEST_WEAK: 'Lockfile pins only a digest the signature does not cover',
  DIGEST_NOT_COMPARABLE: 'Lockfile digest cannot be compared with the signed one',
  AUTHOR_SIGNATURE_REQUIRED: 'Author signature required by policy',
  UNSIGNED_NOT_ALLOWED: 'Unsigned package not allowed by policy',
  UNSIGNED_ALLOWED: 'Unsigned package',
  KEY_CHANGED: 'Namespace key changed outside the key ledger',
  KEY_ROTATED: 'Namespace key rotated through the key ledger',
  LEDGER_RESET: "Registry reset of a namespace's keys",
  COUNTERSIGNATURE_MISMATCH: 'Registry countersignature belongs to another release',
  COUNTERSIGNATURE_INVALID: 'Registry countersignature does not verify',
  LOG_SPLIT_VIEW: 'Transparency log split view',
  CHECKPOINT_STALE: 'Checkpoint older than the policy allows',
  WITNESSES_INSUFFICIENT: 'Too few witness cosignatures',
};

function ruleFor(code: string, level: 'error' | 'warning'): SarifRule {
  const words = code.toLowerCase().replace(/_/g, ' ');
  return {
    id: code,
    name: code
      .toLowerCase()
      .split('_')
      .map((p) => p[0]!.toUpperCase() + p.slice(1))
      .join(''),
    shortDescription: { text: RULE_TEXT[code] ?? words[0]!.toUpperCase() + words.slice(1) },
    defaultConfiguration: { level },
  };
}

/** lineOf finds the 1-based line of the lockfile that best names the dependency. */
function lineOf(lines: readonly string[] | undefined, d: DependencyResult): number | undefined {
  if (!lines) return undefined;
  const m = /:(\d+)$/.exec(d.location ?? '');
  if (m) return Number(m[1]);
  const needles = [
    d.location
      ? JSON.stringify(d.location.replace(/^packages\[|\]$/g, '').replace(/^"|"$/g, ''))
      : undefined,
    d.location,
    d.display,
  ].filter((x): x is string => !!x);
  for (const needle of needles) {
    const i = lines.findIndex((l) => l.includes(needle));
    if (i >= 0) return i + 1;
  }
  return undefined;
}

/** formatSarif renders SARIF 2.1.0; `lockfileText` lets results point at lines. */
export function formatSarif(r: ProjectReport, version: string, lockfileText?: string): string {
  const lines = lockfileText?.split('\n');
  const rules = new Map<string, SarifRule>();
  const results: unknown[] = [];
  const uri = r.lockfile.replace(/\\/g, '/');
  const add = (c: Check, level: 'error' | 'warning', message: string, d?: DependencyResult) => {
    if (!rules.has(c.code)) rules.set(c.code, ruleFor(c.code, level));
    const line = d ? lineOf(lines, d) : undefined;
    results.push({
      ruleId: c.code,
      ruleIndex: [...rules.keys()].indexOf(c.code),
      level,
      message: { text: message },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri },
            ...(line ? { region: { startLine: line } } : {}),
          },
        },
      ],
      ...(d ? { properties: { purl: d.purl, status: d.status } } : {}),
    });
  };
  for (const c of r.project) if (c.status === 'fail') add(c, 'error', c.reason);
  for (const d of r.dependencies) {
    for (const c of d.checks) {
      if (c.status === 'fail') add(c, 'error', `${d.display}: ${c.reason}`, d);
      else if (c.status === 'warn') add(c, 'warning', `${d.display}: ${c.reason}`, d);
    }
  }
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'sigil',
            version,
            informationUri: 'https://github.com/sigil-dev/sigil',
            rules: [...rules.values()],
          },
        },
        artifacts: [{ location: { uri } }],
        results,
        properties: { counts: r.counts, ok: r.ok },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}
