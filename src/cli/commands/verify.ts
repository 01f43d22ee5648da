/**
 * sigil verify: one command for every signature a package can carry.
 *
 * `sigil verify <artifact|lockfile>` is the form for Sigil's own bundles and
 * lockfiles. The signatures ecosystems already have each have an explicit
 * form, `sigil verify --scheme NAME …` with its own `--help` (schemes.ts);
 * without --scheme the scheme is chosen from the flags and the files next to
 * the target where they say it for sure: a Sigil bundle (<artifact>.sigstore.json, key-signed),
 * a keyless Sigstore bundle (certificate in the bundle), an OpenPGP detached
 * signature (.asc/.sig) or clear-signed file, a Debian repository, a CPAN
 * distribution's SIGNATURE, a signed gem, a WordPress signature, or npm
 * registry signatures in a packument. Every scheme answers with the same
 * verdict: a table of checks (or --json), exit 0 only when verified.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../core/errors.js';
import { bundleKind } from '../../core/bundle.js';
import { firstFailure, type VerificationResult } from '../../core/verdict.js';
import type { CommandContext } from '../context.js';
import { examplesFirst } from '../help.js';
import { readTextFile } from '../files.js';
import { colourOn } from '../colour.js';
import { formatChecks, printError, type Io } from '../output.js';
import { collect, type VerifyFlags } from '../verify/flags.js';
import {
  isCpanDirectory,
  isDebianRepository,
  isLockfile,
  isLockfileByContent,
  projectLockfiles,
} from '../verify/detect.js';
import {
  resolveScheme,
  SCHEME_ALIASES,
  SCHEME_SPECS,
  SCHEMES,
  schemeSpecificFlags,
  type Scheme,
} from '../verify/schemes.js';

// Each scheme's verifier is loaded when that scheme runs: verifying one artifact does not load OpenPGP, Sigstore or the lockfile machinery.
const foreign = () => import('../verify/foreign.js');
const git = () => import('../verify/git.js');

export type { VerifyFlags };
export { SCHEMES };

export function registerVerify(program: Command, ctx: CommandContext): void {
  const command = program
    .command('verify')
    .summary(
      'verify an artifact (or repository, or packument) against its signatures and trusted keys',
    )
    .description(
      examplesFirst(
        'verify an artifact (or repository, or packument) against its signatures and trusted keys',
        [
          'sigil verify left-pad-1.3.0.tgz --key ~/.sigil/sigil-7c0f1a2b.pub',
          'sigil verify package-lock.json --server https://sigil.example.org',
          'sigil verify ./my-app            (every lockfile in the folder)',
          'sigil verify --scheme openpgp hello.tar.gz --keyring signing-key.asc',
        ],
      ) + schemeList(),
    )
    .argument('<target>', 'the file, folder or URL to verify')
    .option('-b, --bundle <file>', 'Sigstore bundle (default: <target>.sigstore.json)')
    .option('-k, --key <file>', 'a trusted Sigil public key; can be repeated', collect)
    .option('--keyring <path>', 'a folder of trusted Sigil public keys, or an OpenPGP keyring file')
    .option(
      '--tlog-policy <file>',
      'Sigil bundles: the log entry must be in a log of this tlog-policy file, with its witness quorum',
    )
    .option(
      '--tlog-proof <file>',
      "Sigil bundles: check this tlog-proof file instead of the bundle's own log entry (with --tlog-policy)",
    )
    .option('-t, --type <type>', 'package type, when it cannot be detected')
    .option(
      '--namespace <ns>',
      'package namespace when the artifact does not say (e.g. the CPAN author id)',
    )
    .option('--name <name>', 'expected package name (generic files)')
    .option('--version <version>', 'expected package version (generic files)')
    .option(
      '--scheme <scheme>',
      "the signature scheme (see the list above); with --help, that scheme's flags and an example",
    )
    .option(
      '--signature <file>',
      'OpenPGP detached signature (default: <target>.asc or .sig), or a WordPress .sig file',
    )
    .option('--clearsigned', 'the target is an OpenPGP clear-signed file (InRelease, …)')
    .option(
      '--openpgp-policy <name>',
      'standard (as Sequoia sqv, default) or legacy (as GnuPG gpgv)',
    )
    .option('--at <time>', 'judge OpenPGP key expiry and algorithm cutoffs at this time (ISO 8601)')
    .option('--suite <dir>', 'Debian: the suite folder, e.g. dists/bookworm')
    .option(
      '--index <path>',
      'Debian: an index to check, relative to the suite (can be repeated)',
      collect,
    )
    .option(
      '--check <path>',
      'Debian: a .deb/.dsc/tarball to check, relative to the repository (can be repeated)',
      collect,
    )
    .option('--cpan', 'the target is a CPAN distribution (tarball or folder) with a SIGNATURE file')
    .option(
      '--tag <name>',
      'git: verify this signed tag of the repository <target> (OpenPGP: --keyring; SSH: --allowed-signers)',
    )
    .option('--commit <rev>', 'git: verify this signed commit of the repository <target>')
    .option(
      '--from-tag <repo@tag>',
      'git: the archive <target> must hold exactly the tree of this signed tag',
    )
    .option(
      '--allowed-signers <file>',
      'SSH: trusted keys in allowed_signers format (as ssh-keygen -Y verify -f, git gpg.ssh.allowedSignersFile)',
    )
    .option(
      '--sshsig <file>',
      'SSH: the signature file (default: <target>.sig), made by ssh-keygen -Y sign',
    )
    .option('--principal <id>', 'SSH: require this signer identity (as ssh-keygen -Y verify -I)')
    .option(
      '--git-tree-sha1 <hex>',
      "git: the archive must hold exactly this git tree (Julia's git-tree-sha1, a tag's tree)",
    )
    .option(
      '--forge-keys <file>',
      "forge binding: your own copy of the account's forge key listing (https://github.com/<account>.keys)",
    )
    .option(
      '--ssh-namespace <ns>',
      'SSH: the namespace the signature must be made for (default: file)',
    )
    .option('--trust-dir <dir>', 'RubyGems: trusted certificates folder (like ~/.gem/trust)')
    .option(
      '--trusted-cert <file>',
      'RubyGems: a trusted root certificate (can be repeated)',
      collect,
    )
    .option('--gem-policy <name>', 'RubyGems: HighSecurity (default) or MediumSecurity')
    .option(
      '--wp-key <base64>',
      'WordPress: a trusted Ed25519 public key (can be repeated)',
      collect,
    )
    .option('--signature-header <base64>', 'WordPress: signature from an HTTP header value')
    .option(
      '--npm-keys <file>',
      'npm: the registry keys document (/-/npm/v1/keys); the target is a packument',
    )
    .option(
      '--npm-version <version>',
      'npm: only this version of the packument (can be repeated)',
      collect,
    )
    .option('--published-at <time>', 'npm: publish time of a single-version manifest')
    .option(
      '--trusted-root <file>',
      'keyless Sigstore: trusted root JSON (default: the bundled public-good root)',
    )
    .option('--cert-identity <san>', 'keyless Sigstore: required certificate identity (exact)')
    .option(
      '--cert-identity-regexp <re>',
      'keyless Sigstore: required certificate identity (regular expression)',
    )
    .option('--cert-oidc-issuer <url>', 'keyless Sigstore: required OIDC issuer')
    .option(
      '--server <url>',
      'lockfiles: the Sigil server to ask for release records (default: the policy\'s "server", or $SIGIL_SERVER)',
    )
    .option(
      '--policy <file>',
      'lockfiles: the policy file (default: sigil.policy.json or .yaml beside the lockfile)',
    )
    .option(
      '--pin',
      "lockfiles: record each namespace's keys in .sigil/trust.json (trust on first use)",
    )
    .option(
      '--offline',
      'lockfiles: use only .sigil/cache/ (filled by `sigil fetch-records`); never opens a socket',
    )
    .option('--sarif', 'lockfiles: print the report as SARIF 2.1.0')
    .option(
      '--installed <dir>',
      'Gemfile.lock: check the .gem files bundler installed under DIR (bundle path, $GEM_HOME or vendor/cache)',
    )
    .option(
      '--accept-new-server-keys',
      'lockfiles: accept (and pin) a server whose log origin, log key or registry key changed since first use',
    )
    .option('--json', 'print the verdict as JSON')
    .action(async (target: string, flags: VerifyFlags) =>
      ctx.setExitCode(await verify(ctx.io, target, flags)),
    );
  // The general help shows Sigil's own flags; each scheme's flags are in its own help.
  const specific = schemeSpecificFlags();
  for (const o of command.options) if (o.long && specific.has(o.long.slice(2))) o.hideHelp();
  const generalHelp = command.helpInformation.bind(command);
  command.helpInformation = (context) => {
    const asked = command.opts<VerifyFlags>().scheme;
    const scheme = asked === undefined ? undefined : resolveScheme(asked);
    return scheme === undefined ? generalHelp(context) : schemeHelp(command, scheme);
  };
}

/** schemeList is the general help's list of schemes, one line each, with the other names --scheme accepts. */
function schemeList(): string {
  const names = (s: Scheme) =>
    [
      s,
      ...Object.entries(SCHEME_ALIASES)
        .filter(([, to]) => to === s)
        .map(([a]) => a),
    ].join(', ');
  const width = Math.max(...SCHEMES.map((s) => names(s).length));
  const lines = SCHEMES.map((s) => `  ${names(s).padEnd(width)}  ${SCHEME_SPECS[s].title}`);
  return `\n\nSchemes (--scheme NAME), each with its flags and an example in\n\`sigil verify --scheme NAME --help\`:\n${lines.join('\n')}`;
}

/** schemeHelp is one scheme's usage, as age prints it: the example first, then the synopsis, its flags and when it is chosen by itself. */
function schemeHelp(command: Command, scheme: Scheme): string {
  const spec = SCHEME_SPECS[scheme];
  const shown = new Set([...spec.flags, 'json']);
  const options = command.options.filter((o) => o.long && shown.has(o.long.slice(2)));
  const width = Math.max(...options.map((o) => o.flags.length));
  return [
    `sigil verify --scheme ${scheme}: ${spec.title}`,
    '',
    'Example:',
    `  $ ${spec.example}`,
    '',
    'Usage:',
    `  ${spec.usage}`,
    '',
    'Options:',
    ...options.map((o) => `  ${o.flags.padEnd(width)}  ${o.description}`),
    '',
    `Chosen without --scheme when: ${spec.detected}.`,
    '',
  ].join('\n');
}

/**
 * readBundleText reads a bundle file and refuses binary data (an artifact or a
 * .sig passed as -b by mistake) as input error, without echoing its bytes.
 */
function readBundleText(path: string): string {
  const text = readTextFile(path, 'bundle');
  // NUL, other C0 controls besides tab/CR/LF, or UTF-8 decoding failures (U+FFFD): not a JSON text file.
  const bad = /[\u0000-\u0008\u000e-\u001f\ufffd]/.exec(text.slice(0, 64 * 1024));
  if (bad) {
    throw new InputError(
      'BUNDLE_NOT_JSON',
      `${path} is not a JSON Sigstore bundle: it holds binary data (byte ${JSON.stringify(bad[0]).slice(1, -1)} at character ${bad.index})`,
      {
        file: path,
        hint: '-b/--bundle takes the .sigstore.json file `sigil sign` wrote; an OpenPGP .sig/.asc goes to --signature',
      },
    );
  }
  return text;
}

/** isProjectFolder: a folder (not a Debian repository or CPAN dist, told apart before) that holds a lockfile. */
function isProjectFolder(target: string): boolean {
  return (
    statSync(target, { throwIfNoEntry: false })?.isDirectory() === true &&
    projectLockfiles(target).length > 0
  );
}

/** verifyProjectFolder verifies every lockfile of a project folder; the exit code is the worst. */
/** withInstalledFor: --installed applies to the folder's Gemfile.lock only (bundler's installed gems). */
function withInstalledFor(lockfile: string, flags: VerifyFlags): VerifyFlags {
  if (flags.installed === undefined || /(^|\/)(Gemfile\.lock|gems\.locked)$/.test(lockfile))
    return flags;
  const { installed: _, ...rest } = flags;
  return rest;
}

async function verifyProjectFolder(io: Io, dir: string, flags: VerifyFlags): Promise<number> {
  const lockfiles = projectLockfiles(dir);
  if ((flags.json || flags.sarif) && lockfiles.length > 1) {
    throw new InputError(
      'USAGE',
      `${dir} holds ${lockfiles.length} lockfiles (${lockfiles.map((l) => l.split('/').pop()).join(', ')}); --json/--sarif report one at a time`,
      { hint: 'name the lockfile: sigil verify DIR/package-lock.json --json' },
    );
  }
  let worst = 0;
  for (const [i, lockfile] of lockfiles.entries()) {
    if (lockfiles.length > 1 && !flags.json && !flags.sarif)
      io.out(`${i > 0 ? '\n' : ''}${lockfile}\n`);
    worst = Math.max(
      worst,
      await (
        await import('../verify/lockfile.js')
      ).verifyLockfile(io, lockfile, withInstalledFor(lockfile, flags)),
    );
  }
  return worst;
}

function detachedSignatureFor(target: string, flags: VerifyFlags): string | undefined {
  if (flags.signature !== undefined) return flags.signature;
  return [`${target}.asc`, `${target}.sig`, `${target}.gpg`].find((p) => existsSync(p));
}

/** signatureFormat sniffs a detached signature file's first bytes (cheap: no verifier is loaded to tell). */
function signatureFormat(path: string): 'ssh' | 'openpgp' | 'unknown' {
  let head: Buffer;
  try {
    const fd = openSync(path, 'r');
    try {
      head = Buffer.alloc(64);
      head = head.subarray(0, readSync(fd, head, 0, 64, 0));
    } finally {
      closeSync(fd);
    }
  } catch {
    return 'unknown';
  }
  const text = head.toString('latin1').trimStart();
  if (text.startsWith('-----BEGIN SSH SIGNATURE-----')) return 'ssh';
  if (text.startsWith('-----BEGIN PGP SIGNATURE-----')) return 'openpgp';
  // RFC 9580 §4.2: a binary signature packet (tag 2) in the old (0x88-0x8b) or new (0xc2) format.
  const b = head[0];
  if (b !== undefined && ((b & 0xfc) === 0x88 || b === 0xc2)) return 'openpgp';
  return 'unknown';
}

/**
 * detachedScheme: a detached signature beside the target (or --signature).
 * .asc/.gpg and OpenPGP packets are OpenPGP, an SSH armor line is SSH, and
 * --allowed-signers says SSH (as before); a .sig that is neither cannot be
 * told for sure (WordPress writes base64 .sig files too), so it needs --scheme,
 * unless --keyring says OpenPGP.
 */
function detachedScheme(signature: string, flags: VerifyFlags): Scheme {
  const format = signatureFormat(signature);
  if (flags.allowedSigners !== undefined || format === 'ssh') return 'sshsig';
  if (format === 'openpgp' || /\.(asc|gpg)$/i.test(signature) || flags.keyring !== undefined)
    return 'openpgp';
  throw new InputError(
    'USAGE',
    `cannot tell which kind of signature ${signature} is: it is neither OpenPGP nor an SSH signature`,
    {
      file: signature,
      hint: 'say which with --scheme openpgp|ssh|wordpress; `sigil verify --scheme NAME --help` shows what each needs',
    },
  );
}

/**
 * refuseStrayFlags: a flag the chosen scheme does not read is a usage error,
 * not silently ignored: `--cert-identity` given to a key-signed Sigil bundle,
 * or `--principal` to OpenPGP, would otherwise look like a check that passed.
 */
function refuseStrayFlags(scheme: Scheme, flags: VerifyFlags): void {
  const camel = (f: string) => f.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const allowed = new Set([...SCHEME_SPECS[scheme].flags.map(camel), 'json', 'scheme']);
  const stray = Object.keys(flags).filter(
    (k) => (flags as Record<string, unknown>)[k] !== undefined && !allowed.has(k),
  );
  if (stray.length === 0) return;
  throw new InputError(
    'USAGE',
    `${stray.map(flagName).join(', ')} ${stray.length > 1 ? 'do' : 'does'} not apply to --scheme ${scheme}`,
    { hint: `\`sigil verify --scheme ${scheme} --help\` lists the flags it reads` },
  );
}

/** flagName spells a VerifyFlags key as its long option. */
const flagName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** schemesSelectedByFlags lists, per scheme, the given flags that select it (schemes.ts selectedBy). */
function schemesSelectedByFlags(flags: VerifyFlags): Map<Scheme, string[]> {
  const out = new Map<Scheme, string[]>();
  for (const s of SCHEMES) {
    const given = SCHEME_SPECS[s].selectedBy.filter(
      (k) => (flags as Record<string, unknown>)[k] !== undefined,
    );
    if (given.length > 0) out.set(s, given.map(flagName));
  }
  return out;
}

function chooseScheme(target: string, flags: VerifyFlags): Scheme {
  const selected = schemesSelectedByFlags(flags);
  if (flags.scheme !== undefined) {
    const scheme = resolveScheme(flags.scheme);
    if (scheme === undefined)
      throw new InputError(
        'USAGE',
        `--scheme must be one of ${SCHEMES.join(', ')}, not "${flags.scheme}"`,
        { hint: '`sigil verify --help` lists the schemes' },
      );
    for (const [other, given] of selected)
      if (other !== scheme)
        throw new InputError(
          'USAGE',
          `${given.join(', ')} ${given.length > 1 ? 'belong' : 'belongs'} to --scheme ${other}, not ${scheme}`,
          { hint: `\`sigil verify --scheme ${scheme} --help\` lists its flags` },
        );
    return scheme;
  }
  if (selected.size > 1) {
    const parts = [...selected].map(([s, given]) => `${given.join(', ')} (${s})`);
    throw new InputError(
      'USAGE',
      `cannot tell which scheme to verify with: ${parts.join(' and ')} belong to different schemes`,
      { hint: `say which with --scheme ${[...selected.keys()].join('|')}` },
    );
  }
  if (flags.tag !== undefined || flags.commit !== undefined) return 'git';
  if (flags.fromTag !== undefined) return 'git-archive';
  if (flags.sshsig !== undefined) return 'sshsig';
  if (flags.forgeKeys !== undefined) return 'forge-binding';
  if (flags.gitTreeSha1 !== undefined) return 'git-tree';
  if (isLockfile(target)) return 'lockfile';
  if (flags.suite !== undefined || isDebianRepository(target)) return 'debian';
  if (flags.cpan || isCpanDirectory(target)) return 'cpan';
  if (isProjectFolder(target)) return 'lockfile';
  if (flags.wpKey !== undefined || flags.signatureHeader !== undefined) return 'wordpress';
  if (flags.npmKeys !== undefined) return 'npm-registry';
  if (flags.clearsigned) return 'cleartext';
  if (/\.gem$/i.test(target) && flags.bundle === undefined) return 'gem';
  const bundlePath = flags.bundle ?? `${target}.sigstore.json`;
  if (flags.bundle !== undefined || existsSync(bundlePath)) {
    const kind = bundleKind(readBundleText(bundlePath));
    return kind === 'certificate' || kind === 'key' ? 'sigstore' : 'sigil';
  }
  if (/\.sigstore(\.json)?$/.test(target)) return 'sigstore';
  const detached = detachedSignatureFor(target, flags);
  if (detached !== undefined) return detachedScheme(detached, flags);
  if (isLockfileByContent(target)) return 'lockfile';
  if (!existsSync(target))
    throw new InputError('FILE_NOT_FOUND', `${target}: no such file`, { file: target });
  throw new InputError(
    'NO_SIGNATURE',
    `found no signature for ${target}: no ${target}.sigstore.json, .asc or .sig beside it`,
    {
      file: target,
      hint: 'give -b/--bundle FILE, --signature FILE, or --scheme; `sigil verify --help` lists every scheme',
    },
  );
}

export async function verify(io: Io, target: string, flags: VerifyFlags): Promise<number> {
  const scheme = chooseScheme(target, flags);
  if (scheme === 'lockfile')
    return isProjectFolder(target)
      ? verifyProjectFolder(io, target, flags)
      : (await import('../verify/lockfile.js')).verifyLockfile(io, target, flags);
  for (const f of [
    'server',
    'policy',
    'pin',
    'offline',
    'sarif',
    'acceptNewServerKeys',
    'installed',
  ] as const) {
    if (flags[f] !== undefined)
      throw new InputError(
        'USAGE',
        `--${f === 'acceptNewServerKeys' ? 'accept-new-server-keys' : f} applies to lockfiles only, and ${target} is not one`,
        {
          hint: 'lockfiles sigil reads: package-lock.json, yarn.lock, pnpm-lock.yaml, go.sum, Cargo.lock, …',
        },
      );
  }
  refuseStrayFlags(scheme, flags);
  const results = await runScheme(io, scheme, target, flags);
  if (flags.json) {
    io.out(
      `${JSON.stringify(results.length === 1 ? { scheme, ...results[0] } : { scheme, ok: results.every((r) => r.ok), results }, null, 2)}\n`,
    );
  } else if (results.length > 1) {
    io.out(formatMany(results, colourOn(io, 'out')));
  } else {
    for (const r of results) io.out(formatChecks(r, colourOn(io, 'out')));
  }
  const failed = results.filter((r) => !r.ok);
  if (failed.length === 0 && results.length > 0) return 0;
  if (!flags.json && results.length > 1) {
    printError(
      io,
      `${failed.length} of ${results.length} ${scheme === 'npm-registry' ? 'versions' : 'results'} in ${target} do not verify (see above)`,
    );
  } else if (!flags.json) {
    if (results.length === 0) printError(io, `nothing was verified in ${target}`);
    for (const r of failed) {
      const f = firstFailure(r);
      printError(
        io,
        f?.code === 'DIGEST_MISMATCH'
          ? `${r.subject.startsWith('pkg:') ? target.split('/').pop() : r.subject} is not the artifact that was signed`
          : `${f?.reason ?? 'verification failed'}`,
      );
    }
  }
  return 1;
}

/**
 * formatMany: several verdicts (every version of a packument) as one summary
 * line first, then the verified ones in a line, then each one that failed with
 * its checks — each failure told once.
 */
function formatMany(results: readonly VerificationResult[], colour: boolean): string {
  const ok = results.filter((r) => r.ok);
  const bad = results.filter((r) => !r.ok);
  const byCode = new Map<string, number>();
  for (const r of bad) {
    const code = firstFailure(r)?.code ?? 'FAILED';
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
  }
  const why = [...byCode].map(([code, n]) => `${n} ${code}`).join(', ');
  const lines = [
    `${results.length} checked: ${ok.length} verified, ${bad.length} NOT verified${bad.length > 0 ? ` (${why})` : ''}`,
  ];
  if (ok.length > 0) lines.push(`verified: ${ok.map((r) => r.subject).join(', ')}`);
  let out = `${lines.join('\n')}\n`;
  for (const r of bad) out += `\n${formatChecks(r, colour)}`;
  return out;
}

async function runScheme(
  io: Io,
  scheme: Scheme,
  target: string,
  flags: VerifyFlags,
): Promise<VerificationResult[]> {
  switch (scheme) {
    case 'lockfile':
      throw new InputError('USAGE', 'internal: lockfiles are verified by verifyLockfile');
    case 'sigil': {
      const bundlePath = flags.bundle ?? `${target}.sigstore.json`;
      return [
        await (
          await import('../verify/sigil-bundle.js')
        ).verifySigilBundle(io, target, bundlePath, readBundleText(bundlePath), flags),
      ];
    }
    case 'sigstore': {
      const isBundle = /\.sigstore(\.json)?$/.test(target) && flags.bundle === undefined;
      return [
        await (
          await foreign()
        ).verifyKeyless(
          io,
          target,
          isBundle ? target : (flags.bundle ?? `${target}.sigstore.json`),
          flags,
        ),
      ];
    }
    case 'openpgp': {
      const sig = detachedSignatureFor(target, flags);
      if (sig === undefined)
        throw new InputError(
          'NO_SIGNATURE',
          `no OpenPGP signature for ${target}: give --signature FILE`,
          { file: target },
        );
      return [await (await foreign()).verifyOpenpgpDetached(target, sig, flags)];
    }
    case 'cleartext':
      return [await (await foreign()).verifyOpenpgpCleartext(target, flags)];
    case 'debian':
      return [await (await foreign()).verifyDebianRepository(target, flags, io)];
    case 'cpan':
      return [await (await foreign()).verifyCpan(target, flags)];
    case 'gem':
      return [await (await foreign()).verifyGem(target, flags)];
    case 'wordpress':
      return [await (await foreign()).verifyWordPress(target, flags)];
    case 'git':
      return [await (await git()).verifyGitObject(target, flags)];
    case 'git-archive':
      return [await (await git()).verifyArchiveFromTag(target, flags)];
    case 'sshsig':
      return [(await git()).verifySshsigFile(target, flags)];
    case 'git-tree':
      return [await (await git()).verifyArchiveTreeHash(target, flags)];
    case 'forge-binding':
      return [(await git()).verifyForgeBindingFile(target, flags)];
    case 'npm-registry':
      if (flags.npmKeys === undefined)
        throw new InputError(
          'USAGE',
          'npm registry signatures need --npm-keys FILE (the /-/npm/v1/keys document)',
        );
      return (await foreign()).verifyNpmRegistry(target, flags);
  }
}
