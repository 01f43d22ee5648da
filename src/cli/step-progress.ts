/**
 * StepProgress: "reading dists/bookworm/main/binary-amd64/Packages.xz (1 of 2)"
 * on one rewritten stderr line, for work that goes in counted steps (Debian
 * chains, lockfile records). Only on a terminal: nothing reaches files, pipes
 * or --json output, and the line is wiped when the work is done.
 */
import type { Io } from './output.js';

export class StepProgress {
  private shown = false;
  constructor(
    private readonly io: Io,
    private readonly enabled: boolean = io.stderrIsTTY,
  ) {}

  /** step shows what is being done now, and how far along. */
  step(what: string, index: number, total: number): void {
    if (!this.enabled) return;
    this.shown = true;
    const columns = Number(process.stderr.columns) || 100;
    const text = `${what} (${index} of ${total}) …`;
    this.io.err(
      `\r${text.length > columns - 1 ? `…${text.slice(text.length - columns + 2)}` : text}\x1b[K`,
    );
  }

  /** done wipes the line. */
  done(): void {
    if (this.shown) this.io.err('\r\x1b[K');
    this.shown = false;
  }
}
