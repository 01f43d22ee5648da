/**
 * Where the client keeps its state (remembered checkpoints): the flag, else
 * $SIGIL_CONFIG_DIR, else $XDG_CONFIG_HOME/sigil, else ~/.config/sigil
 * (XDG Base Directory Specification; relative XDG paths are ignored, as it says).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function sigilConfigDir(
  options: {
    flag?: string;
    env?: Readonly<Record<string, string | undefined>>;
    home?: string;
  } = {},
): string {
  const env = options.env ?? process.env;
  if (options.flag) return options.flag;
  if (env['SIGIL_CONFIG_DIR']) return env['SIGIL_CONFIG_DIR'];
  const xdg = env['XDG_CONFIG_HOME'];
  if (xdg && isAbsolute(xdg)) return join(xdg, 'sigil');
  return join(options.home ?? homedir(), '.config', 'sigil');
}
