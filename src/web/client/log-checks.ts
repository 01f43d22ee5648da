/**
 * Log checks run in the page with the CLI's own pure code: the signed note's
 * trust rules (verifyNote), checkpoint parsing, RFC 9162 inclusion and
 * consistency (checkInclusion, checkConsistency). WebCrypto supplies the
 * Ed25519 primitive: each signature line is verified first, then verifyNote
 * decides with those answers.
 */
import { type Check, fail, pass } from '../../core/verdict.js';
import { type Checkpoint, parseCheckpoint } from '../../log/checkpoint.js';
import { nodeHash, recordHash, type Hash } from '../../log/hash.js';
import { parseNote, verifyNote } from '../../log/note.js';
import { noteKeyId, type NoteVerifier } from '../../log/note-key.js';
import { checkInclusion } from '../../log/proof.js';
import { fromBase64, hex, toBase64, verifyEd25519Raw } from './webcrypto.js';

export interface VerifiedCheckpoint {
  readonly check: Check;
  readonly checkpoint?: Checkpoint;
}

/** verifyCheckpointInPage checks a checkpoint note against a vkey (name+hash+base64(0x01||pub)). */
export async function verifyCheckpointInPage(
  note: string,
  vkey: string,
  origin?: string,
): Promise<VerifiedCheckpoint> {
  const parts = vkey.split('+');
  const name = parts[0] ?? '';
  const raw = fromBase64(parts.slice(2).join('+'));
  if (raw.length !== 33 || raw[0] !== 0x01)
    return {
      check: fail(
        'checkpoint',
        'NOTE_KEY_INVALID',
        `the log key ${vkey} is not an Ed25519 note key`,
      ),
    };
  const pub = raw.subarray(1);
  let parsed;
  try {
    parsed = parseNote(note);
  } catch (e) {
    return {
      check: fail(
        'checkpoint',
        'NOTE_MALFORMED',
        `the checkpoint is not a signed note: ${(e as Error).message}`,
      ),
    };
  }
  const message = new TextEncoder().encode(parsed.text);
  const answers = new Map<string, boolean>();
  const keyId = noteKeyId(name, 0x01, pub);
  for (const s of parsed.signatures)
    if (s.name === name && s.keyId === keyId)
      answers.set(toBase64(s.signature), await verifyEd25519Raw(pub, message, s.signature));
  const verifier: NoteVerifier = {
    name,
    keyId,
    type: 0x01,
    publicKey: pub,
    verify: (_text, sig) => answers.get(toBase64(sig)) === true,
  };
  const v = verifyNote(note, [verifier]);
  if (!v.ok) return { check: { ...v.check, name: 'checkpoint' } };
  let cp: Checkpoint;
  try {
    cp = parseCheckpoint(v.note.text);
  } catch (e) {
    return { check: fail('checkpoint', 'CHECKPOINT_MALFORMED', (e as Error).message) };
  }
  if (origin !== undefined && cp.origin !== origin)
    return {
      check: fail(
        'checkpoint',
        'LOG_ORIGIN_MISMATCH',
        `the checkpoint is for ${cp.origin}, not ${origin}`,
      ),
    };
  return {
    check: pass(
      'checkpoint',
      'CHECKPOINT_VALID',
      `signed by ${name}: ${cp.size} entries, root ${hex(cp.hash).slice(0, 16)}…`,
    ),
    checkpoint: cp,
  };
}

export interface ProofStep {
  readonly text: string;
  readonly hash: string;
}

/**
 * inclusionSteps replays RFC 9162 §2.1.3.2 one hash at a time for display; the
 * verdict is checkInclusion's, not this trace's.
 */
export function inclusionSteps(
  leaf: Uint8Array,
  index: number,
  size: number,
  proof: readonly Hash[],
  root: Hash,
): { steps: ProofStep[]; check: Check } {
  const leafHash = recordHash(leaf);
  const steps: ProofStep[] = [
    { text: `leaf hash = SHA-256(0x00 ‖ entry ${index})`, hash: hex(leafHash) },
  ];
  let h = leafHash;
  let fn = index;
  let sn = size - 1;
  for (let k = 0; k < proof.length; k++) {
    const p = proof[k]!;
    if (sn === 0) break;
    if ((fn & 1) === 1 || fn === sn) {
      h = nodeHash(p, h);
      steps.push({
        text: `step ${k + 1}: sibling on the left → SHA-256(0x01 ‖ proof[${k}] ‖ h)`,
        hash: hex(h),
      });
      if ((fn & 1) === 0)
        while (fn !== 0 && (fn & 1) === 0) {
          fn >>= 1;
          sn >>= 1;
        }
    } else {
      h = nodeHash(h, p);
      steps.push({
        text: `step ${k + 1}: sibling on the right → SHA-256(0x01 ‖ h ‖ proof[${k}])`,
        hash: hex(h),
      });
    }
    fn >>= 1;
    sn >>= 1;
  }
  steps.push({ text: 'root of the signed checkpoint', hash: hex(root) });
  return { steps, check: checkInclusion(proof, index, size, leafHash, root) };
}
