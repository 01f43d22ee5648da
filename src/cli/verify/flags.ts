/** The flags of `sigil verify`, shared by every verification scheme. */
export interface VerifyFlags {
  // Sigil release bundles
  bundle?: string;
  key?: string[];
  keyring?: string;
  /** c2sp.org/tlog-policy file: the bundle's log entry (or --tlog-proof) must meet it. */
  tlogPolicy?: string;
  tlogProof?: string;
  type?: string;
  namespace?: string;
  name?: string;
  version?: string;
  // scheme choice
  scheme?: string;
  // OpenPGP (detached, clear-signed, Debian, CPAN)
  signature?: string;
  clearsigned?: boolean;
  openpgpPolicy?: string;
  at?: string;
  suite?: string;
  index?: string[];
  check?: string[];
  cpan?: boolean;
  // git tags and commits, release archives from tags, SSH signatures
  tag?: string;
  commit?: string;
  fromTag?: string;
  sshsig?: string;
  allowedSigners?: string;
  principal?: string;
  sshNamespace?: string;
  forgeKeys?: string;
  gitTreeSha1?: string;
  // RubyGems
  trustDir?: string;
  trustedCert?: string[];
  gemPolicy?: string;
  // WordPress
  wpKey?: string[];
  signatureHeader?: string;
  // npm registry signatures
  npmKeys?: string;
  npmVersion?: string[];
  publishedAt?: string;
  // keyless Sigstore
  trustedRoot?: string;
  certIdentity?: string;
  certIdentityRegexp?: string;
  certOidcIssuer?: string;
  json?: boolean;
  // lockfiles (sigil verify <lockfile>)
  server?: string;
  policy?: string;
  pin?: boolean;
  offline?: boolean;
  sarif?: boolean;
  acceptNewServerKeys?: boolean;
  /** Gemfile.lock: the folder bundler installed into; its .gem files' digests are checked. */
  installed?: string;
}

export const collect = (v: string, prev: string[] = []): string[] => [...prev, v];
