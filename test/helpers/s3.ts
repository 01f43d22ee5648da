// A real S3 protocol server for tests: s3rver 3.7 (npm) in a child process, on a loopback
// port, storing objects in a temp folder. stop()/start() take it down and up on the same
// port and folder (the "object store unavailable" fault). Credentials: s3rver accepts
// S3RVER/S3RVER; tests set them in the environment as the SDK's default chain reads them.
import { spawn, type ChildProcess } from 'node:child_process';
import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./s3rver-child.mjs', import.meta.url));

export interface S3Server {
  readonly endpoint: string;
  readonly bucket: string;
  /** s3://bucket?endpoint=… for --objects. */
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

export function s3Credentials(): void {
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
}

function launch(
  dir: string,
  port: number,
  bucket: string,
): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(port), bucket], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^(\d+)\n/.exec(out);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.on('exit', (code) => reject(new Error(`s3rver exited ${code}: ${err}`)));
  });
}

export async function startS3(bucket = 'sigil'): Promise<S3Server> {
  s3Credentials();
  const dir = mkdtempSync(join(tmpdir(), 'sigil-s3-'));
  let { child, port } = await launch(dir, 0, bucket);
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  };
  return {
    endpoint,
    bucket,
    url: `s3://${bucket}?endpoint=${encodeURIComponent(endpoint)}`,
    dir,
    stop,
    async start() {
      ({ child } = await launch(dir, port, bucket));
    },
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** copyBucket is what `aws s3 sync` / `rclone sync` do: every object, same key, same bytes. */
export async function copyBucket(from: S3Server, to: S3Server): Promise<number> {
  const client = (endpoint: string) =>
    new S3Client({
      endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const src = client(from.endpoint);
  const dst = client(to.endpoint);
  let copied = 0;
  let token: string | undefined;
  do {
    const page = await src.send(
      new ListObjectsV2Command({ Bucket: from.bucket, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) {
      const got = await src.send(new GetObjectCommand({ Bucket: from.bucket, Key: o.Key! }));
      const body = await got.Body!.transformToByteArray();
      await dst.send(new PutObjectCommand({ Bucket: to.bucket, Key: o.Key!, Body: body }));
      copied++;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  src.destroy();
  dst.destroy();
  return copied;
}
