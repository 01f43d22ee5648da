/**
 * sigil go: the Go side of a Sigil registry.
 *
 *   sigil go vkey [--data DIR] [--url URL]   print the checksum database's verifier key,
 *                                            or with --url the GOPROXY/GOSUMDB lines to paste
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { GOSUMDB_DIR } from '../../registry/personalities/go/index.js';
import { loadLogKey } from '../../store/log-key.js';
import type { CommandContext } from '../context.js';
import type { Io } from '../output.js';

export interface GoVkeyFlags {
  data: string;
  url?: string;
}

export function registerGo(program: Command, ctx: CommandContext): void {
  const go = program
    .command('go')
    .description('Go modules: the module proxy and checksum database of `sigil serve`');
  go.command('vkey')
    .description('print the verifier key of the Go checksum database (for GOSUMDB)')
    .option(
      '-d, --data <dir>',
      'data folder of `sigil serve` (default: $SIGIL_DATA or ./.sigil-data)',
      process.env['SIGIL_DATA'] ?? './.sigil-data',
    )
    .option('--url <url>', "the server's URL: print the GOPROXY and GOSUMDB settings instead")
    .action((flags: GoVkeyFlags) => ctx.setExitCode(goVkey(ctx.io, flags)));
}

export function goVkey(io: Io, flags: GoVkeyFlags): number {
  const dir = join(flags.data, GOSUMDB_DIR);
  const key = loadLogKey(dir);
  if (!key) {
    throw new InputError(
      'GOSUMDB_NO_KEY',
      `${flags.data} has no Go checksum database yet (no ${join(dir, 'log.key')})`,
      {
        hint: 'start `sigil serve` on this data folder once: it creates the key and prints the GOSUMDB line',
      },
    );
  }
  if (flags.url === undefined) {
    io.out(`${key.verifierKey}\n`);
    return 0;
  }
  const url = flags.url.replace(/\/+$/, '');
  io.out(`GOPROXY=${url}/go\nGOSUMDB="${key.verifierKey} ${url}/go/sumdb/${key.origin}"\n`);
  return 0;
}
