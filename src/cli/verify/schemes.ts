/**
 * The schemes of `sigil verify`: each one's name, the flags that belong to
 * it alone, a worked example, and when it is chosen without `--scheme`.
 * Data only (loaded on every `sigil verify`): the verifiers themselves are
 * imported when their scheme runs.
 *
 * `sigil verify <artifact|lockfile>` stays the form for Sigil's own bundles
 * and lockfiles. Every other scheme has an explicit form,
 * `sigil verify --scheme NAME …`, and `sigil verify --scheme NAME --help`
 * shows that scheme's example first and only its flags, as age's usage does.
 * The old spellings keep working where they say one scheme for sure (a
 * `--tag` is git, a `.asc` is OpenPGP); where they do not, `--scheme` is
 * required and the error lists the candidates.
 */
export const SCHEMES = [
  'lockfile',
  'sigil',
  'sigstore',
  'openpgp',
  'cleartext',
  'debian',
  'cpan',
  'gem',
  'wordpress',
  'npm-registry',
  'git',
  'git-archive',
  'sshsig',
  'forge-binding',
  'git-tree',
] as const;
export type Scheme = (typeof SCHEMES)[number];

/** Other names `--scheme` accepts. */
export const SCHEME_ALIASES: Readonly<Record<string, Scheme>> = {
  ssh: 'sshsig',
  pgp: 'openpgp',
  gpg: 'openpgp',
  rubygems: 'gem',
  npm: 'npm-registry',
};

export interface SchemeSpec {
  readonly title: string;
  /** The synopsis: `sigil verify --scheme NAME …`. */
  readonly usage: string;
  /** One worked command line, shown first. */
  readonly example: string;
  /** Long flags (without --) shown in this scheme's help, besides --json. */
  readonly flags: readonly string[];
  /** Flags (VerifyFlags keys) that select this scheme without --scheme; flags of two schemes together need --scheme. */
  readonly selectedBy: readonly string[];
  /** When the scheme is chosen without --scheme. */
  readonly detected: string;
}

export const SCHEME_SPECS: Readonly<Record<Scheme, SchemeSpec>> = {
  sigil: {
    title: 'a Sigil release bundle (key-signed release statement)',
    usage:
      'sigil verify <artifact> (-k PUB … | --keyring DIR) [-b BUNDLE] [-t TYPE] [--name N --version V] [--tlog-policy P [--tlog-proof F]]',
    example: 'sigil verify left-pad-1.3.0.tgz --key ~/.sigil/sigil-7c0f1a2b.pub',
    flags: [
      'bundle',
      'key',
      'keyring',
      'type',
      'namespace',
      'name',
      'version',
      'tlog-policy',
      'tlog-proof',
    ],
    selectedBy: [],
    detected:
      '<artifact>.sigstore.json (or -b) is a key-signed bundle of a Sigil release statement',
  },
  lockfile: {
    title: "a lockfile's dependencies (or a project folder's)",
    usage:
      'sigil verify <lockfile|project-folder> [--server URL] [--policy FILE] [--pin] [--offline] [--accept-new-server-keys] [--sarif] [--installed DIR]',
    example: 'sigil verify package-lock.json --server https://sigil.example.org',
    flags: ['server', 'policy', 'pin', 'offline', 'sarif', 'accept-new-server-keys', 'installed'],
    selectedBy: [],
    detected:
      'the file name is a lockfile sigil reads, the folder holds one, or the content is one',
  },
  sigstore: {
    title: 'a Sigstore bundle, keyless or key-signed (cosign)',
    usage:
      'sigil verify --scheme sigstore <artifact|bundle.sigstore.json> [-b BUNDLE] (--cert-oidc-issuer URL (--cert-identity SAN | --cert-identity-regexp RE) | -k KEY.pub) [--trusted-root FILE]',
    example:
      'sigil verify --scheme sigstore sigstore-3.1.0.tgz -b provenance.sigstore.json --cert-oidc-issuer https://token.actions.githubusercontent.com --cert-identity-regexp "^https://github.com/sigstore/"',
    flags: [
      'bundle',
      'key',
      'keyring',
      'trusted-root',
      'cert-identity',
      'cert-identity-regexp',
      'cert-oidc-issuer',
    ],
    selectedBy: [],
    detected:
      'the bundle carries a certificate, or signs something other than a Sigil release; or the target is a .sigstore.json',
  },
  openpgp: {
    title: 'an OpenPGP detached signature (.asc, .sig, .gpg)',
    usage:
      'sigil verify --scheme openpgp <file> --keyring KEYS [--signature F.asc] [--openpgp-policy standard|legacy] [--at TIME]',
    example: 'sigil verify --scheme openpgp hello_2.10.orig.tar.gz --keyring signing-key.asc',
    flags: ['keyring', 'signature', 'openpgp-policy', 'at'],
    selectedBy: [],
    detected: 'a .asc or .gpg beside the file, or a .sig that holds an OpenPGP signature',
  },
  cleartext: {
    title: 'an OpenPGP clear-signed file (InRelease, …)',
    usage:
      'sigil verify --scheme cleartext <file> --keyring KEYS [--openpgp-policy standard|legacy] [--at TIME]',
    example:
      'sigil verify --scheme cleartext InRelease --keyring /usr/share/keyrings/debian-archive-keyring.gpg',
    flags: ['keyring', 'clearsigned', 'openpgp-policy', 'at'],
    selectedBy: ['clearsigned'],
    detected: '--clearsigned',
  },
  debian: {
    title: 'a Debian repository (InRelease, indexes, files)',
    usage:
      'sigil verify --scheme debian <dir|mirror-url> --suite dists/NAME --keyring KEYS [--index PATH …] [--check PATH …]',
    example:
      'sigil verify --scheme debian http://deb.debian.org/debian --suite dists/bookworm --keyring /usr/share/keyrings/debian-archive-keyring.gpg --check pool/main/h/hello/hello_2.10-3_amd64.deb',
    flags: ['suite', 'keyring', 'index', 'check', 'openpgp-policy', 'at'],
    selectedBy: ['suite'],
    detected: 'the target is a folder with dists/ or an http(s) URL, or --suite is given',
  },
  cpan: {
    title: "a CPAN distribution's SIGNATURE file",
    usage: 'sigil verify --scheme cpan <Dist-1.0.tar.gz|dist-dir> --keyring KEYS',
    example: 'sigil verify --scheme cpan Sigil-Hello-1.0.tar.gz --keyring author.asc',
    flags: ['keyring', 'cpan', 'openpgp-policy', 'at'],
    selectedBy: ['cpan'],
    detected: 'a folder holding SIGNATURE, or --cpan',
  },
  gem: {
    title: 'a signed RubyGem (as gem install -P HighSecurity)',
    usage:
      'sigil verify --scheme gem <file.gem> (--trust-dir ~/.gem/trust | --trusted-cert ROOT.pem …) [--gem-policy HighSecurity|MediumSecurity]',
    example: 'sigil verify --scheme gem hello-1.0.0.gem --trusted-cert gem-public_cert.pem',
    flags: ['trust-dir', 'trusted-cert', 'gem-policy'],
    selectedBy: [],
    detected: 'the file ends in .gem (and no -b is given)',
  },
  wordpress: {
    title: 'a WordPress package signature (Ed25519)',
    usage:
      'sigil verify --scheme wordpress <file.zip> --wp-key BASE64 … [--signature F.sig | --signature-header BASE64]',
    example:
      'sigil verify --scheme wordpress hello-dolly.1.7.2.zip --wp-key fRPyrxb/MvVLbdsYi+OOEv4xc+Eqpsj+kkAS6gNOkI0= --signature hello-dolly.1.7.2.zip.sig',
    flags: ['wp-key', 'signature', 'signature-header'],
    selectedBy: ['wpKey', 'signatureHeader'],
    detected: '--wp-key or --signature-header',
  },
  'npm-registry': {
    title: 'npm registry signatures in a packument',
    usage:
      'sigil verify --scheme npm-registry <packument.json> --npm-keys keys.json [--npm-version V …] [--published-at TIME]',
    example: 'sigil verify --scheme npm-registry venv.packument.json --npm-keys npmjs-keys.json',
    flags: ['npm-keys', 'npm-version', 'published-at'],
    selectedBy: ['npmKeys'],
    detected: '--npm-keys',
  },
  git: {
    title: 'a signed git tag or commit (OpenPGP or SSH)',
    usage:
      'sigil verify --scheme git <repo> (--tag NAME | --commit REV) (--keyring KEYS | --allowed-signers FILE) [--principal ID]',
    example: 'sigil verify --scheme git ./left-pad --tag v1.3.0 --allowed-signers allowed_signers',
    flags: ['tag', 'commit', 'keyring', 'allowed-signers', 'principal', 'openpgp-policy', 'at'],
    selectedBy: ['tag', 'commit'],
    detected: '--tag or --commit',
  },
  'git-archive': {
    title: "an archive holding exactly a signed git tag's tree",
    usage:
      'sigil verify --scheme git-archive <archive.tar.gz|zip> --from-tag REPO@TAG (--keyring KEYS | --allowed-signers FILE) [--principal ID]',
    example:
      'sigil verify --scheme git-archive left-pad-1.3.0.tar.gz --from-tag ./left-pad@v1.3.0 --allowed-signers allowed_signers',
    flags: ['from-tag', 'keyring', 'allowed-signers', 'principal', 'openpgp-policy', 'at'],
    selectedBy: ['fromTag'],
    detected: '--from-tag',
  },
  sshsig: {
    title: 'an SSH signature (ssh-keygen -Y sign)',
    usage:
      'sigil verify --scheme ssh <file> [--sshsig F.sig] --allowed-signers FILE [--principal ID] [--ssh-namespace NS]',
    example:
      'sigil verify --scheme ssh release.tar.gz --sshsig release.tar.gz.sig --allowed-signers allowed_signers --principal alice@example.org',
    flags: ['sshsig', 'signature', 'allowed-signers', 'principal', 'ssh-namespace', 'at'],
    selectedBy: ['sshsig'],
    detected:
      '--sshsig, or a .sig beside the file that holds an SSH signature (or any .sig with --allowed-signers)',
  },
  'forge-binding': {
    title: "a Sigil key bound to a forge account's SSH key",
    usage:
      'sigil verify --scheme forge-binding <binding.json> --forge-keys ACCOUNT.keys [--namespace N]',
    example: 'sigil verify --scheme forge-binding alice.binding.json --forge-keys alice.keys',
    flags: ['forge-keys', 'namespace'],
    selectedBy: ['forgeKeys'],
    detected: '--forge-keys',
  },
  'git-tree': {
    title: 'an archive holding exactly one git tree (git-tree-sha1)',
    usage: 'sigil verify --scheme git-tree <archive> --git-tree-sha1 HEX',
    example:
      'sigil verify --scheme git-tree Example-1.0.0.tar.gz --git-tree-sha1 5f8e4f9f0e4a8d4f6b0d8e0f2c1a9b8c7d6e5f4a',
    flags: ['git-tree-sha1'],
    selectedBy: ['gitTreeSha1'],
    detected: '--git-tree-sha1',
  },
};

/** resolveScheme reads a --scheme value (a name or an alias); undefined when unknown. */
export function resolveScheme(name: string): Scheme | undefined {
  if ((SCHEMES as readonly string[]).includes(name)) return name as Scheme;
  return SCHEME_ALIASES[name];
}

/** schemeSpecificFlags are the long flags that belong to some foreign scheme only (hidden from the general help). */
export function schemeSpecificFlags(): Set<string> {
  const general = new Set([...SCHEME_SPECS.sigil.flags, ...SCHEME_SPECS.lockfile.flags]);
  const out = new Set<string>();
  for (const s of SCHEMES) for (const f of SCHEME_SPECS[s].flags) if (!general.has(f)) out.add(f);
  return out;
}
