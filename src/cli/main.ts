/**
 * The sigil command line. Thin: parse flags, call the library, print.
 * Exit codes: 0 verified / done, 1 verification failed, 2 usage or input error.
 */
import { Command, CommanderError } from 'commander';
import { SigilError } from '../core/errors.js';
import { registerKey } from './commands/key.js';
import { registerAccount } from './commands/account.js';
import { registerKeygen } from './commands/keygen.js';
import { registerPublish } from './commands/publish.js';
import { registerServe } from './commands/serve.js';
import { registerGo } from './commands/go.js';
import { registerLog } from './commands/log.js';
import { registerLogClientCommands } from './commands/log-client.js';
import { registerSign } from './commands/sign.js';
import { registerVerify } from './commands/verify.js';
import { registerFetchRecords } from './commands/fetch-records.js';
import { registerFetch } from './commands/fetch.js';
import { registerSigstore } from './commands/sigstore.js';
import type { CommandContext } from './context.js';
import { printError, processIo, type Io } from './output.js';

export const VERSION = '0.1.0';

const EXAMPLES = `
Examples:
  $ sigil keygen --out ~/.sigil
  $ sigil sign left-pad-1.3.0.tgz --key ~/.sigil/sigil-7c0f1a2b.key
  $ sigil verify left-pad-1.3.0.tgz --key ~/.sigil/sigil-7c0f1a2b.pub
  $ sigil sign app.bin --name app --version 2.0.0 --key KEY
  $ sigil verify package-lock.json --server https://sigil.example.org

Environment:
  SIGIL_PASSPHRASE   passphrase of the private key (otherwise you are prompted)
`;

export function buildProgram(ctx: CommandContext): Command {
  const program = new Command('sigil')
    .description('sign and verify software releases, for every package manager')
    .version(VERSION, '-V, --version', 'print the version of sigil')
    .enablePositionalOptions()
    .addHelpText('after', EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.out(s),
      writeErr: (s) => ctx.io.err(s),
      outputError: (s, write) => write(s.replace(/^error: /, 'sigil: error: ')),
    });
  registerKeygen(program, ctx);
  registerSign(program, ctx);
  registerVerify(program, ctx);
  registerKey(program, ctx);
  registerAccount(program, ctx);
  registerPublish(program, ctx);
  registerServe(program, ctx);
  registerGo(program, ctx);
  registerLogClientCommands(registerLog(program, ctx), ctx);
  registerFetchRecords(program, ctx);
  registerFetch(program, ctx);
  registerSigstore(program, ctx);
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** main runs the CLI and returns the exit code; it never throws and never prints a stack trace for bad input. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const ctx: CommandContext = { io, setExitCode: (c) => (exitCode = c) };
  const program = buildProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version are not errors
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    if (e instanceof SigilError) {
      printError(io, e.message, e.hint);
      return e.code === 'VERIFICATION_FAILED' ? 1 : 2;
    }
    printError(io, `unexpected failure: ${(e as Error)?.message ?? String(e)}`, 'this is a bug in sigil; please report it with the command you ran');
    if (io.env['SIGIL_DEBUG']) io.err(`${(e as Error)?.stack ?? ''}\n`);
    return 70;
  }
}
