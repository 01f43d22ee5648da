/** CommandContext is what every command gets: the I/O and a place to put its exit code. */
import type { Io } from './output.js';

export interface CommandContext {
  readonly io: Io;
  /** Record the command's exit code (0 ok, 1 verification failed, 2 usage or input error). */
  setExitCode(code: number): void;
}
