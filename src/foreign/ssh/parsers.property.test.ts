// Hostile input: SSH and git parsers throw nothing but Sigil errors on arbitrary input,
// and verifySshsig never throws at all (a broken signature is a failed check).
import { generateKeyPairSync, sign } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SigilError } from '../../core/errors.js';
import { parseCommit, parseTag } from '../git/objects.js';
import { blobOid, treeOid } from '../git/tree.js';
import {
  parseAllowedSigners,
  parseSshPublicKeyBlob,
  parseSshsigArmor,
  parseSshsigBlob,
  sshBlobOf,
  verifySshsig,
} from './index.js';
import { sshsigArmor, sshsigSignedData } from './sshsig.js';
import { wireString } from './wire.js';
import { verifyForgeBinding } from './forge-binding.js';

function onlySigilErrors(f: () => unknown) {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(SigilError);
  }
}

const sshsigish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc
    .uint8Array({ maxLength: 300 })
    .map(
      (b) =>
        `-----BEGIN SSH SIGNATURE-----\n${Buffer.from(b).toString('base64')}\n-----END SSH SIGNATURE-----\n`,
    ),
  fc
    .uint8Array({ maxLength: 200 })
    .map(
      (b) =>
        `-----BEGIN SSH SIGNATURE-----\n${Buffer.concat([Buffer.from('SSHSIG'), Buffer.from(b)]).toString('base64')}\n-----END SSH SIGNATURE-----\n`,
    ),
);

describe('SSH parsers on arbitrary input', () => {
  it('armor, blobs, keys and allowed_signers throw only Sigil errors', () => {
    fc.assert(
      fc.property(
        sshsigish,
        fc.uint8Array({ maxLength: 200 }),
        fc.string({ maxLength: 300 }),
        (armor, blob, signers) => {
          onlySigilErrors(() => parseSshsigArmor(armor));
          onlySigilErrors(() => parseSshsigBlob(blob));
          onlySigilErrors(() => parseSshPublicKeyBlob(blob));
          onlySigilErrors(() =>
            parseSshPublicKeyBlob(Buffer.concat([wireString('ssh-ed25519'), blob])),
          );
          onlySigilErrors(() => parseAllowedSigners(signers));
          onlySigilErrors(() => parseAllowedSigners(`a@b ${signers}`));
          onlySigilErrors(() => parseTag(Buffer.from(blob)));
          onlySigilErrors(() => parseCommit(Buffer.from(blob)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('verifySshsig and verifyForgeBinding never throw', () => {
    fc.assert(
      fc.property(sshsigish, fc.string({ maxLength: 200 }), (armor, text) => {
        expect(
          verifySshsig(Buffer.from('m'), armor, {
            namespace: 'file',
            allowedSigners: [],
            subject: 's',
          }).ok,
        ).toBe(false);
        expect(verifyForgeBinding(text, {}).ok).toBe(false);
        expect(
          verifyForgeBinding(JSON.stringify({ statement: text, signature: armor }), {}).ok,
        ).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a signature made here verifies, and any flipped byte of the message fails', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const blob = sshBlobOf(publicKey);
    const line = `ssh-ed25519 ${blob.toString('base64')}`;
    const signers = parseAllowedSigners(`ada ${line}\n`);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), (msg, pos) => {
        const sig = sign(null, sshsigSignedData('file', 'sha512', msg), privateKey);
        const armor = sshsigArmor(
          blob,
          'file',
          'sha512',
          Buffer.concat([wireString('ssh-ed25519'), wireString(sig)]),
        );
        expect(
          verifySshsig(msg, armor, { namespace: 'file', allowedSigners: signers, subject: 's' }).ok,
        ).toBe(true);
        const changed = Buffer.from(msg);
        changed[pos % changed.length]! ^= 1;
        expect(
          verifySshsig(changed, armor, { namespace: 'file', allowedSigners: signers, subject: 's' })
            .ok,
        ).toBe(false);
      }),
      { numRuns: 50 },
    );
  });
});

describe('git object ids', () => {
  it("the empty blob and empty tree have git's well-known ids", () => {
    expect(blobOid(Buffer.alloc(0))).toBe('e69de29bb2d1d6434b8b29ae775ad8c2e48c5391');
    expect(treeOid([])).toBe('4b825dc642cb6eb9a060e54bf8d69288fbee4904');
  });
});
