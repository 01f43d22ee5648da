/**
 * Sigil as a library for signers and verifiers:
 *
 *   import { signRelease, verifyRelease, generateKey, digestBytes } from 'sigil';
 *
 * A deliberate list, not the whole tree: what verifying a release, a log
 * checkpoint or a key ledger needs. Importing it loads no native module and
 * no HTTP framework (test/library-surface.test.ts). Server parts (log
 * storage, the registry, the witness) are in 'sigil/server'.
 */

// Verdicts and errors: every verifier answers with data.
export type { Check, CheckStatus, VerificationResult } from './core/verdict.js';
export { firstFailure } from './core/verdict.js';
export { InputError, SigilError, ValidationError, VerificationError } from './core/errors.js';

// Keys, digests, signatures.
export type { KeyAlgorithm, PrivateKey, PublicKey } from './core/keys.js';
export {
  KEY_ALGORITHMS,
  formatPrivateKeyFile,
  formatPublicKeyFile,
  generateKey,
  keyIdOf,
  npmKeyId,
  parsePrivateKeyFile,
  parsePublicKeyFile,
  publicKeyFromDer,
  publicKeyFromSpkiPem,
} from './core/keys.js';
export type { DigestAlgorithm, DigestSet } from './core/digest.js';
export { digestBytes, digestStream, hexFromSri, sriFromHex } from './core/digest.js';
export type { DsseEnvelope, DsseSignature, Signer } from './core/dsse.js';
export { pae, privateKeySigner, verifyEnvelope } from './core/dsse.js';

// Releases: statements, bundles, signing and verifying.
export { canonicalPurl, makePurl, parsePurl } from './core/purl.js';
export type { ReleaseStatement } from './core/statement.js';
export { parseReleaseStatement, RELEASE_PREDICATE_TYPE } from './core/statement.js';
export type { SigilBundle } from './core/bundle.js';
export { BUNDLE_V03_MEDIA_TYPE, parseBundle, serializeBundle } from './core/bundle.js';
export type { SignReleaseInput } from './core/sign.js';
export { signRelease, signReleaseWith } from './core/sign.js';
export type {
  ArtifactFacts,
  ReleaseCheckCode,
  ReleaseVerification,
  VerifyReleaseInput,
} from './core/verify.js';
export { verifyRelease, verifyReleaseOrThrow } from './core/verify.js';
export type { PublishPredicate, ReleaseRecord } from './core/release-record.js';
export { PUBLISH_PREDICATE_TYPE } from './core/release-record.js';

// Artifacts of every ecosystem: identity and native digests from the bytes.
export type { Artifact, LockfileEntry } from './ecosystems/adapter.js';
export type { ArtifactDescription, DescribeOptions } from './ecosystems/describe.js';
export { describeArtifact } from './ecosystems/describe.js';
export { memoryArtifact } from './ecosystems/memory-artifact.js';

// Transparency logs: checkpoints, proofs, the split-view rule, a client that keeps a log honest.
export type { Checkpoint } from './log/checkpoint.js';
export { parseCheckpoint, verifyCheckpoint } from './log/checkpoint.js';
export { checkConsistency, checkInclusion } from './log/proof.js';
export type { NoteVerifier } from './log/note-key.js';
export { parseVerifierKey } from './log/note-key.js';
export type {
  CheckpointLink,
  ConsistencyProofAnswer,
  ReceivedAs,
  SeenCheckpoint,
} from './log/checkpoint-tracker.js';
export { consistencyProofNeeded, linkCheckpoint } from './log/checkpoint-tracker.js';
export type { LogClientOptions, UpdateResult } from './client/log-client.js';
export { LogClient } from './client/log-client.js';
export { LogClientError } from './client/errors.js';

// Key ledgers: "may key K sign for namespace N at log index I, and why".
export type {
  Authorisation,
  HistoryEntry,
  KeyStatus,
  LogEntry,
  ReplayOptions,
} from './ledger/replay.js';
export { Ledger, replayLedger } from './ledger/replay.js';
export type { KeyEvent, KeyEventInput } from './ledger/event.js';
export { buildKeyEvent, parseKeyEventEnvelope } from './ledger/event.js';
