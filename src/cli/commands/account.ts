/**
 * sigil account: accounts, publish tokens and two-factor of a registry, run by
 * an admin on the server's machine directly against its data folder
 * (`<data>/registry.sqlite`, the file `sigil serve` uses).
 */
import { join } from 'node:path';
import type { Command } from 'commander';
import type { CommandContext } from '../context.js';
import { InputError } from '../../core/errors.js';
import { SqliteAuthState } from '../../store/registry/sqlite-auth-state.js';
import { SqliteGrantState } from '../../store/registry/sqlite-grant-state.js';
import { AuthService, type TokenInfo } from '../../registry/auth/service.js';
import { printWarning, type Io } from '../output.js';

export const DEFAULT_DATA_DIR = './.sigil-data';

const EXAMPLES = `
Examples:
  $ sigil account create alice --namespace 'pkg:npm/%40acme/*'
  $ sigil account token create alice --namespace pkg:npm/%40acme/widget --expires 90d
  $ sigil account 2fa enable alice
  $ sigil account 2fa confirm alice 123456
`;

interface DataFlags {
  data: string;
  json?: boolean;
}

function withData(cmd: Command): Command {
  return cmd
    .option('-d, --data <dir>', 'data folder of the registry', DEFAULT_DATA_DIR)
    .option('--json', 'print the result as JSON');
}

function collect(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ];
}

/** run opens the account tables of a data folder for `fn`, and closes them after. */
async function run<T>(flags: DataFlags, fn: (auth: AuthService) => Promise<T>): Promise<T> {
  const state = new SqliteAuthState(join(flags.data, 'registry.sqlite'));
  const grants = new SqliteGrantState(state.accounts.db);
  try {
    return await fn(new AuthService(state, grants));
  } finally {
    await grants.close();
    await state.close();
  }
}

function json(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** parseExpiry reads `90d`, `12h`, `30m` or an ISO 8601 instant. */
export function parseExpiry(text: string, now = Date.now()): Date {
  const rel = /^(\d{1,6})([dhm])$/.exec(text.trim());
  if (rel)
    return new Date(
      now + Number(rel[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[rel[2] as 'd' | 'h' | 'm'],
    );
  const t = Date.parse(text);
  if (!Number.isNaN(t) && /^\d{4}-\d{2}-\d{2}/.test(text)) return new Date(t);
  throw new InputError(
    'USAGE',
    `--expires must be like 90d, 12h, 30m or an ISO 8601 date, not "${text}"`,
  );
}

function tokenLine(t: TokenInfo): string {
  const state = t.revokedAt
    ? `revoked ${t.revokedAt}`
    : t.expiresAt && Date.parse(t.expiresAt) <= Date.now()
      ? `expired ${t.expiresAt}`
      : t.expiresAt
        ? `expires ${t.expiresAt}`
        : 'no expiry';
  return `${t.id}  ${t.account}  ${t.actions.join(',')}  ${t.namespaces.join(' ')}  ${state}${t.label ? `  "${t.label}"` : ''}`;
}

export function registerAccount(program: Command, ctx: CommandContext): void {
  const { io } = ctx;
  const account = program
    .command('account')
    .description('manage registry accounts, publish tokens and two-factor (on the server machine)')
    .addHelpText('after', EXAMPLES);

  withData(account.command('create <name>').description('create an account'))
    .option('--admin', 'make it a registry admin (may act on every namespace)')
    .option(
      '-n, --namespace <purl>',
      'grant publish and keys on a namespace (pkg:npm/left-pad or pkg:npm/%40scope/*); repeatable',
      collect,
    )
    .action((name: string, flags: DataFlags & { admin?: boolean; namespace?: string[] }) =>
      run(flags, async (auth) => {
        const a = await auth.createAccount(name, { admin: Boolean(flags.admin) });
        const grants: string[] = [];
        for (const n of flags.namespace ?? []) grants.push(await auth.grant(name, n));
        if (flags.json) return json(io, { ...a, namespaces: grants });
        io.out(
          `created account ${a.name}${a.admin ? ' (admin)' : ''}\n${grants.map((g) => `  may publish and manage keys for ${g}\n`).join('')}next: sigil account token create ${a.name}\n`,
        );
      }),
    );

  withData(
    account.command('grant <name> <namespace>').description('let an account act on a namespace'),
  )
    .option('-a, --action <actions>', 'publish, keys (comma-separated or repeated)', collect)
    .action((name: string, namespace: string, flags: DataFlags & { action?: string[] }) =>
      run(flags, async (auth) => {
        const pattern = await auth.grant(
          name,
          namespace,
          flags.action?.length ? flags.action : ['publish', 'keys'],
        );
        if (flags.json)
          return json(io, {
            account: name,
            namespace: pattern,
            actions: flags.action ?? ['publish', 'keys'],
          });
        io.out(
          `${name} may now ${(flags.action ?? ['publish', 'keys']).join(' and ')} on ${pattern}\n`,
        );
      }),
    );

  withData(account.command('list').description('list accounts')).action((flags: DataFlags) =>
    run(flags, async (auth) => {
      const all = [];
      for (const a of await auth.listAccounts())
        all.push({ ...a, namespaces: (await auth.grantsOf(a.name)).map((g) => g.pattern) });
      if (flags.json) return json(io, all);
      for (const a of all)
        io.out(
          `${a.name}${a.admin ? '  admin' : ''}  2fa ${a.twoFactor}  ${a.namespaces.join(' ')}\n`,
        );
    }),
  );

  const token = account.command('token').description('publish tokens: create, list, revoke');
  withData(token.command('create <account>').description('create a publish token (shown once)'))
    .option(
      '-n, --namespace <purl>',
      'namespaces the token may act on (default: all the account may); repeatable',
      collect,
    )
    .option('-a, --action <actions>', 'publish, keys, admin (default publish); repeatable', collect)
    .option('-e, --expires <when>', 'expiry: 90d, 12h, 30m or an ISO 8601 date (default: never)')
    .option('-l, --label <text>', 'a note to recognise the token by')
    .action(
      (
        name: string,
        flags: DataFlags & {
          namespace?: string[];
          action?: string[];
          expires?: string;
          label?: string;
        },
      ) =>
        run(flags, async (auth) => {
          const { token: text, info } = await auth.createToken(name, {
            ...(flags.namespace ? { namespaces: flags.namespace } : {}),
            ...(flags.action ? { actions: flags.action } : {}),
            ...(flags.expires ? { expiresAt: parseExpiry(flags.expires) } : {}),
            ...(flags.label ? { label: flags.label } : {}),
          });
          printWarning(
            io,
            'this is the only time the token is shown: the registry keeps only its hash; store it now',
          );
          if (!info.expiresAt) printWarning(io, 'the token never expires; consider -e/--expires');
          if (flags.json) return json(io, { token: text, ...info });
          io.out(
            `${text}\n  id ${info.id}  account ${info.account}  actions ${info.actions.join(',')}  namespaces ${info.namespaces.join(' ')}  ${info.expiresAt ? `expires ${info.expiresAt}` : 'no expiry'}\n`,
          );
        }),
    );
  withData(token.command('list [account]').description('list tokens (never their secrets)')).action(
    (name: string | undefined, flags: DataFlags) =>
      run(flags, async (auth) => {
        const list = await auth.listTokens(name);
        if (flags.json) return json(io, list);
        for (const t of list) io.out(`${tokenLine(t)}\n`);
      }),
  );
  withData(
    token.command('revoke <id>').description('revoke a token by its id (see token list)'),
  ).action((id: string, flags: DataFlags) =>
    run(flags, async (auth) => {
      const t = await auth.revokeToken(id);
      if (flags.json) return json(io, t);
      io.out(`revoked token ${t.id} of ${t.account}\n`);
    }),
  );

  const twofa = account.command('2fa').description('TOTP two-factor: enable, confirm, disable');
  withData(
    twofa.command('enable <account>').description('start enrolling an authenticator app'),
  ).action((name: string, flags: DataFlags) =>
    run(flags, async (auth) => {
      const { uri, secret } = await auth.enableTwoFactor(name);
      if (flags.json) return json(io, { account: name, state: 'pending', uri, secret });
      io.out(
        [
          `two-factor authentication for ${name} is pending`,
          'scan this URI as a QR code in your authenticator app, or paste it (or the secret) into the app:',
          `  ${uri}`,
          `  secret: ${secret}`,
          `then confirm with the first code it shows: sigil account 2fa confirm ${name} <code>`,
          '',
        ].join('\n'),
      );
    }),
  );
  withData(
    twofa
      .command('confirm <account> <code>')
      .description('turn two-factor on with the first code; prints recovery codes once'),
  ).action((name: string, code: string, flags: DataFlags) =>
    run(flags, async (auth) => {
      const { recoveryCodes } = await auth.confirmTwoFactor(name, code);
      printWarning(
        io,
        'the recovery codes are shown only now; store them offline, each works once',
      );
      if (flags.json) return json(io, { account: name, state: 'on', recoveryCodes });
      io.out(
        `two-factor authentication is on for ${name}; publishing and key changes now need a code\nrecovery codes:\n${recoveryCodes.map((c) => `  ${c}\n`).join('')}`,
      );
    }),
  );
  withData(
    twofa
      .command('disable <account> <code>')
      .description('turn two-factor off (needs a current code or a recovery code)'),
  ).action((name: string, code: string, flags: DataFlags) =>
    run(flags, async (auth) => {
      await auth.disableTwoFactor(name, code);
      if (flags.json) return json(io, { account: name, state: 'off' });
      io.out(`two-factor authentication is off for ${name}\n`);
    }),
  );
}
