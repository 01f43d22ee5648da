/**
 * Forge key bindings: "the SSH keys forge account A lists may sign for namespace N".
 *
 * Most authors already have one public key everyone can see: the SSH key on their
 * forge account (https://github.com/<account>.keys, GitLab's and Bitbucket's equivalents).
 * A binding is a small JSON statement, signed in SSHSIG (namespace
 * "sigil-forge-binding") by one of the keys it lists, that names the namespace, the
 * forge account, the keys the forge listed for it (copied verbatim) and which of them
 * become the namespace's Sigil keys. Verification is offline:
 * - the signature is by a key the statement lists for the account (proof of possession);
 * - every Sigil key it binds is one of the listed keys;
 * - the namespace is the one the verifier asked about;
 * - with the verifier's own copy of the forge listing, every bound key must still be
 *   listed there (a key the account removed from the forge no longer counts);
 *   without one, the forge link is reported as not checked (warn), never as checked.
 * Pure: bytes in, verdict out.
 */
import {
  fail,
  pass,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { InputError, SigilError } from '../../core/errors.js';
import { parseSshPublicKeyLine, type SshPublicKey } from './public-key.js';
import { parseSshsigArmor, sshsigSignedData, verifySshSignatureBlob } from './sshsig.js';

export const FORGE_BINDING_TYPE = 'https://sigil.dev/ssh-forge-binding/v0.1';
export const FORGE_BINDING_NAMESPACE = 'sigil-forge-binding';

export interface ForgeBindingStatement {
  readonly _type: typeof FORGE_BINDING_TYPE;
  readonly namespace: string;
  readonly forge: string;
  readonly account: string;
  /** The account's keys exactly as the forge listed them ("<type> <base64>"). */
  readonly forgeKeys: readonly string[];
  readonly listedAt: string;
  /** The listed keys (same spelling) that become the namespace's keys. */
  readonly bind: readonly string[];
}

export interface ForgeBindingFile {
  /** The statement's exact JSON text (what is signed). */
  readonly statement: string;
  /** The SSHSIG armor over `statement`. */
  readonly signature: string;
}

const keyText = (k: SshPublicKey): string => `${k.type} ${k.blob.toString('base64')}`;

/** parseForgeKeys reads a forge's key listing (one authorized_keys line per key; comments and blank lines ignored). */
export function parseForgeKeys(text: string, what = 'forge key listing'): SshPublicKey[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l, i) => parseSshPublicKeyLine(l, `${what} line ${i + 1}`));
}

export function makeForgeBindingStatement(input: {
  namespace: string;
  forge: string;
  account: string;
  forgeKeys: readonly SshPublicKey[];
  bind: readonly SshPublicKey[];
  listedAt: Date;
}): ForgeBindingStatement {
  const listed = input.forgeKeys.map(keyText);
  for (const b of input.bind) {
    if (!listed.includes(keyText(b)))
      throw new InputError(
        'FORGE_KEY_NOT_LISTED',
        `key ${b.fingerprint} is not among ${input.account}'s keys on ${input.forge}`,
        {
          hint: `add it to the account first, then fetch https://${input.forge}/${input.account}.keys again`,
        },
      );
  }
  return {
    _type: FORGE_BINDING_TYPE,
    namespace: input.namespace,
    forge: input.forge,
    account: input.account,
    forgeKeys: listed,
    listedAt: input.listedAt.toISOString(),
    bind: input.bind.map(keyText),
  };
}

export function parseForgeBindingFile(
  text: string,
  file = 'forge binding',
): { file: ForgeBindingFile; statement: ForgeBindingStatement } {
  let outer: unknown;
  try {
    outer = JSON.parse(text);
  } catch {
    throw new InputError('FORGE_BINDING_INVALID', `${file} is not JSON`);
  }
  const o = outer as Partial<ForgeBindingFile>;
  if (typeof o.statement !== 'string' || typeof o.signature !== 'string')
    throw new InputError(
      'FORGE_BINDING_INVALID',
      `${file}: needs "statement" (JSON text) and "signature" (SSH signature armor)`,
    );
  let s: Partial<ForgeBindingStatement>;
  try {
    s = JSON.parse(o.statement) as Partial<ForgeBindingStatement>;
  } catch {
    throw new InputError('FORGE_BINDING_INVALID', `${file}: "statement" is not JSON text`);
  }
  if (s._type !== FORGE_BINDING_TYPE)
    throw new InputError(
      'FORGE_BINDING_INVALID',
      `${file}: statement _type must be ${FORGE_BINDING_TYPE}`,
    );
  for (const f of ['namespace', 'forge', 'account', 'listedAt'] as const)
    if (typeof s[f] !== 'string')
      throw new InputError('FORGE_BINDING_INVALID', `${file}: statement.${f} must be a string`);
  for (const f of ['forgeKeys', 'bind'] as const)
    if (!Array.isArray(s[f]) || !s[f]!.every((k) => typeof k === 'string'))
      throw new InputError(
        'FORGE_BINDING_INVALID',
        `${file}: statement.${f} must be a list of SSH keys`,
      );
  return {
    file: { statement: o.statement, signature: o.signature },
    statement: s as ForgeBindingStatement,
  };
}

export interface ForgeBindingResult extends VerificationResult {
  /** The SSH keys bound, when the verdict passed. */
  readonly boundKeys: readonly SshPublicKey[];
}

export function verifyForgeBinding(
  text: string,
  opts: { namespace?: string; forgeListing?: string; file?: string },
): ForgeBindingResult {
  const file = opts.file ?? 'forge binding';
  const checks: Check[] = [];
  let parsed: ReturnType<typeof parseForgeBindingFile>;
  try {
    parsed = parseForgeBindingFile(text, file);
  } catch (e) {
    if (!(e instanceof SigilError)) throw e;
    return { ...verdict(file, [fail('format', e.code, e.message)]), boundKeys: [] };
  }
  const s = parsed.statement;
  const subject = `${s.namespace} ← ${s.forge}/${s.account}`;
  const listed = s.forgeKeys.map((k, i) => parseSshPublicKeyLine(k, `${file}: forgeKeys[${i}]`));
  const bound = s.bind.map((k, i) => parseSshPublicKeyLine(k, `${file}: bind[${i}]`));
  checks.push(
    pass(
      'format',
      'FORGE_BINDING_PARSED',
      `binding of ${bound.length} key(s) of ${s.forge}/${s.account} to ${s.namespace}, listing of ${s.listedAt}`,
    ),
  );
  if (opts.namespace !== undefined) {
    checks.push(
      s.namespace === opts.namespace
        ? pass('namespace', 'FORGE_BINDING_NAMESPACE_OK', `binds ${s.namespace}`)
        : fail(
            'namespace',
            'FORGE_BINDING_NAMESPACE_MISMATCH',
            `the binding is for ${s.namespace}, not ${opts.namespace}`,
            { expected: opts.namespace, actual: s.namespace },
          ),
    );
  }
  try {
    const sig = parseSshsigArmor(parsed.file.signature, `${file}: signature`);
    const signer = sig.publicKey;
    if (sig.namespace !== FORGE_BINDING_NAMESPACE)
      checks.push(
        fail(
          'signature',
          'SSHSIG_NAMESPACE_MISMATCH',
          `signed for namespace "${sig.namespace}", not "${FORGE_BINDING_NAMESPACE}"`,
        ),
      );
    else if (
      !verifySshSignatureBlob(
        signer,
        sig.signature,
        sshsigSignedData(
          sig.namespace,
          sig.hashAlgorithm,
          Buffer.from(parsed.file.statement, 'utf8'),
          sig.reserved,
        ),
      )
    ) {
      checks.push(
        fail(
          'signature',
          'SIGNATURE_INVALID',
          `the signature by ${signer.fingerprint} does not match the statement`,
        ),
      );
    } else if (!listed.some((k) => k.blob.equals(signer.blob))) {
      checks.push(
        fail(
          'signature',
          'FORGE_SIGNER_NOT_LISTED',
          `signed by ${signer.fingerprint}, which is not one of the account's listed keys`,
        ),
      );
    } else
      checks.push(
        pass(
          'signature',
          'SIGNATURE_VALID',
          `signed by ${signer.fingerprint}, one of ${s.account}'s keys`,
        ),
      );
  } catch (e) {
    if (!(e instanceof SigilError)) throw e;
    checks.push(fail('signature', e.code, e.message));
  }
  const unlisted = bound.filter((b) => !listed.some((k) => k.blob.equals(b.blob)));
  if (unlisted.length > 0)
    checks.push(
      fail(
        'bound-keys',
        'FORGE_KEY_NOT_LISTED',
        `binds key(s) the listing does not hold: ${unlisted.map((k) => k.fingerprint).join(', ')}`,
      ),
    );
  else
    checks.push(
      pass(
        'bound-keys',
        'FORGE_KEYS_LISTED',
        `every bound key is in the listing: ${bound.map((k) => k.fingerprint).join(', ')}`,
      ),
    );
  if (opts.forgeListing === undefined) {
    checks.push(
      warn(
        'forge',
        'FORGE_LISTING_NOT_CHECKED',
        `the forge listing was not checked independently: fetch https://${s.forge}/${s.account}.keys and pass it with --forge-keys`,
      ),
    );
  } else {
    const current = parseForgeKeys(opts.forgeListing, 'your forge listing');
    const gone = bound.filter((b) => !current.some((k) => k.blob.equals(b.blob)));
    checks.push(
      gone.length === 0
        ? pass(
            'forge',
            'FORGE_LISTING_MATCHES',
            `${s.forge}/${s.account} still lists every bound key`,
          )
        : fail(
            'forge',
            'FORGE_KEY_REMOVED',
            `${s.forge}/${s.account} no longer lists ${gone.map((k) => k.fingerprint).join(', ')}: the account removed the key, so the binding no longer holds`,
          ),
    );
  }
  const v = verdict(subject, checks);
  return { ...v, boundKeys: v.ok ? bound : [] };
}
