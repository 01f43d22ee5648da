/**
 * OpenSSH's allowed_signers file (ssh-keygen(1), "ALLOWED SIGNERS"), the trust
 * list `ssh-keygen -Y verify` and `git verify-tag` (gpg.ssh.allowedSignersFile) use:
 *
 *   principals [options] keytype base64-key [comment]
 *
 * principals: comma-separated patterns (`*`, `?`, `!negation`), optionally quoted;
 * options: cert-authority, namespaces="a,b", valid-after="YYYYMMDD[HHMM[SS]][Z]", valid-before=…
 * Pure: text in, entries out; matching takes the time it is handed.
 */
import { InputError } from '../../core/errors.js';
import { parseSshPublicKeyLine, type SshPublicKey } from './public-key.js';

export interface AllowedSigner {
  readonly line: number;
  readonly principals: readonly string[];
  readonly certAuthority: boolean;
  readonly namespaces?: readonly string[];
  readonly validAfter?: Date;
  readonly validBefore?: Date;
  readonly key: SshPublicKey;
}

/** Splits the next whitespace-delimited token, keeping double-quoted runs together. */
function nextToken(s: string): [string, string] {
  let i = 0;
  let quoted = false;
  while (i < s.length && (quoted || !/\s/.test(s[i]!))) {
    if (s[i] === '"') quoted = !quoted;
    i++;
  }
  if (quoted) throw new Error('unterminated quote');
  return [s.slice(0, i), s.slice(i).trimStart()];
}

function unquote(s: string): string {
  return s.startsWith('"') && s.endsWith('"') && s.length >= 2 ? s.slice(1, -1) : s;
}

/** Splits on commas outside quotes. */
function splitOptions(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** parseSshTime reads YYYYMMDD[HHMM[SS]][Z]: local time unless Z, as ssh-keygen does. */
export function parseSshTime(value: string, where: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?(Z)?$/.exec(value);
  if (!m)
    throw new InputError(
      'ALLOWED_SIGNERS_INVALID',
      `${where}: "${value}" is not a time (YYYYMMDD[HHMM[SS]][Z])`,
    );
  const [, y, mo, d, h = '0', mi = '0', s = '0', z] = m;
  const parts = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  return z ? new Date(Date.UTC(...parts)) : new Date(...parts);
}

const KEY_TYPE = /^(ssh-|ecdsa-|sk-|rsa-)/;

export function parseAllowedSigners(text: string, file = 'allowed_signers'): AllowedSigner[] {
  const out: AllowedSigner[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file} line ${i + 1}`;
    try {
      const [principalsTok, rest0] = nextToken(line);
      let rest = rest0;
      let certAuthority = false;
      let namespaces: string[] | undefined;
      let validAfter: Date | undefined;
      let validBefore: Date | undefined;
      const [maybeOptions, afterOptions] = nextToken(rest);
      if (!KEY_TYPE.test(maybeOptions)) {
        rest = afterOptions;
        for (const opt of splitOptions(maybeOptions)) {
          const eq = opt.indexOf('=');
          const name = (eq < 0 ? opt : opt.slice(0, eq)).toLowerCase();
          const value = eq < 0 ? undefined : unquote(opt.slice(eq + 1));
          if (name === 'cert-authority') certAuthority = true;
          else if (name === 'namespaces' && value !== undefined)
            namespaces = value
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean);
          else if (name === 'valid-after' && value !== undefined)
            validAfter = parseSshTime(value, where);
          else if (name === 'valid-before' && value !== undefined)
            validBefore = parseSshTime(value, where);
          else throw new InputError('ALLOWED_SIGNERS_INVALID', `${where}: unknown option "${opt}"`);
        }
      }
      const key = parseSshPublicKeyLine(rest, where);
      const principals = unquote(principalsTok)
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      if (principals.length === 0)
        throw new InputError('ALLOWED_SIGNERS_INVALID', `${where}: no principals`);
      out.push({
        line: i + 1,
        principals,
        certAuthority,
        ...(namespaces ? { namespaces } : {}),
        ...(validAfter ? { validAfter } : {}),
        ...(validBefore ? { validBefore } : {}),
        key,
      });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError('ALLOWED_SIGNERS_INVALID', `${where}: ${(e as Error).message}`, {
        file,
      });
    }
  });
  return out;
}

/** matchPattern: OpenSSH's `*`/`?` wildcard match of one pattern. */
function matchPattern(s: string, pattern: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(s);
}

/** matchPrincipal: OpenSSH's match_pattern_list — any positive match and no negated match. */
export function matchPrincipal(principal: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (matchPattern(principal, p.slice(1))) return false;
    } else if (matchPattern(principal, p)) matched = true;
  }
  return matched;
}

export interface SignerMatch {
  readonly entry: AllowedSigner;
  /** Why it does not apply, or undefined when it does. */
  readonly problem?: 'namespace' | 'not-yet-valid' | 'expired' | 'principal';
}

/**
 * signersForKey: the allowed_signers lines naming this key (plain keys only; cert-authority lines
 * vouch for certificates, which are not supported), each with the problem that stops it, if any.
 */
export function signersForKey(
  entries: readonly AllowedSigner[],
  key: SshPublicKey,
  opts: { namespace: string; at: Date; principal?: string },
): SignerMatch[] {
  return entries
    .filter((e) => !e.certAuthority && e.key.blob.equals(key.blob))
    .map((entry) => {
      if (opts.principal !== undefined && !matchPrincipal(opts.principal, entry.principals))
        return { entry, problem: 'principal' as const };
      if (entry.namespaces && !entry.namespaces.some((n) => matchPattern(opts.namespace, n)))
        return { entry, problem: 'namespace' as const };
      if (entry.validAfter && opts.at < entry.validAfter)
        return { entry, problem: 'not-yet-valid' as const };
      if (entry.validBefore && opts.at > entry.validBefore)
        return { entry, problem: 'expired' as const };
      return { entry };
    });
}
