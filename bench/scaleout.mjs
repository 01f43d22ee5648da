// Scale-out benchmark (issue 19): bench/scaleout-bench.ts (the log) and
// bench/scaleout-publish-bench.ts (a publish's storage path) run through tsx, which reuses the
// tests' throw-away PostgreSQL cluster and s3rver helpers. Skipped (said so) without Debian's postgresql.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

if (!existsSync('/usr/lib/postgresql/15/bin/pg_ctl')) {
  console.log('\nscale-out: SKIPPED — PostgreSQL 15 is not installed (apt-get install postgresql)');
} else {
  for (const script of ['./scaleout-bench.ts', './scaleout-publish-bench.ts'])
    spawnSync(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url))],
      {
        stdio: ['ignore', 'inherit', 'ignore'],
      },
    );
}
