/**
 * sigil key: make key events for a namespace's key ledger, and read a ledger.
 *
 * The offline half: `add`, `revoke`, `rotate`, `threshold` write a signed
 * event envelope (JSON) to --out or stdout; `cosign` adds a signature for
 * k-of-n namespaces; `list` and `history` replay a local JSON-lines file of
 * `{"logIndex": N, "envelope": {...}}`. Submitting to a server is one more
 * step after makeEvent(): post the envelope, which the registry judges with
 * Ledger.check before logging it.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { RegistryClient } from '../../client/registry-client.js';
import type { CommandContext } from '../context.js';
import type { DsseEnvelope } from '../../core/dsse.js';
import { InputError } from '../../core/errors.js';
import { parsePublicKeyFile, type PrivateKey, type PublicKey } from '../../core/keys.js';
import {
  buildKeyEvent,
  cosignKeyEvent,
  parseKeyEventEnvelope,
  type KeyEventInput,
} from '../../ledger/event.js';
import { parseNamespace } from '../../ledger/namespace.js';
import {
  replayLedger,
  type HistoryEntry,
  type Ledger,
  type LogEntry,
} from '../../ledger/replay.js';
import { readTextFile, writeFileAtomic } from '../files.js';
import { loadPrivateKey } from '../keyring.js';
import { printWarning, type Io } from '../output.js';

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

interface EventFlags {
  namespace: string;
  signer: string[];
  previous?: string;
  events?: string;
  registryKey?: string[];
  out?: string;
  reason?: string;
  server?: string;
  token?: string;
  otp?: string;
}

const USAGE = `
Examples:
  $ sigil key add --namespace pkg:npm/left-pad --key me.pub --signer me.key --out add.json
  $ sigil key add --namespace pkg:npm/left-pad --key bob.pub --signer me.key --events ledger.jsonl
  $ sigil key revoke --namespace pkg:npm/left-pad --key-id 7c0f… --compromised-since 1200 --signer me.key --events ledger.jsonl
  $ sigil key rotate --namespace pkg:npm/left-pad --from 7c0f… --to new.pub --signer me.key --events ledger.jsonl
  $ sigil key threshold --namespace pkg:npm/%40acme/* --threshold 2 --signer a.key --signer b.key --events ledger.jsonl
  $ sigil key history pkg:npm/left-pad --events ledger.jsonl

Namespaces are version-less purls (pkg:npm/left-pad) or scopes (pkg:npm/%40acme/*).
The chain link (previous event) comes from --events (a JSON-lines log of {logIndex, envelope})
or --previous DIGEST; a namespace's first add needs neither and must be signed by the key it adds.
`;

function eventCommand(parent: Command, name: string, description: string): Command {
  return parent
    .command(name)
    .description(description)
    .requiredOption('-n, --namespace <ns>', 'namespace: pkg:npm/name or a scope pkg:npm/%40scope/*')
    .requiredOption('-s, --signer <file>', 'private key to sign with (repeat for k-of-n)', collect)
    .option(
      '--events <file>',
      "JSON-lines log of the namespace's events, to chain onto its latest event and pre-check the new one",
    )
    .option(
      '--previous <digest>',
      'digest of the namespace\'s latest event ("none" for its first event)',
    )
    .option(
      '--registry-key <file>',
      'registry public key, to replay resets in --events (repeatable)',
      collect,
    )
    .option('--reason <text>', 'free-text reason recorded in the event')
    .option('-o, --out <file>', 'write the event here (default: stdout)')
    .option(
      '--server <url>',
      'submit the event to this registry (chains onto its ledger; default: write it out)',
    )
    .option('--token <token>', 'publish token with the keys action (default: $SIGIL_TOKEN)')
    .option('--otp <code>', 'two-factor code, when the account has 2FA');
}

export function registerKey(program: Command, ctx: CommandContext): void {
  const key = program
    .command('key')
    .description(
      "manage a namespace's key ledger: add, revoke, rotate keys, set a threshold, read the history",
    )
    .addHelpText('after', USAGE);
  eventCommand(
    key,
    'add',
    'authorise new keys for a namespace (its first add is trust on first use)',
  )
    .requiredOption('-k, --key <file>', 'public key to add (repeatable)', collect)
    .action(async (flags: EventFlags & { key: string[] }) =>
      ctx.setExitCode(
        await handleEvent(ctx.io, flags, (ns, previous) => ({
          action: 'add',
          namespace: ns,
          previous,
          keys: flags.key.map(loadPublicKey),
        })),
      ),
    );
  eventCommand(
    key,
    'revoke',
    'revoke a key; --compromised-since also invalidates what it signed from that log index on',
  )
    .requiredOption('--key-id <id>', 'hex key id to revoke')
    .option('--compromised-since <index>', "log index from which the key's signatures are invalid")
    .action(async (flags: EventFlags & { keyId: string; compromisedSince?: string }) =>
      ctx.setExitCode(
        await handleEvent(ctx.io, flags, (ns, previous) => ({
          action: 'revoke',
          namespace: ns,
          previous,
          keyId: flags.keyId,
          ...(flags.compromisedSince !== undefined
            ? { compromisedSince: logIndexFlag(flags.compromisedSince, '--compromised-since') }
            : {}),
        })),
      ),
    );
  eventCommand(key, 'rotate', 'replace one key by another, atomically')
    .requiredOption('--from <id>', 'hex key id of the key to retire')
    .requiredOption('--to <file>', 'public key that replaces it')
    .action(async (flags: EventFlags & { from: string; to: string }) =>
      ctx.setExitCode(
        await handleEvent(ctx.io, flags, (ns, previous) => ({
          action: 'rotate',
          namespace: ns,
          previous,
          from: flags.from,
          to: loadPublicKey(flags.to),
        })),
      ),
    );
  eventCommand(key, 'threshold', 'require k distinct authorised signatures on later key events')
    .requiredOption('-t, --threshold <k>', 'number of signatures (1 or more)')
    .action(async (flags: EventFlags & { threshold: string }) =>
      ctx.setExitCode(
        await handleEvent(ctx.io, flags, (ns, previous) => ({
          action: 'threshold',
          namespace: ns,
          previous,
          threshold: Math.max(1, logIndexFlag(flags.threshold, '--threshold')),
        })),
      ),
    );
  key
    .command('cosign')
    .description('add your signature to a key event (k-of-n namespaces)')
    .argument('<event>', 'event file written by sigil key add|revoke|rotate|threshold')
    .requiredOption('-s, --signer <file>', 'private key to sign with (repeatable)', collect)
    .option('-o, --out <file>', 'write the event here (default: overwrite <event>)')
    .action((file: string, flags: { signer: string[]; out?: string }) =>
      ctx.setExitCode(cosign(ctx.io, file, flags)),
    );
  key
    .command('list')
    .description("replay a ledger file (or a folder of *.jsonl) and print each namespace's keys")
    .argument('<ledger>', 'JSON-lines file of {logIndex, envelope}, or a folder of them')
    .option('-n, --namespace <ns>', 'only this namespace')
    .option('--registry-key <file>', 'registry public key, to replay resets (repeatable)', collect)
    .option('--json', 'print JSON')
    .action((path: string, flags: { namespace?: string; registryKey?: string[]; json?: boolean }) =>
      ctx.setExitCode(list(ctx.io, path, flags)),
    );
  key
    .command('history')
    .description('print every event of a namespace, applied or rejected, and why')
    .argument('<namespace>', 'namespace: pkg:npm/name or pkg:npm/%40scope/*')
    .requiredOption(
      '--events <file>',
      'JSON-lines file of {logIndex, envelope}, or a folder of them',
    )
    .option('--registry-key <file>', 'registry public key, to replay resets (repeatable)', collect)
    .option('--json', 'print JSON')
    .action((ns: string, flags: { events: string; registryKey?: string[]; json?: boolean }) =>
      ctx.setExitCode(history(ctx.io, ns, flags)),
    );
  // main.ts sets these on top-level commands only; subcommands need them too, or a usage error would exit the process.
  for (const c of key.commands) c.exitOverride().configureOutput(program.configureOutput());
}

// ---- making events ------------------------------------------------------------

function loadPublicKey(file: string): PublicKey {
  return parsePublicKeyFile(readTextFile(file, 'key file'), file);
}

function logIndexFlag(value: string, flag: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InputError('USAGE', `${flag} must be a whole number, not "${value}"`);
  return Number(value);
}

/**
 * handleEvent writes the event out (writeEvent), or with --server submits it
 * to the registry: the registry's ledger for the namespace gives the chain
 * link, and the registry judges the event with the same replay every
 * verifier runs before it logs it.
 */
async function handleEvent(
  io: Io,
  flags: EventFlags,
  make: (ns: string, previous: string | null) => KeyEventInput,
): Promise<number> {
  if (flags.server === undefined) return writeEvent(io, flags, make);
  if (flags.events !== undefined || flags.previous !== undefined) {
    throw new InputError('USAGE', "--server can't be used with --events or --previous", {
      hint: "with --server the registry's ledger gives the previous event",
    });
  }
  const ns = parseNamespace(flags.namespace);
  if (!ns.ok) throw new InputError('USAGE', `-n/--namespace: ${ns.reason}`);
  const token = flags.token ?? io.env['SIGIL_TOKEN'];
  const client = new RegistryClient(flags.server, {
    ...(token ? { token } : {}),
    ...(flags.otp ? { otp: flags.otp } : {}),
  });
  const view = await client.ledger(ns.value.id);
  const input = make(ns.value.id, view.ledger === ns.value.id ? view.head : null);
  const signers: PrivateKey[] = flags.signer.map((f) => loadPrivateKey(io, f));
  const event = buildKeyEvent(
    flags.reason !== undefined ? { ...input, reason: flags.reason } : input,
    signers,
  );
  if (flags.out !== undefined)
    writeFileAtomic(flags.out, `${JSON.stringify(event.envelope, null, 2)}\n`);
  const r = await client.submitKeyEvent(event.envelope);
  io.out(
    `logged ${input.action} event for ${r.namespace} at log index ${r.logIndex} (digest ${event.digest.slice(0, 16)})\n`,
  );
  return 0;
}

function writeEvent(
  io: Io,
  flags: EventFlags,
  make: (ns: string, previous: string | null) => KeyEventInput,
): number {
  const ns = parseNamespace(flags.namespace);
  if (!ns.ok)
    throw new InputError('USAGE', `-n/--namespace: ${ns.reason}`, {
      hint: 'a namespace is a version-less purl such as pkg:npm/left-pad, or a scope such as pkg:npm/%40acme/*',
    });
  if (flags.previous !== undefined && flags.events !== undefined) {
    throw new InputError('USAGE', "--previous can't be used with --events", {
      hint: '--events finds the previous event itself',
    });
  }
  const ledger =
    flags.events !== undefined
      ? replayLedger(readEvents(flags.events), {
          registryKeys: (flags.registryKey ?? []).map(loadPublicKey),
        })
      : undefined;
  let previous: string | null;
  if (ledger) previous = ledger.head(ns.value.id);
  else if (flags.previous === undefined || flags.previous === 'none') previous = null;
  else if (/^[0-9a-f]{64}$/.test(flags.previous)) previous = flags.previous;
  else
    throw new InputError(
      'USAGE',
      `--previous must be a hex SHA-256 event digest or "none", not "${flags.previous}"`,
    );
  const input = make(ns.value.id, previous);
  if (!ledger && flags.previous === undefined && input.action !== 'add') {
    throw new InputError(
      'USAGE',
      `a ${input.action} event must name the namespace's latest event`,
      { hint: 'pass --events LEDGER.jsonl (or --previous DIGEST)' },
    );
  }
  if (!ledger && flags.previous === undefined)
    printWarning(
      io,
      `writing the first event of ${ns.value.id} (pass --events to chain onto an existing history)`,
    );
  const signers: PrivateKey[] = flags.signer.map((f) => loadPrivateKey(io, f));
  const event = buildKeyEvent(
    flags.reason !== undefined ? { ...input, reason: flags.reason } : input,
    signers,
  );
  if (ledger) {
    const next = (ledger.entries().at(-1)?.logIndex ?? -1) + 1;
    const judged = ledger.check(event.envelope, next);
    if (judged.status === 'rejected')
      printWarning(
        io,
        `the ledger would reject this event as it stands: ${judged.code}: ${judged.reason}`,
      );
  }
  return emit(
    io,
    event.envelope,
    flags.out,
    `${input.action} event for ${ns.value.id} (digest ${event.digest.slice(0, 16)})`,
  );
}

function emit(io: Io, envelope: DsseEnvelope, out: string | undefined, what: string): number {
  const text = `${JSON.stringify(envelope, null, 2)}\n`;
  if (out === undefined) io.out(text);
  else {
    writeFileAtomic(out, text);
    io.out(`wrote ${what} → ${out}\n`);
  }
  return 0;
}

function cosign(io: Io, file: string, flags: { signer: string[]; out?: string }): number {
  const parsed = parseKeyEventEnvelope(readTextFile(file, 'event file'));
  if (!parsed.ok) throw new InputError(parsed.code, `${file}: ${parsed.reason}`, { file });
  let envelope = parsed.value.envelope;
  for (const f of flags.signer) envelope = cosignKeyEvent(envelope, loadPrivateKey(io, f));
  return emit(
    io,
    envelope,
    flags.out ?? file,
    `${envelope.signatures.length} signature(s) on ${parsed.value.statement.predicate.action} event for ${parsed.value.statement.predicate.namespace}`,
  );
}

// ---- reading a ledger -------------------------------------------------------------

/** readEvents reads a JSON-lines log of {logIndex, envelope} (or a folder of *.jsonl files), sorted by log index. */
export function readEvents(path: string): LogEntry[] {
  let files = [path];
  try {
    if (statSync(path).isDirectory())
      files = readdirSync(path)
        .filter((n) => n.endsWith('.jsonl'))
        .sort()
        .map((n) => join(path, n));
  } catch {
    /* readTextFile names the missing file */
  }
  const entries: LogEntry[] = [];
  for (const file of files) {
    readTextFile(file, 'ledger file')
      .split('\n')
      .forEach((line, i) => {
        if (line.trim() === '' || line.trimStart().startsWith('#')) return;
        let doc: unknown;
        try {
          doc = JSON.parse(line);
        } catch (e) {
          throw new InputError(
            'LEDGER_FILE_INVALID',
            `${file}:${i + 1}: not JSON (${(e as Error).message})`,
            { file },
          );
        }
        const d = doc as { logIndex?: unknown; envelope?: unknown };
        if (
          typeof doc !== 'object' ||
          doc === null ||
          typeof d.logIndex !== 'number' ||
          d.envelope === undefined
        ) {
          throw new InputError(
            'LEDGER_FILE_INVALID',
            `${file}:${i + 1}: expected {"logIndex": N, "envelope": {...}}`,
            { file },
          );
        }
        entries.push({ logIndex: d.logIndex, envelope: d.envelope });
      });
  }
  return entries.sort((a, b) => a.logIndex - b.logIndex);
}

function replayFile(path: string, registryKeyFiles: readonly string[] | undefined): Ledger {
  return replayLedger(readEvents(path), {
    registryKeys: (registryKeyFiles ?? []).map(loadPublicKey),
  });
}

function list(
  io: Io,
  path: string,
  flags: { namespace?: string; registryKey?: string[]; json?: boolean },
): number {
  const ledger = replayFile(path, flags.registryKey);
  let namespaces = ledger.namespaces();
  if (flags.namespace !== undefined) {
    const ns = parseNamespace(flags.namespace, { lenient: true });
    if (!ns.ok) throw new InputError('USAGE', `-n/--namespace: ${ns.reason}`);
    namespaces = namespaces.filter((n) => n === ns.value.id);
  }
  const rows = namespaces.map((ns) => ({
    namespace: ns,
    threshold: ledger.threshold(ns),
    reset: ledger.history(ns).some((h) => h.reset && h.status === 'applied'),
    keys: ledger.keys(ns).map(({ publicKey: _, ...k }) => ({
      ...k,
      status:
        k.removedAt === undefined
          ? 'authorised'
          : k.compromisedSince !== undefined
            ? 'compromised'
            : k.removal === 'rotate'
              ? 'rotated'
              : k.removal === 'reset'
                ? 'removed-by-reset'
                : 'revoked',
    })),
  }));
  const rejected = ledger.entries().filter((e) => e.status === 'rejected').length;
  if (flags.json) {
    io.out(`${JSON.stringify({ namespaces: rows, rejected }, null, 2)}\n`);
    return 0;
  }
  for (const r of rows) {
    io.out(`${r.namespace}  (threshold ${r.threshold}${r.reset ? ', RESET BY REGISTRY' : ''})\n`);
    for (const k of r.keys) {
      const since = `since ${k.addedAt}${k.firstUse ? ' (first use)' : ''}${k.viaReset ? ' (reset)' : ''}`;
      const until =
        k.removedAt === undefined
          ? ''
          : `  until ${k.removedAt}${k.compromisedSince !== undefined ? `, compromised since ${k.compromisedSince}` : ''}`;
      io.out(`  ${k.status.padEnd(16)} ${k.keyId}  ${k.algorithm.padEnd(10)} ${since}${until}\n`);
    }
  }
  if (rows.length === 0) io.out('no namespace has an applied key event\n');
  if (rejected > 0)
    printWarning(
      io,
      `${rejected} event(s) were rejected; see sigil key history <namespace> --events ${path}`,
    );
  return 0;
}

function history(
  io: Io,
  namespace: string,
  flags: { events: string; registryKey?: string[]; json?: boolean },
): number {
  const ns = parseNamespace(namespace, { lenient: true });
  if (!ns.ok) throw new InputError('USAGE', `<namespace>: ${ns.reason}`);
  const ledger = replayFile(flags.events, flags.registryKey);
  const entries = ledger.history(ns.value.id);
  if (flags.json) {
    io.out(
      `${JSON.stringify({ namespace: ns.value.id, head: ledger.head(ns.value.id), threshold: ledger.threshold(ns.value.id), events: entries }, null, 2)}\n`,
    );
    return 0;
  }
  io.out(`${ns.value.id}\n`);
  for (const h of entries) io.out(formatEntry(h));
  if (entries.length === 0) io.out('  no events\n');
  return 0;
}

function formatEntry(h: HistoryEntry): string {
  const mark = h.status === 'applied' ? (h.reset ? '!' : '✔') : '✘';
  const flags = [h.firstUse ? 'FIRST USE' : '', h.reset ? 'RESET BY REGISTRY' : '']
    .filter(Boolean)
    .join(', ');
  const lines = [
    `  ${mark} ${String(h.logIndex).padStart(6)}  ${(h.action ?? '?').padEnd(9)} ${h.status === 'applied' ? h.reason : `${h.code}: ${h.reason}`}${flags ? `  [${flags}]` : ''}`,
  ];
  if (h.signers.length > 0)
    lines.push(`           signed by ${h.signers.map((s) => s.slice(0, 16)).join(', ')}`);
  for (const w of h.warnings) lines.push(`           warning: ${w}`);
  return `${lines.join('\n')}\n`;
}
