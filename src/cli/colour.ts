/**
 * Colour, only where it is wanted: on a terminal, unless NO_COLOR is set
 * (https://no-color.org) or TERM=dumb. Never into files or pipes, so
 * `sigil verify … > report.txt` and `| grep` get plain text.
 */
import type { Io } from './output.js';

/** colourOn tells whether `stream` of `io` may carry ANSI colour. */
export function colourOn(io: Io, stream: 'out' | 'err'): boolean {
  const noColor = io.env['NO_COLOR'];
  if (noColor !== undefined && noColor !== '') return false;
  if (io.env['TERM'] === 'dumb') return false;
  return stream === 'out' ? io.stdoutIsTTY === true : io.stderrIsTTY;
}

const CODES = { green: 32, red: 31, yellow: 33, dim: 2, bold: 1 } as const;

/** paint wraps `text` in an SGR colour when `on`. */
export function paint(text: string, colour: keyof typeof CODES, on: boolean): string {
  return on ? `\x1b[${CODES[colour]}m${text}\x1b[0m` : text;
}
