/**
 * The sigil command line. Thin: parse flags, call the library, print.
 * Exit codes: 0 verified / done, 1 verification failed, 2 usage or input error.
 */
import type { Command } from 'commander';
import { COMMAND_INDEX } from './command-index.js';
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
  SIGIL_PASSPHRASE          passphrase of the private key (otherwise you are prompted)
  SIGIL_SERVER              registry URL for publish, fetch, fetch-records, verify <lockfile> (-s/--server)
  SIGIL_TOKEN               publish token for sigil publish and key commands (--token)
  SIGIL_DATA                data folder of sigil serve (-d/--data; default ./.sigil-data)
  SIGIL_SERVER_PASSPHRASE   encrypts the registry key at sigil serve's first start, and unlocks it later
  SIGIL_CONFIG_DIR          where sigil keeps checkpoints it saw and the Sigstore trusted root
                            (default $XDG_CONFIG_HOME/sigil or ~/.config/sigil)
  NO_COLOR                  set to anything: no colour (colour is used only on a terminal anyway)
  SIGIL_DEBUG               set to anything: print a stack trace for unexpected failures
  SIGIL_LOG_WRITE_TOKEN     a bearer token sigil log serve admits writes with (also --write-token-file)
  SIGIL_VERIFY_THREADS      worker threads for verify <lockfile>'s per-dependency checks (default 0: main thread)
  SSH_AUTH_SOCK             ssh-agent that signs for --ssh-key (sign, publish, forge bind)
`;

type Register = (program: Command, ctx: CommandContext) => unknown;

/**
 * COMMANDS: each command's module, loaded only when that command runs (or for
 * --help). `sigil sign` should not pay for the registry, the OpenPGP and
 * Sigstore verifiers or SQLite: start-up time and memory are part of the UX
 * (a 2 GiB `sigil sign` stays under 100 MB).
 */
const COMMANDS: Record<string, () => Promise<Register>> = {
  keygen: async () => (await import('./commands/keygen.js')).registerKeygen,
  sign: async () => (await import('./commands/sign.js')).registerSign,
  verify: async () => (await import('./commands/verify.js')).registerVerify,
  key: async () => (await import('./commands/key.js')).registerKey,
  account: async () => (await import('./commands/account.js')).registerAccount,
  publish: async () => (await import('./commands/publish.js')).registerPublish,
  serve: async () => (await import('./commands/serve.js')).registerServe,
  go: async () => (await import('./commands/go.js')).registerGo,
  log: async () => {
    const [{ registerLog }, { registerLogClientCommands }, { registerLogProofCommands }] =
      await Promise.all([
        import('./commands/log.js'),
        import('./commands/log-client.js'),
        import('./commands/log-proof.js'),
      ]);
    return (program, ctx) => {
      const log = registerLog(program, ctx);
      registerLogClientCommands(log, ctx);
      registerLogProofCommands(log, ctx);
    };
  },
  'fetch-records': async () => (await import('./commands/fetch-records.js')).registerFetchRecords,
  fetch: async () => (await import('./commands/fetch.js')).registerFetch,
  sigstore: async () => (await import('./commands/sigstore.js')).registerSigstore,
  forge: async () => (await import('./commands/forge.js')).registerForge,
  witness: async () => (await import('./commands/witness.js')).registerWitness,
  monitor: async () => (await import('./commands/monitor.js')).registerMonitor,
};

/**
 * commandName is the subcommand argv names (the first word that is not an
 * option, or the one after `help`), if it is one of ours.
 */
function commandName(argv: readonly string[]): string | undefined {
  const words = argv.filter((a) => !a.startsWith('-'));
  const first = words[0] === 'help' ? words[1] : words[0];
  return first !== undefined && Object.hasOwn(COMMANDS, first) ? first : undefined;
}

/**
 * buildProgram loads only the command argv names. Without one (`--version`,
 * `--help`, a typo) it loads no command module: help lists COMMAND_INDEX and
 * suggestions use its names. `all` loads every module (the index's test).
 */
export async function buildProgram(
  ctx: CommandContext,
  argv: readonly string[] = [],
  options: { all?: boolean } = {},
): Promise<Command> {
  const { Command } = await import('commander');
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
  const only = commandName(argv);
  if (only === undefined && !options.all) {
    // Placeholders in the real commands' order; never run (a named command loads its module above).
    for (const [name, entry] of Object.entries(COMMAND_INDEX))
      program.command(name).description(entry.description);
    const term = program.createHelp().subcommandTerm.bind(program.createHelp());
    program.configureHelp({ subcommandTerm: (c) => COMMAND_INDEX[c.name()]?.term ?? term(c) });
    return program;
  }
  const names = only ? [only] : Object.keys(COMMANDS);
  const registers = await Promise.all(names.map((n) => COMMANDS[n]!()));
  for (const register of registers) register(program, ctx);
  for (const c of program.commands) c.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** main runs the CLI and returns the exit code; it never throws and never prints a stack trace for bad input. */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  let exitCode = 0;
  const ctx: CommandContext = { io, setExitCode: (c) => (exitCode = c) };
  // `sigil --version` alone: the answer commander would print, without loading commander (start-up is UX).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    io.out(`${VERSION}\n`);
    return 0;
  }
  let program: Command;
  try {
    program = await buildProgram(ctx, argv);
  } catch (e) {
    printError(
      io,
      `cannot start: ${(e as Error)?.message ?? String(e)}`,
      'this is a bug in sigil; please report it with the command you ran',
    );
    return 70;
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    const { CommanderError } = await import('commander');
    if (e instanceof CommanderError) {
      // help and version are not errors
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return 0;
      return 2;
    }
    // Loaded only on this path: `sigil --version` loads nothing outside src/cli and commander.
    const { SigilError } = await import('../core/errors.js');
    if (e instanceof SigilError) {
      printError(io, e.message, e.hint);
      return e.code === 'VERIFICATION_FAILED' ? 1 : 2;
    }
    printError(
      io,
      `unexpected failure: ${(e as Error)?.message ?? String(e)}`,
      'this is a bug in sigil; please report it with the command you ran',
    );
    if (io.env['SIGIL_DEBUG']) io.err(`${(e as Error)?.stack ?? ''}\n`);
    return 70;
  }
}
