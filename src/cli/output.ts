/**
 * Output conventions of the CLI (STYLE.md §11, UX.md): data on stdout,
 * diagnostics on stderr, every diagnostic line prefixed `sigil: error:`,
 * `sigil: hint:` or `sigil: warning:`, lowercase, no stack traces.
 */
import type { Check, VerificationResult } from '../core/verdict.js';
import { colourOn, paint } from './colour.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** True when stderr is a terminal (progress and prompts only then). */
  readonly stderrIsTTY: boolean;
  /** True when stdout is a terminal (colour only then); absent = not a terminal. */
  readonly stdoutIsTTY?: boolean;
  readonly env: NodeJS.ProcessEnv;
}

export const processIo: Io = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  get stderrIsTTY() {
    return Boolean(process.stderr.isTTY);
  },
  get stdoutIsTTY() {
    return Boolean(process.stdout.isTTY);
  },
  env: process.env,
};

export function printError(io: Io, message: string, hint?: string): void {
  const on = colourOn(io, 'err');
  io.err(`sigil: ${paint('error:', 'red', on)} ${message}\n`);
  if (hint) io.err(`sigil: ${paint('hint:', 'dim', on)} ${hint}\n`);
}

export function printWarning(io: Io, message: string): void {
  io.err(`sigil: ${paint('warning:', 'yellow', colourOn(io, 'err'))} ${message}\n`);
}

const MARK: Record<Check['status'], string> = { pass: '✔', fail: '✘', skip: '–', warn: '!' };
const MARK_COLOUR = { pass: 'green', fail: 'red', skip: 'dim', warn: 'yellow' } as const;

/** formatChecks renders a verdict as the table of UX.md; `colour` marks it up for a terminal (see colour.ts). */
export function formatChecks(result: VerificationResult, colour = false): string {
  const width = Math.max(12, ...result.checks.map((c) => c.name.length + 2));
  const lines = [paint(result.subject, 'bold', colour)];
  for (const c of result.checks)
    lines.push(
      `  ${paint(MARK[c.status], MARK_COLOUR[c.status], colour)} ${c.name.padEnd(width)}${c.reason}`,
    );
  // Some verifiers sum up in a sentence of their own (OpenPGP names the policy and the signer).
  const summary = (result as { message?: unknown }).message;
  if (typeof summary === 'string' && summary !== '') lines.push(`  ${summary}`);
  lines.push(result.ok ? paint('verified', 'green', colour) : paint('NOT verified', 'red', colour));
  return `${lines.join('\n')}\n`;
}

/** Progress prints a counter on stderr for long work; silent when not a TTY or under --json. */
export class Progress {
  private last = 0;
  private shown = false;
  constructor(
    private readonly io: Io,
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 200 && done < this.total) return;
    this.last = now;
    this.shown = true;
    const pct = this.total > 0 ? Math.floor((done / this.total) * 100) : 0;
    const width = 30;
    const filled = Math.round((pct / 100) * width);
    this.io.err(
      `\r${this.label} [${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${pct}% ${(done / 1024 ** 2).toFixed(0)}/${(this.total / 1024 ** 2).toFixed(0)} MiB`,
    );
  }

  done(): void {
    if (this.shown) this.io.err('\r\x1b[K');
  }
}
