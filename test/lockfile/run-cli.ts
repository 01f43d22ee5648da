// Runs the CLI from source in a child process (node --import tsx test/lockfile/run-cli.ts …).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
