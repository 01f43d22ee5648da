/**
 * sigil sigstore root show|update: the Sigstore trusted root that keyless
 * bundles (npm provenance, PEP 740, GitHub attestations) are verified
 * against. Sigil ships the public-good root and works offline with it; an
 * update installs a newer root into the config dir, where `sigil verify`
 * prefers it. The new root must parse as a TrustedRoot and still name at
 * least one transparency log and one certificate authority.
 *
 * Sigil does not speak TUF here: a root fetched with --from URL is trusted
 * as far as the HTTPS connection is; prefer --from FILE with a root taken
 * from a TUF client you trust (e.g. `~/.sigstore/root/targets/trusted_root.json`
 * written by cosign or sigstore-python).
 */
import { readFileSync } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { sigilConfigDir } from '../../client/config-dir.js';
import { InputError } from '../../core/errors.js';
import { parseTrustedRoot, PUBLIC_GOOD_TRUSTED_ROOT } from '../../foreign/sigstore/index.js';
import type { CommandContext } from '../context.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import type { Io } from '../output.js';

/** installedRootPath is where an updated root lives; `sigil verify` uses it when present. */
export function installedRootPath(io: Io, configDir?: string): string {
  return join(configDir ?? sigilConfigDir({ env: io.env }), 'sigstore', 'trusted_root.json');
}

/** loadInstalledRoot returns the updated root, or undefined to use the bundled one. */
export function loadInstalledRoot(io: Io): unknown {
  try {
    return JSON.parse(readFileSync(installedRootPath(io), 'utf8'));
  } catch {
    return undefined;
  }
}

interface RootSummary {
  source: string;
  tlogs: { baseUrl: string; validFrom?: string; validTo?: string }[];
  certificateAuthorities: { uri: string; validFrom?: string; validTo?: string }[];
}

function summarize(root: unknown, source: string): RootSummary {
  const r = root as {
    tlogs?: { baseUrl?: string; publicKey?: { validFor?: { start?: string; end?: string } } }[];
    certificateAuthorities?: { uri?: string; validFor?: { start?: string; end?: string } }[];
  };
  return {
    source,
    tlogs: (r.tlogs ?? []).map((t) => ({
      baseUrl: t.baseUrl ?? '?',
      ...(t.publicKey?.validFor?.start ? { validFrom: t.publicKey.validFor.start } : {}),
      ...(t.publicKey?.validFor?.end ? { validTo: t.publicKey.validFor.end } : {}),
    })),
    certificateAuthorities: (r.certificateAuthorities ?? []).map((c) => ({
      uri: c.uri ?? '?',
      ...(c.validFor?.start ? { validFrom: c.validFor.start } : {}),
      ...(c.validFor?.end ? { validTo: c.validFor.end } : {}),
    })),
  };
}

function print(io: Io, s: RootSummary, json: boolean | undefined): void {
  if (json) {
    io.out(`${JSON.stringify(s, null, 2)}\n`);
    return;
  }
  const lines = [`Sigstore trusted root: ${s.source}`, `  transparency logs (${s.tlogs.length}):`];
  for (const t of s.tlogs)
    lines.push(
      `    ${t.baseUrl}  ${t.validFrom ?? ''}${t.validTo ? ` → ${t.validTo}` : ' → (current)'}`,
    );
  lines.push(`  certificate authorities (${s.certificateAuthorities.length}):`);
  for (const c of s.certificateAuthorities)
    lines.push(
      `    ${c.uri}  ${c.validFrom ?? ''}${c.validTo ? ` → ${c.validTo}` : ' → (current)'}`,
    );
  io.out(`${lines.join('\n')}\n`);
}

export function registerSigstore(program: Command, ctx: CommandContext): void {
  const sigstore = program
    .command('sigstore')
    .description('the Sigstore trusted root used for keyless bundles');
  const root = sigstore.command('root').description('show or update the Sigstore trusted root');
  root
    .command('show')
    .description('print the trusted root in use (updated, or the one shipped with sigil)')
    .option('--json', 'print as JSON')
    .action((flags: { json?: boolean }) => {
      const installed = loadInstalledRoot(ctx.io);
      print(
        ctx.io,
        summarize(
          installed ?? PUBLIC_GOOD_TRUSTED_ROOT,
          installed ? installedRootPath(ctx.io) : 'shipped with sigil (Sigstore public-good)',
        ),
        flags.json,
      );
      ctx.setExitCode(0);
    });
  root
    .command('update')
    .description('install a newer trusted root (from a file, or a URL)')
    .requiredOption('--from <file-or-url>', 'trusted_root.json to install')
    .option('--json', 'print as JSON')
    .action(async (flags: { from: string; json?: boolean }) =>
      ctx.setExitCode(await update(ctx.io, flags)),
    );
}

async function update(io: Io, flags: { from: string; json?: boolean }): Promise<number> {
  let text: string;
  if (/^https?:\/\//.test(flags.from)) {
    let res: Response;
    try {
      res = await fetch(flags.from);
    } catch (e) {
      throw new InputError('FETCH_FAILED', `cannot fetch ${flags.from}: ${(e as Error).message}`, {
        hint: 'download it with a TUF client and pass --from FILE',
      });
    }
    if (!res.ok) throw new InputError('FETCH_FAILED', `GET ${flags.from}: HTTP ${res.status}`);
    text = await res.text();
  } else {
    text = readTextFile(flags.from, 'trusted root');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(
      'SIGSTORE_TRUSTED_ROOT_INVALID',
      `${flags.from} is not JSON: ${(e as Error).message}`,
      { file: flags.from },
    );
  }
  const material = parseTrustedRoot(json);
  if (material.tlogs.length === 0 || material.certificateAuthorities.length === 0) {
    throw new InputError(
      'SIGSTORE_TRUSTED_ROOT_INVALID',
      `${flags.from} names no transparency log or no certificate authority; refusing to install a root that verifies nothing`,
      { file: flags.from },
    );
  }
  const path = installedRootPath(io);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileAtomic(path, `${JSON.stringify(json, null, 2)}\n`);
  print(io, summarize(json, path), flags.json);
  return 0;
}
