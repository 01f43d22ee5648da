/**
 * S3Objects: an {@link ObjectStore} on any S3-compatible server
 * (`@aws-sdk/client-s3`, pinned: releases after January 2027 need Node 22).
 *
 * Configured by a URL, `s3://bucket/optional/prefix?endpoint=http://host:port&region=…`.
 * Credentials come from the SDK's usual chain (AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY, profiles, instance roles), never from the URL, so
 * the URL can be logged. Non-AWS stores need path-style addressing and
 * checksums only WHEN_REQUIRED (since 3.729 the SDK otherwise sends CRC
 * headers that many S3-compatible servers reject: aws-sdk-js-v3#6810).
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { InputError } from '../../core/errors.js';
import type { ObjectStore } from './objects.js';
import { isUnavailable, StorageUnavailableError } from './unavailable.js';
import { StorageError } from '../contract.js';

export interface S3Location {
  readonly bucket: string;
  /** Key prefix ending in "/" (or empty). */
  readonly prefix: string;
  readonly endpoint: string | undefined;
  readonly region: string;
}

/** parseObjectsUrl reads `s3://bucket[/prefix]?endpoint=…&region=…`. */
export function parseObjectsUrl(text: string, field = '--objects'): S3Location {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError('OBJECTS_URL_INVALID', `${field}: ${JSON.stringify(text)} is not a URL`, {
      field,
      hint: 'write it as s3://bucket?endpoint=http://host:9000 (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)',
    });
  }
  if (u.protocol !== 's3:' || u.hostname === '')
    throw new InputError(
      'OBJECTS_URL_INVALID',
      `${field}: expected s3://bucket…, got ${JSON.stringify(text)}`,
      {
        field,
        hint: 'write it as s3://bucket?endpoint=http://host:9000',
      },
    );
  if (u.username !== '' || u.password !== '')
    throw new InputError('OBJECTS_URL_INVALID', `${field}: credentials do not belong in the URL`, {
      field,
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment instead',
    });
  const prefix = u.pathname.replace(/^\/+/, '');
  return {
    bucket: u.hostname,
    prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
    endpoint: u.searchParams.get('endpoint') ?? undefined,
    region: u.searchParams.get('region') ?? 'us-east-1',
  };
}

/** Attempts per request (SDK retry with backoff, for 5xx, throttling and resets). */
const MAX_ATTEMPTS = 4;

export class S3Objects implements ObjectStore {
  readonly description: string;
  private readonly client: S3Client;

  constructor(readonly location: S3Location) {
    this.description = `s3://${location.bucket}/${location.prefix}${location.endpoint ? ` at ${location.endpoint}` : ''}`;
    this.client = new S3Client({
      region: location.region,
      endpoint: location.endpoint,
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: MAX_ATTEMPTS,
    });
  }

  private fail(op: string, key: string, e: unknown): never {
    if (isUnavailable(e))
      throw new StorageUnavailableError(`the object store ${this.description}`, e);
    throw new StorageError(`object store ${op} of ${key} failed: ${(e as Error).message}`, {
      cause: e,
      hint: `check the bucket and the credentials of ${this.description}`,
    });
  }

  async put(
    key: string,
    data: Uint8Array,
    contentType = 'application/octet-stream',
  ): Promise<void> {
    const k = this.location.prefix + key;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.location.bucket,
          Key: k,
          Body: data,
          ContentType: contentType,
        }),
      );
    } catch (e) {
      this.fail('PUT', k, e);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    const k = this.location.prefix + key;
    try {
      const r = await this.client.send(
        new GetObjectCommand({ Bucket: this.location.bucket, Key: k }),
      );
      return r.Body ? await r.Body.transformToByteArray() : new Uint8Array();
    } catch (e) {
      if (
        e instanceof NoSuchKey ||
        (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
      )
        return undefined;
      this.fail('GET', k, e);
    }
  }

  async delete(key: string): Promise<void> {
    const k = this.location.prefix + key;
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.location.bucket, Key: k }));
    } catch (e) {
      this.fail('DELETE', k, e);
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
