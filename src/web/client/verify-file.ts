/**
 * verifyFileInPage: the page's `sigil verify <file>` — digest, statement
 * subject, author signature (optionally pinned to a key id), registry
 * countersignature, signed checkpoint, and inclusion of both log entries —
 * each a Check with a reason, in the CLI's order. Network: only this origin's
 * record, registry keys and nothing else; the file is read locally.
 */
import { pae } from '../../core/dsse.js';
import { type Check, fail, pass, skip } from '../../core/verdict.js';
import type { Hash } from '../../log/hash.js';
import { recordHash } from '../../log/hash.js';
import { checkInclusion } from '../../log/proof.js';
import { envelopeLeaf, type Envelope } from './envelope-leaf.js';
import { verifyCheckpointInPage } from './log-checks.js';
import { digestFile, fromBase64, spkiFromPem, verifySpki } from './webcrypto.js';

export interface RecordJson {
  purl: string;
  digests: { sha256: string; sha512: string };
  authorBundle: { dsseEnvelope: Envelope } | null;
  authorKey?: { keyid: string; algorithm: string; pem: string };
  publishStatement: Envelope;
  log: {
    origin: string;
    checkpoint: string;
    author?: { logIndex: number; hashes: string[] };
    publish: { logIndex: number; hashes: string[] };
  };
}

export interface KeysJson {
  keys: { keyid: string; algorithm: string; pem: string; use: string }[];
  log: { origin: string; vkey: string };
}

export interface VerifyInput {
  /** The downloaded file; without it, the registry's copy of the purl's artifact is fetched and checked. */
  file?: Blob;
  bundle?: { dsseEnvelope: Envelope };
  purl?: string;
  expectKeyId?: string;
  fetchJson: (path: string) => Promise<unknown>;
  fetchBlob: (path: string) => Promise<Blob>;
}

interface Statement {
  subject?: { name?: string; digest?: Record<string, string> }[];
}

function statementOf(env: Envelope): Statement | undefined {
  try {
    return JSON.parse(new TextDecoder().decode(fromBase64(env.payload))) as Statement;
  } catch {
    return undefined;
  }
}

async function envelopeSigned(env: Envelope, pem: string, algorithm: string): Promise<boolean> {
  const message = pae(env.payloadType, fromBase64(env.payload));
  for (const s of env.signatures)
    if (await verifySpki(algorithm, spkiFromPem(pem), message, fromBase64(s.sig))) return true;
  return false;
}

export async function verifyFileInPage(
  input: VerifyInput,
): Promise<{ subject: string; checks: Check[] }> {
  const checks: Check[] = [];
  if (!input.file && !input.purl)
    return {
      subject: 'nothing',
      checks: [fail('input', 'NOTHING_TO_CHECK', 'choose a file or give a package URL')],
    };
  let digests = input.file ? await digestFile(input.file) : undefined;
  let record: RecordJson | undefined;
  try {
    if (input.purl)
      record = (await input.fetchJson(
        `/api/v1/releases/${encodeURIComponent(input.purl)}`,
      )) as RecordJson;
    else {
      const found = (await input.fetchJson(`/api/v1/releases?sha256=${digests!.sha256}`)) as {
        records: RecordJson[];
      };
      record = found.records[0];
    }
  } catch (e) {
    record = undefined;
    checks.push(fail('record', 'RECORD_NOT_FOUND', `no record: ${(e as Error).message}`));
  }
  if (!record) {
    if (checks.length === 0)
      checks.push(
        fail(
          'record',
          'RECORD_NOT_FOUND',
          `this registry logged no release with sha256 ${digests!.sha256.slice(0, 16)}…; give the package URL to see which file was logged instead`,
        ),
      );
    return { subject: input.purl ?? 'this file', checks };
  }
  if (!digests) {
    // A purl alone: check the bytes this registry serves for it, as a download would get them.
    try {
      digests = await digestFile(
        await input.fetchBlob(`/api/v1/blobs/sha256/${record.digests.sha256}`),
      );
    } catch (e) {
      checks.push(
        fail(
          'digest',
          'ARTIFACT_UNAVAILABLE',
          `could not download the artifact: ${(e as Error).message}`,
        ),
      );
      return { subject: record.purl, checks };
    }
  }
  const subject = record.purl;

  // 1. digest: the file is the one that was logged.
  const sameFile =
    record.digests.sha256 === digests.sha256 && record.digests.sha512 === digests.sha512;
  checks.push(
    sameFile
      ? pass('digest', 'DIGEST_MATCH', `sha256 and sha512 of the file match the logged release`)
      : fail(
          'digest',
          'DIGEST_MISMATCH',
          `sha256 of the file is ${digests.sha256.slice(0, 16)}…, the logged release has ${record.digests.sha256.slice(0, 16)}…: this is not the file that was signed`,
        ),
  );

  if (!sameFile) {
    // As the CLI: nothing else is checked for bytes that are not the logged ones.
    for (const name of ['signature', 'countersignature', 'inclusion'])
      checks.push(
        skip(name, 'NOT_CHECKED', 'not checked: the file is not the one that was signed'),
      );
    return { subject, checks };
  }

  // 2. author signature over a statement naming this file.
  const bundle = input.bundle ?? record.authorBundle ?? undefined;
  let authorOk = false;
  if (!bundle)
    checks.push(
      skip(
        'signature',
        'NO_AUTHOR_SIGNATURE',
        'no author signature: the release was published by an account or observed upstream',
      ),
    );
  else if (!record.authorKey)
    checks.push(
      fail('signature', 'KEY_UNKNOWN', 'the registry names no author key for this signature'),
    );
  else {
    const st = statementOf(bundle.dsseEnvelope);
    const d = st?.subject?.[0]?.digest ?? {};
    if (d['sha256'] !== digests.sha256 && d['sha512'] !== digests.sha512)
      checks.push(
        fail(
          'subject',
          'SUBJECT_MISMATCH',
          `the signed statement covers sha256 ${String(d['sha256'] ?? '?').slice(0, 16)}…, not this file`,
        ),
      );
    else
      checks.push(
        pass(
          'subject',
          'SUBJECT_MATCH',
          `the signed statement names ${st?.subject?.[0]?.name ?? subject} with this file's digest`,
        ),
      );
    const pin = input.expectKeyId?.trim().toLowerCase();
    if (pin && pin !== record.authorKey.keyid)
      checks.push(
        fail(
          'signature',
          'KEY_NOT_EXPECTED',
          `signed by key ${record.authorKey.keyid.slice(0, 12)}…, but you expected ${pin.slice(0, 12)}…`,
        ),
      );
    else if (
      await envelopeSigned(bundle.dsseEnvelope, record.authorKey.pem, record.authorKey.algorithm)
    ) {
      authorOk = true;
      checks.push(
        pass(
          'signature',
          'SIGNATURE_VALID',
          `${record.authorKey.algorithm} key ${record.authorKey.keyid.slice(0, 12)}…${pin ? ' (the key you expected)' : ''}`,
        ),
      );
    } else
      checks.push(
        fail(
          'signature',
          'SIGNATURE_INVALID',
          `the author signature does not verify with key ${record.authorKey.keyid.slice(0, 12)}…`,
        ),
      );
  }

  // 3. countersignature by the registry key.
  const keys = (await input.fetchJson('/.well-known/sigil/keys.json')) as KeysJson;
  const registry = keys.keys.find((k) => k.use === 'registry');
  let counterOk = false;
  if (!registry)
    checks.push(fail('countersignature', 'KEY_UNKNOWN', 'the registry publishes no registry key'));
  else if (!(await envelopeSigned(record.publishStatement, registry.pem, registry.algorithm)))
    checks.push(
      fail(
        'countersignature',
        'SIGNATURE_INVALID',
        `the publish statement does not verify with registry key ${registry.keyid.slice(0, 12)}…`,
      ),
    );
  else {
    const d = statementOf(record.publishStatement)?.subject?.[0]?.digest ?? {};
    if (d['sha256'] !== digests.sha256 && d['sha512'] !== digests.sha512)
      checks.push(
        fail(
          'countersignature',
          'SUBJECT_MISMATCH',
          'the registry countersigned other bytes than this file',
        ),
      );
    else {
      counterOk = true;
      checks.push(
        pass(
          'countersignature',
          'COUNTERSIGNATURE_VALID',
          `registry key ${registry.keyid.slice(0, 12)}… countersigned this file`,
        ),
      );
    }
  }

  // 4. the checkpoint, signed by the log key.
  const cp = await verifyCheckpointInPage(record.log.checkpoint, keys.log.vkey, record.log.origin);
  checks.push(cp.check);

  // 5. inclusion of both entries in that checkpoint's tree.
  if (!cp.checkpoint)
    checks.push(skip('inclusion', 'NOT_CHECKED', 'not checked without a verified checkpoint'));
  else {
    const tree = cp.checkpoint;
    const one = (
      what: string,
      leaf: Uint8Array,
      at: { logIndex: number; hashes: string[] },
    ): Check => {
      const c = checkInclusion(
        at.hashes.map((h) => fromBase64(h) as Hash),
        at.logIndex,
        tree.size,
        recordHash(leaf),
        tree.hash,
      );
      return c.status === 'pass' ? c : { ...c, reason: `${what}: ${c.reason}` };
    };
    const parts: Check[] = [];
    if (registry && counterOk)
      parts.push(
        one(
          'countersignature',
          envelopeLeaf(record.publishStatement, spkiFromPem(registry.pem), registry.algorithm),
          record.log.publish,
        ),
      );
    if (bundle && authorOk && record.authorKey && record.log.author)
      parts.push(
        one(
          'author signature',
          envelopeLeaf(
            bundle.dsseEnvelope,
            spkiFromPem(record.authorKey.pem),
            record.authorKey.algorithm,
          ),
          record.log.author,
        ),
      );
    const bad = parts.find((p) => p.status !== 'pass');
    if (bad) checks.push(bad);
    else if (parts.length === 0)
      checks.push(skip('inclusion', 'NOT_CHECKED', 'not checked: no signature verified'));
    else
      checks.push(
        pass(
          'inclusion',
          'INCLUSION_PROOF_VALID',
          `${parts.length === 2 ? 'author signature and countersignature are' : 'countersignature is'} in the log at checkpoint ${tree.size}`,
        ),
      );
  }
  return { subject, checks };
}
