/**
 * Signing with the SSH key an author already has: through ssh-agent when the
 * key is loaded there (no private key file is read), else from an unencrypted
 * OpenSSH key file. The result is an ordinary Sigil signer: Ed25519 or ECDSA
 * P-256, key id = SHA-256 of the SPKI, so bundles and key events are the same
 * as with any other Sigil key.
 */
import { existsSync } from 'node:fs';
import { InputError } from '../core/errors.js';
import { privateKeySigner, type Signer } from '../core/dsse.js';
import { toPrivateKey, toPublicKey, type PublicKey } from '../core/keys.js';
import { parseSshPublicKeyLine, type SshPublicKey } from '../foreign/ssh/public-key.js';
import { looksLikeOpenSshPrivateKey, parseOpenSshPrivateKey } from '../foreign/ssh/private-key.js';
import { WireReader, wireMpint, wireString } from '../foreign/ssh/wire.js';
import { readTextFile } from './files.js';
import type { Io } from './output.js';
import { agentIdentities, agentSign } from './ssh-agent.js';

/** sigilKeyOfSsh turns an SSH public key into a Sigil public key (Ed25519 or ECDSA P-256 only). */
export function sigilKeyOfSsh(ssh: SshPublicKey, file: string): PublicKey {
  if (ssh.type !== 'ssh-ed25519' && ssh.type !== 'ecdsa-sha2-nistp256') {
    throw new InputError(
      'KEY_UNSUPPORTED_ALGORITHM',
      `${file}: sigil keys are Ed25519 or ECDSA P-256, and this is ${ssh.type}`,
      { hint: 'make one with `ssh-keygen -t ed25519`' },
    );
  }
  return toPublicKey(ssh.key);
}

/** derEcdsa turns an SSH ECDSA signature (mpint r, mpint s) into DER, as Sigil's P-256 signatures are. */
function derEcdsa(inner: Buffer): Buffer {
  const r = new WireReader(inner, 'ecdsa signature');
  const int = (b: Buffer): Buffer => {
    const v = b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
    return Buffer.concat([Buffer.from([0x02, v.length]), v]);
  };
  const body = Buffer.concat([int(r.mpint('r')), int(r.mpint('s'))]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function paths(keyPath: string): { pub: string; priv: string } {
  return keyPath.endsWith('.pub')
    ? { pub: keyPath, priv: keyPath.slice(0, -4) }
    : { pub: `${keyPath}.pub`, priv: keyPath };
}

/** loadSshSigner: the signer for `--ssh-key PATH` (the private key path or its .pub). */
export interface SshSigner extends Signer {
  readonly via: 'ssh-agent' | 'key file';
  readonly ssh: SshPublicKey;
  /** signSsh returns an SSH signature blob (string(algorithm) string(signature)), as SSHSIG embeds it. */
  signSsh(message: Uint8Array): Promise<Buffer>;
}

/** sshSignatureBlobOf wraps a Sigil signature (Ed25519 raw, P-256 DER) in SSH's signature encoding. */
function sshSignatureBlobOf(ssh: SshPublicKey, sig: Buffer): Buffer {
  if (ssh.type === 'ssh-ed25519')
    return Buffer.concat([wireString('ssh-ed25519'), wireString(sig)]);
  // DER SEQUENCE { INTEGER r, INTEGER s } → mpint r, mpint s
  let i = 2;
  const ints: Buffer[] = [];
  for (let n = 0; n < 2; n++) {
    const len = sig[i + 1]!;
    ints.push(sig.subarray(i + 2, i + 2 + len));
    i += 2 + len;
  }
  return Buffer.concat([
    wireString(ssh.type),
    wireString(Buffer.concat([wireMpint(ints[0]!), wireMpint(ints[1]!)])),
  ]);
}

export async function loadSshSigner(io: Io, keyPath: string): Promise<SshSigner> {
  const { pub, priv } = paths(keyPath);
  let ssh: SshPublicKey | undefined;
  if (existsSync(pub)) ssh = parseSshPublicKeyLine(readTextFile(pub, 'SSH public key'), pub);
  const sock = io.env['SSH_AUTH_SOCK'];
  if (sock && ssh) {
    const ids = await agentIdentities(sock);
    if (ids.some((i) => i.blob.equals(ssh!.blob))) {
      const publicKey = sigilKeyOfSsh(ssh, pub);
      const blob = ssh.blob;
      return {
        publicKey,
        via: 'ssh-agent',
        ssh,
        signSsh: (message) => agentSign(sock, blob, Buffer.from(message)),
        sign: async (message) => {
          const sigBlob = new WireReader(
            await agentSign(sock, blob, Buffer.from(message)),
            'ssh-agent signature',
          );
          const alg = sigBlob.text('algorithm');
          const sig = sigBlob.string('signature');
          if (alg === 'ssh-ed25519') return sig;
          if (alg === 'ecdsa-sha2-nistp256') return derEcdsa(sig);
          throw new InputError(
            'SSH_AGENT_FAILED',
            `ssh-agent signed with ${alg}, which sigil does not use`,
          );
        },
      };
    }
  }
  if (!existsSync(priv) || !looksLikeOpenSshPrivateKey(readTextFile(priv, 'SSH private key'))) {
    throw new InputError(
      'SSH_KEY_NOT_AVAILABLE',
      `${keyPath}: the key is not in ssh-agent${sock ? '' : ' (SSH_AUTH_SOCK is not set)'} and ${priv} is not an OpenSSH private key`,
      {
        hint: `load it with \`ssh-add ${priv}\`, or give the private key file`,
      },
    );
  }
  const parsed = parseOpenSshPrivateKey(readTextFile(priv, 'SSH private key'), priv);
  if (ssh && !ssh.blob.equals(parsed.publicKey.blob))
    throw new InputError('SSH_KEY_MISMATCH', `${pub} and ${priv} are not the same key`);
  sigilKeyOfSsh(parsed.publicKey, priv);
  const local = privateKeySigner(toPrivateKey(parsed.key));
  return {
    ...local,
    via: 'key file',
    ssh: parsed.publicKey,
    signSsh: async (message) => sshSignatureBlobOf(parsed.publicKey, await local.sign(message)),
  };
}
