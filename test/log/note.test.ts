// Signed-note trust rules (c2sp.org/signed-note "Signatures"), checkpoints' strict parsing and
// tlog-cosignature/v1.
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import {
  formatCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  verifyCheckpoint,
} from '../../src/log/checkpoint.js';
import { emptyTreeHash } from '../../src/log/hash.js';
import {
  cosignatureNoteSigner,
  cosignatureTimestamp,
  ed25519NoteSigner,
  formatVerifierKey,
  generateNoteKey,
  noteVerifier,
  parseSignerKey,
  parseVerifierKey,
  SIG_COSIGNATURE_V1,
} from '../../src/log/note-key.js';
import { NoteError, openNote, parseNote, signNote, verifyNote } from '../../src/log/note.js';

const seed = (b: number) => new Uint8Array(32).fill(b);
const log = ed25519NoteSigner('example.com/log', seed(1));
const logV = noteVerifier('example.com/log', 1, log.publicKey);
const TEXT = 'example.com/log\n3\n' + Buffer.from(emptyTreeHash()).toString('base64') + '\n';

describe('note trust rules', () => {
  it('ignores unknown keys, including same name with another ID and same ID with another name', () => {
    const impostor = ed25519NoteSigner('example.com/log', seed(2)); // same name, other key → other ID
    const renamed = { ...log, name: 'example.com/other' }; // same ID bytes, other name
    const msg = signNote(TEXT, [impostor, renamed, log]);
    const r = verifyNote(msg, [logV]);
    expect(r.ok).toBe(true);
    expect(r.ok && r.note.unverified.length).toBe(2);
  });

  it('rejects the whole note when a known key has a bad signature, naming the key', () => {
    const good = signNote(TEXT, [log]);
    const sig = parseNote(good).signatures[0]!;
    const raw = Buffer.from(sig.base64, 'base64');
    raw[10] = raw[10]! ^ 0x80;
    const forged = `${TEXT}\n\u2014 ${sig.name} ${raw.toString('base64')}\n\u2014 ${sig.name} ${sig.base64}\n`;
    const r = verifyNote(forged, [logV]);
    expect(r.check.code).toBe('NOTE_INVALID_SIGNATURE');
    expect(r.check.detail).toMatchObject({
      keyName: 'example.com/log',
      keyId: log.keyId.toString(16).padStart(8, '0'),
    });
    try {
      openNote(forged, [logV]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NoteError);
      expect((e as NoteError).keyName).toBe('example.com/log');
      expect((e as NoteError).keyId).toBe(log.keyId);
    }
  });

  it('needs at least one trusted signature', () => {
    const other = ed25519NoteSigner('witness.example', seed(3));
    expect(verifyNote(signNote(TEXT, [other]), [logV]).check.code).toBe('NOTE_UNVERIFIED');
  });

  it('rejects two trusted keys with the same name and ID (ambiguous)', () => {
    expect(verifyNote(signNote(TEXT, [log]), [logV, logV]).check.code).toBe('NOTE_AMBIGUOUS_KEY');
  });

  it('accepts 16 and more signatures, up to 100', () => {
    const signers = Array.from({ length: 20 }, (_, i) =>
      ed25519NoteSigner(`w${i}.example`, seed(10 + i)),
    );
    const msg = signNote(TEXT, [...signers, log]);
    const r = verifyNote(msg, [logV, noteVerifier('w7.example', 1, signers[7]!.publicKey)]);
    expect(r.ok && r.note.verified.map((s) => s.name)).toEqual(['w7.example', 'example.com/log']);
    const many = `${TEXT}\n${'\u2014 x.example AAAAAAA=\n'.repeat(101)}`;
    expect(verifyNote(many, [logV]).check.code).toBe('NOTE_TOO_LARGE');
  });

  it('rejects malformed notes: control characters, bad UTF-8, non-canonical base64, missing blank line', () => {
    const good = signNote(TEXT, [log]);
    for (const bad of [
      good.replace('3\n', '3\r\n'),
      good.replace('\n\n', '\n'),
      good.replace(/=\n$/, '\n'),
      good.slice(0, -1),
      `${good}\n`,
    ]) {
      expect(verifyNote(bad, [logV]).check.code).toBe('NOTE_MALFORMED');
    }
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(good)]);
    expect(verifyNote(bytes, [logV]).check.code).toBe('NOTE_MALFORMED');
  });

  it('keys: generate/parse round-trip; hash must match; bad keys are InputError', () => {
    const k = generateNoteKey('sigil.example/log');
    const s = parseSignerKey(k.signerKey);
    expect(formatVerifierKey(s)).toBe(k.verifierKey);
    expect(formatVerifierKey(parseVerifierKey(k.verifierKey))).toBe(k.verifierKey);
    const wrongHash = k.verifierKey.replace(
      /\+([0-9a-f]{8})\+/,
      (_, h: string) => `+${h === '00000000' ? '00000001' : '00000000'}+`,
    );
    expect(() => parseVerifierKey(wrongHash)).toThrow(InputError);
    expect(() => parseVerifierKey('a b+00000000+AQ==')).toThrow(InputError);
    expect(() => generateNoteKey('has+plus')).toThrow(InputError);
  });
});

describe('checkpoints', () => {
  it('round-trip and verify with the expected origin only', () => {
    const cp = parseCheckpoint(TEXT);
    expect(cp.size).toBe(3);
    const msg = signCheckpoint(cp, [log]);
    expect(verifyCheckpoint(msg, [logV], { origin: 'example.com/log' }).ok).toBe(true);
    expect(verifyCheckpoint(msg, [logV], { origin: 'example.com/other' }).check.code).toBe(
      'CHECKPOINT_WRONG_ORIGIN',
    );
  });

  it('reject non-canonical numbers, bad hashes, empty lines', () => {
    const h = Buffer.from(emptyTreeHash()).toString('base64');
    for (const bad of [
      `o\n03\n${h}\n`,
      `o\n+3\n${h}\n`,
      `o\n-0\n${h}\n`,
      `o\n3.0\n${h}\n`,
      `o\n 3\n${h}\n`,
      `o\n9007199254740992\n${h}\n`,
      `o\n3\n${h.slice(0, -1)}\n`,
      `o\n3\nAAAA\n`,
      `\n3\n${h}\n`,
      `o\n3\n${h}\n\n`,
      `o\n3\n${h}`,
      `o\n3\n`,
    ]) {
      expect(() => parseCheckpoint(bad), JSON.stringify(bad)).toThrow(InputError);
    }
    expect(parseCheckpoint(`o\n0\n${h}\next one\n`).extensions).toEqual(['ext one']);
    expect(() =>
      formatCheckpoint({ origin: 'o\nx', size: 1, hash: emptyTreeHash(), extensions: [] }),
    ).toThrow(InputError);
  });
});

describe('tlog-cosignature/v1', () => {
  it('signs and verifies a 72-byte timestamped cosignature with key type 0x04', () => {
    const w = cosignatureNoteSigner('witness.example/w', seed(9), () => 1_700_000_000n);
    const wV = noteVerifier('witness.example/w', SIG_COSIGNATURE_V1, w.publicKey);
    expect(parseVerifierKey(formatVerifierKey(wV)).keyId).toBe(wV.keyId);
    expect(wV.keyId).not.toBe(noteVerifier('witness.example/w', 1, w.publicKey).keyId);
    const msg = signNote(TEXT, [log, w]);
    const r = verifyNote(msg, [logV, wV]);
    expect(r.ok).toBe(true);
    const sig = r.ok ? r.note.verified.find((s) => s.name === 'witness.example/w')! : undefined;
    expect(sig!.signature.length).toBe(72);
    expect(cosignatureTimestamp(sig!.signature)).toBe(1_700_000_000n);
    // The same bytes under the plain Ed25519 rules do not verify (domain separation).
    const plain = ed25519NoteSigner('witness.example/w', seed(9));
    expect(wV.verify(Buffer.from(TEXT), plain.sign(Buffer.from(TEXT)))).toBe(false);
  });
});
