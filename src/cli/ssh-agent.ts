/**
 * A minimal ssh-agent client (draft-miller-ssh-agent): list identities and ask
 * the agent to sign. The private key never leaves the agent.
 */
import { connect } from 'node:net';
import { InputError } from '../core/errors.js';
import { WireReader, wireString, wireUint32 } from '../foreign/ssh/wire.js';

const REQUEST_IDENTITIES = 11;
const IDENTITIES_ANSWER = 12;
const SIGN_REQUEST = 13;
const SIGN_RESPONSE = 14;
const FAILURE = 5;

function request(
  socketPath: string,
  type: number,
  body: Buffer,
  timeoutMs = 30_000,
): Promise<{ type: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const chunks: Buffer[] = [];
    let got = 0;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(
        new InputError(
          'SSH_AGENT_TIMEOUT',
          `ssh-agent at ${socketPath} did not answer within ${timeoutMs / 1000} s (is it asking for confirmation?)`,
        ),
      );
    }, timeoutMs);
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(
        new InputError(
          'SSH_AGENT_UNREACHABLE',
          `cannot reach ssh-agent at ${socketPath}: ${e.message}`,
          { hint: 'start one with `eval $(ssh-agent)` and `ssh-add` your key' },
        ),
      );
    });
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      const all = Buffer.concat(chunks, got);
      if (all.length >= 4 && all.length >= 4 + all.readUInt32BE(0)) {
        clearTimeout(timer);
        sock.end();
        const len = all.readUInt32BE(0);
        resolve({ type: all[4]!, body: all.subarray(5, 4 + len) });
      }
    });
    const msg = Buffer.concat([Buffer.from([type]), body]);
    sock.write(Buffer.concat([wireUint32(msg.length), msg]));
  });
}

export interface AgentIdentity {
  readonly blob: Buffer;
  readonly comment: string;
}

export async function agentIdentities(socketPath: string): Promise<AgentIdentity[]> {
  const r = await request(socketPath, REQUEST_IDENTITIES, Buffer.alloc(0));
  if (r.type !== IDENTITIES_ANSWER)
    throw new InputError('SSH_AGENT_FAILED', `ssh-agent at ${socketPath} refused to list its keys`);
  const w = new WireReader(r.body, 'ssh-agent identities');
  const n = w.uint32('count');
  const out: AgentIdentity[] = [];
  for (let i = 0; i < n; i++) out.push({ blob: w.string('key'), comment: w.text('comment') });
  return out;
}

/** agentSign returns the signature blob (string(algorithm) string(signature)). */
export async function agentSign(
  socketPath: string,
  keyBlob: Buffer,
  data: Buffer,
): Promise<Buffer> {
  const r = await request(
    socketPath,
    SIGN_REQUEST,
    Buffer.concat([wireString(keyBlob), wireString(data), wireUint32(0)]),
  );
  if (r.type === FAILURE)
    throw new InputError(
      'SSH_AGENT_FAILED',
      'ssh-agent refused to sign (the key may need confirmation, or was removed)',
    );
  if (r.type !== SIGN_RESPONSE)
    throw new InputError(
      'SSH_AGENT_FAILED',
      `ssh-agent answered message type ${r.type} to a sign request`,
    );
  return new WireReader(r.body, 'ssh-agent signature').string('signature');
}
