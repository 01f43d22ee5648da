// Scale-out benchmark (issue 19): bench/scaleout-bench.ts (the log),
// bench/scaleout-publish-bench.ts (a publish's storage path) and bench/replicas-bench.ts (whole
// HTTP publishes through real `sigil serve` replicas) run through tsx, which reuses the
// tests' throw-away PostgreSQL cluster and s3rver helpers. Skipped (said so) without Debian's postgresql.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (!existsSync('/usr/lib/postgresql/15/bin/pg_ctl')) {
  console.log('\nscale-out: SKIPPED — PostgreSQL 15 is not installed (apt-get install postgresql)');
} else {
  for (const script of [
    './scaleout-bench.ts',
    './scaleout-publish-bench.ts',
    './replicas-bench.ts',
  ])
    spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
      {
        stdio: ['ignore', 'inherit', 'ignore'],
      },
    );
}
