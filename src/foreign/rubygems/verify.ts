/**
 * Verification of signed gems under the semantics of RubyGems' security
 * policies (rubygems lib/rubygems/security/policy.rb `Policy#verify`,
 * security/policies.rb `HighSecurity`/`MediumSecurity`; package.rb
 * `Package#verify`, `verify_checksums`, `verify_files`).
 *
 * What RubyGems signs (package/tar_writer.rb `add_file_signed`,
 * security/signer.rb `sign`): for every member M except `*.sig`, the
 * signature in `M.sig` is `key.sign(SHA256, SHA256(M))` — the signer key signs
 * the raw 32-byte SHA-256 digest of the member, hashed once more by the
 * signature scheme (RSA PKCS#1 v1.5 or ECDSA DER).
 *
 * Unlike RubyGems, which raises at the first problem, Sigil reports every
 * check; the verdict fails when RubyGems would have refused the gem.
 */
import { X509Certificate, createHash, verify as cryptoVerify } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../core/errors.js';
import {
  fail,
  pass,
  skip,
  verdict,
  warn,
  type Check,
  type VerificationResult,
} from '../../core/verdict.js';
import { parseGem, type GemPackage } from './gem.js';

/** GemPolicyName names the RubyGems policies Sigil implements. */
export type GemPolicyName = 'HighSecurity' | 'MediumSecurity';

/** GemVerifyOptions: trust anchors, policy and clock. */
export interface GemVerifyOptions {
  /**
   * Trusted root certificates (PEM), like the files `gem cert --add` puts in
   * `~/.gem/trust`. A gem's root is trusted when a certificate here has the
   * same subject and the same public key (policy.rb `check_trust`).
   */
  readonly trustedCerts: readonly string[];
  /** Default `HighSecurity` (`gem install -P HighSecurity`): unsigned gems fail. */
  readonly policy?: GemPolicyName;
  /** Time at which certificate validity is judged; RubyGems uses `Time.now`. */
  readonly now?: Date;
  /** Subject for the verdict (file name); default `name-version.gem`. */
  readonly subject?: string;
}

/** Bound for the gzip-integrity check of data.tar.gz. */
const MAX_DATA_BYTES = 1024 * 1024 * 1024;

interface ParsedCert {
  readonly cert: X509Certificate;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

function parseCert(pem: string): ParsedCert | undefined {
  try {
    const cert = new X509Certificate(pem);
    return { cert, notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
  } catch {
    return undefined;
  }
}

/** rubyName renders a distinguished name the way RubyGems prints it: /CN=dev/DC=example/DC=com. */
function rubyName(dn: string): string {
  return '/' + dn.split('\n').join('/');
}

function sameKey(a: X509Certificate, b: X509Certificate): boolean {
  const der = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' });
  return der(a).equals(der(b));
}

function verifyIssued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** checkValidity is policy.rb `check_cert` without the issuer part. */
function validityProblem(c: ParsedCert, now: Date): string | undefined {
  if (Number.isNaN(c.notBefore.getTime()) || Number.isNaN(c.notAfter.getTime()))
    return `certificate ${rubyName(c.cert.subject)} has unreadable validity dates`;
  if (c.notBefore > now)
    return `certificate ${rubyName(c.cert.subject)} not valid before ${c.notBefore.toISOString()}`;
  if (c.notAfter < now)
    return `certificate ${rubyName(c.cert.subject)} not valid after ${c.notAfter.toISOString()}`;
  return undefined;
}

function checksumChecks(gem: GemPackage): Check[] {
  // package.rb verify_checksums: every listed digest must match; unlisted members are not checked.
  if (gem.checksums === undefined)
    return [
      skip(
        'checksums',
        'GEM_CHECKSUMS_ABSENT',
        'the gem has no checksums.yaml.gz (built by RubyGems older than 2.0)',
      ),
    ];
  const byName = new Map(gem.members.map((m) => [m.name, m.data]));
  const bad: string[] = [];
  let count = 0;
  for (const [algorithm, digests] of Object.entries(gem.checksums)) {
    const node = { SHA1: 'sha1', SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' }[algorithm];
    for (const [file, hex] of Object.entries(digests)) {
      const data = byName.get(file);
      if (node === undefined) {
        bad.push(`${algorithm} is not a digest RubyGems knows`);
        continue;
      }
      if (data === undefined) {
        bad.push(`${algorithm} listed for ${file}, which is not in the gem`);
        continue;
      }
      count++;
      if (createHash(node).update(data).digest('hex') !== hex.toLowerCase())
        bad.push(`${algorithm} checksum mismatch for ${file}`);
    }
  }
  if (bad.length > 0)
    return [fail('checksums', 'GEM_CHECKSUM_MISMATCH', bad.join('; '), { problems: bad })];
  return [
    pass(
      'checksums',
      'GEM_CHECKSUMS_MATCH',
      `${count} checksums in checksums.yaml.gz match the members`,
    ),
  ];
}

function gzipCheck(gem: GemPackage): Check {
  // package.rb verify_gz: data.tar.gz must be intact gzip (its CRC is the only integrity check of unsigned gems).
  for (const m of gem.members.filter((m) => m.name === 'data.tar.gz')) {
    try {
      gunzipSync(m.data, { maxOutputLength: MAX_DATA_BYTES });
    } catch {
      return fail(
        'content',
        'GEM_CONTENT_CORRUPT',
        'data.tar.gz is not valid gzip data (or unpacks to more than 1 GiB)',
      );
    }
  }
  return pass('content', 'GEM_CONTENT_INTACT', 'data.tar.gz is intact gzip data');
}

/**
 * verifyGemPackage checks a parsed gem under a RubyGems security policy.
 *
 * Codes: `GEM_UNSIGNED`, `GEM_DUPLICATE_MEMBER`, `GEM_CHECKSUM_MISMATCH`,
 * `GEM_CONTENT_CORRUPT`, `GEM_CERT_MALFORMED`, `GEM_CERT_EXPIRED` (also "not
 * yet valid"), `GEM_CHAIN_BROKEN`, `GEM_ROOT_NOT_SELF_SIGNED`,
 * `GEM_ROOT_UNTRUSTED` (the "no key" outcome: signature may be fine, but
 * nobody vouched for its root), `GEM_ROOT_KEY_MISMATCH`,
 * `GEM_SIGNATURE_MISSING`, `GEM_DIGEST_MISSING`, `GEM_SIGNATURE_INVALID`;
 * passes are `GEM_SIGNATURES_VALID`, `GEM_ROOT_TRUSTED`, ….
 */
export function verifyGemPackage(gem: GemPackage, options: GemVerifyOptions): VerificationResult {
  const policy = options.policy ?? 'HighSecurity';
  const now = options.now ?? new Date();
  const subject = options.subject ?? `${gem.spec.name}-${gem.spec.version}.gem`;
  const checks: Check[] = [
    pass(
      'format',
      'GEM_FORMAT',
      `${gem.spec.name} ${gem.spec.version}: metadata and data.tar.gz present`,
    ),
  ];

  if (gem.duplicates.length > 0) {
    checks.push(
      fail(
        'format',
        'GEM_DUPLICATE_MEMBER',
        `duplicate files in the package: ${gem.duplicates.join(', ')}`,
        { duplicates: gem.duplicates },
      ),
    );
  }
  checks.push(gzipCheck(gem), ...checksumChecks(gem));

  if (gem.signatures.size === 0) {
    // policy.rb verify: only_signed (HighSecurity) refuses; MediumSecurity lets an unsigned gem through with a warning.
    checks.push(
      policy === 'HighSecurity'
        ? fail(
            'signature',
            'GEM_UNSIGNED',
            `the gem is not signed; unsigned gems are not allowed by the ${policy} policy`,
          )
        : warn(
            'signature',
            'GEM_UNSIGNED',
            `the gem is not signed (allowed by the ${policy} policy)`,
          ),
    );
    return verdict(subject, checks);
  }

  // The chain comes from the spec: root first, signer last (policy.rb verify_signatures).
  const chain: ParsedCert[] = [];
  for (const [i, pem] of gem.spec.certChain.entries()) {
    const c = parseCert(pem);
    if (c === undefined) {
      checks.push(
        fail(
          'certificate',
          'GEM_CERT_MALFORMED',
          `cert_chain[${i}] in the gem's metadata is not a readable X.509 certificate`,
        ),
      );
      return verdict(subject, checks);
    }
    chain.push(c);
  }
  const signer = chain.at(-1);
  if (signer === undefined) {
    checks.push(
      fail(
        'certificate',
        'GEM_CHAIN_BROKEN',
        'the gem has signatures but its metadata has an empty cert_chain (missing signing chain)',
      ),
    );
    return verdict(subject, checks);
  }
  const root = chain[0]!;

  // verify_signer: signer valid now.
  const signerProblem = validityProblem(signer, now);
  checks.push(
    signerProblem === undefined
      ? pass(
          'certificate',
          'GEM_CERT_VALID',
          `signing certificate ${rubyName(signer.cert.subject)} is valid at ${now.toISOString()}`,
          { subject: rubyName(signer.cert.subject), notAfter: signer.notAfter.toISOString() },
        )
      : fail('certificate', 'GEM_CERT_EXPIRED', signerProblem, {
          subject: rubyName(signer.cert.subject),
        }),
  );

  // verify_chain: each certificate issued by the one before it and valid now.
  const links: string[] = [];
  for (let i = 1; i < chain.length; i++) {
    const issuer = chain[i - 1]!;
    const cert = chain[i]!;
    const p = validityProblem(cert, now);
    if (p !== undefined) links.push(p);
    if (!verifyIssued(cert.cert, issuer.cert))
      links.push(
        `certificate ${rubyName(cert.cert.subject)} was not issued by ${rubyName(issuer.cert.subject)}`,
      );
  }
  checks.push(
    links.length === 0
      ? pass(
          'chain',
          'GEM_CHAIN_VALID',
          `certificate chain of ${chain.length} verified from root to signer`,
        )
      : fail('chain', 'GEM_CHAIN_BROKEN', `invalid signing chain: ${links.join('; ')}`, {
          problems: links,
        }),
  );

  // verify_root: the root is self-signed and valid now.
  const rootProblem = validityProblem(root, now);
  if (root.cert.issuer !== root.cert.subject || !verifyIssued(root.cert, root.cert)) {
    checks.push(
      fail(
        'root',
        'GEM_ROOT_NOT_SELF_SIGNED',
        `root certificate ${rubyName(root.cert.subject)} is not self-signed (issuer ${rubyName(root.cert.issuer)})`,
      ),
    );
  } else if (rootProblem !== undefined) {
    checks.push(fail('root', 'GEM_CERT_EXPIRED', rootProblem));
  } else {
    checks.push(
      pass(
        'root',
        'GEM_ROOT_SELF_SIGNED',
        `root certificate ${rubyName(root.cert.subject)} is self-signed and valid`,
      ),
    );
  }

  // only_trusted: the root must be in the trust store, same subject and same public key (check_trust).
  const trusted = options.trustedCerts
    .map(parseCert)
    .filter((c): c is ParsedCert => c !== undefined);
  const sameSubject = trusted.filter((t) => t.cert.subject === root.cert.subject);
  if (sameSubject.length === 0) {
    const of = chain.length > 1 ? ` (root of signing cert ${rubyName(signer.cert.subject)})` : '';
    checks.push(
      fail(
        'trust',
        'GEM_ROOT_UNTRUSTED',
        `root cert ${rubyName(root.cert.subject)} is not trusted${of}; add it with \`gem cert --add\` or pass it as a trusted certificate`,
        { root: rubyName(root.cert.subject), fingerprint256: root.cert.fingerprint256 },
      ),
    );
  } else if (!sameSubject.some((t) => sameKey(t.cert, root.cert))) {
    checks.push(
      fail(
        'trust',
        'GEM_ROOT_KEY_MISMATCH',
        `trusted root certificate ${rubyName(root.cert.subject)} checksum does not match signing root certificate checksum`,
        { root: rubyName(root.cert.subject) },
      ),
    );
  } else {
    checks.push(
      pass(
        'trust',
        'GEM_ROOT_TRUSTED',
        `root certificate ${rubyName(root.cert.subject)} is trusted`,
        { fingerprint256: root.cert.fingerprint256 },
      ),
    );
  }

  // Signatures: every signature has a member, every member has a signature, every signature verifies.
  const digested = gem.members.filter((m) => !m.name.endsWith('.sig'));
  const names = new Set(digested.map((m) => m.name));
  const problems: { code: string; message: string }[] = [];
  for (const file of gem.signatures.keys()) {
    if (!names.has(file))
      problems.push({
        code: 'GEM_DIGEST_MISSING',
        message: `missing digest for ${file} (a signature for a member that is not in the gem)`,
      });
  }
  let good = 0;
  for (const m of digested) {
    const sig = gem.signatures.get(m.name);
    if (sig === undefined) {
      problems.push({ code: 'GEM_SIGNATURE_MISSING', message: `missing signature for ${m.name}` });
      continue;
    }
    const digest = createHash('sha256').update(m.data).digest();
    let ok = false;
    try {
      ok = cryptoVerify('sha256', digest, signer.cert.publicKey, sig);
    } catch {
      ok = false;
    }
    if (ok) good++;
    else
      problems.push({ code: 'GEM_SIGNATURE_INVALID', message: `invalid signature on ${m.name}` });
  }
  if (problems.length === 0) {
    checks.push(
      pass(
        'signature',
        'GEM_SIGNATURES_VALID',
        `all ${good} members are signed by ${rubyName(signer.cert.subject)}`,
        { signer: rubyName(signer.cert.subject), members: digested.map((m) => m.name) },
      ),
    );
  } else {
    for (const p of problems)
      checks.push(fail('signature', p.code, p.message, { signer: rubyName(signer.cert.subject) }));
  }
  return verdict(subject, checks);
}

/**
 * verifyGem parses and verifies the bytes of a `.gem` file. Unreadable input
 * gives a failed verdict with code `GEM_MALFORMED`, `TAR_MALFORMED` or
 * `TAR_TOO_LARGE`, never an exception.
 */
export async function verifyGem(
  bytes: Uint8Array,
  options: GemVerifyOptions,
): Promise<VerificationResult> {
  let gem: GemPackage;
  try {
    gem = await parseGem(bytes);
  } catch (err) {
    if (err instanceof InputError)
      return verdict(options.subject ?? 'gem', [fail('format', err.code, err.message)]);
    throw err;
  }
  return verifyGemPackage(gem, options);
}
