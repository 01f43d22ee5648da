/**
 * Per-command help that opens with examples, as age and cosign do: the
 * command list shows a one-line summary (`.summary()`); `sigil <command>
 * --help` shows the summary, then one to three worked examples, then the flags.
 */

/** examplesFirst is a command description: the summary, then `examples` as shell lines. */
export function examplesFirst(summary: string, examples: readonly string[]): string {
  return `${summary}\n\nExamples:\n${examples.map((e) => `  $ ${e}`).join('\n')}`;
}
