/**
 * RegistryClient: the JSON API of a Sigil registry (`sigil serve`), for the
 * CLI's publish and fetch. Errors come back as SigilErrors carrying the
 * server's code, message and hint.
 */
import { SigilError } from '../core/errors.js';
import type { DsseEnvelope } from '../core/dsse.js';
import type { ReleaseRecord } from '../core/release-record.js';

export class RegistryRequestError extends SigilError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    hint?: string,
  ) {
    super(code, message, hint === undefined ? {} : { hint });
  }
}

export interface LedgerView {
  readonly namespace: string;
  readonly ledger: string;
  readonly keys: readonly { keyId: string; algorithm: string; pem: string }[];
  readonly head: string | null;
  readonly resetInHistory: boolean;
}

/** An upload: sent as multipart/form-data with the artifact's raw bytes (no base64). */
export interface PublishUpload {
  readonly filename: string;
  readonly artifact: Uint8Array;
  readonly bundle: unknown;
  readonly keyEvents?: readonly DsseEnvelope[];
  readonly type?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly version?: string;
}

export class RegistryClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly options: { token?: string; otp?: string } = {},
  ) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: T }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined && !(body instanceof FormData))
      headers['content-type'] = 'application/json'; // a form sets its own, with the boundary
    if (this.options.token) headers['authorization'] = `Bearer ${this.options.token}`;
    if (this.options.otp) headers['x-sigil-otp'] = this.options.otp;
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined
          ? { body: body instanceof FormData ? body : JSON.stringify(body) }
          : {}),
      });
    } catch (e) {
      throw new SigilError(
        'REGISTRY_UNREACHABLE',
        `cannot reach ${this.baseUrl}: ${(e as Error & { cause?: Error }).cause?.message ?? (e as Error).message}`,
        {
          hint: 'is `sigil serve` running there? check --server',
        },
      );
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch {
      throw new RegistryRequestError(
        res.status,
        'REGISTRY_BAD_RESPONSE',
        `${method} ${path}: the registry answered ${res.status} with non-JSON`,
      );
    }
    if (!res.ok) {
      const err =
        (json as { error?: { code?: string; message?: string; hint?: string } }).error ?? {};
      throw new RegistryRequestError(
        res.status,
        err.code ?? `HTTP_${res.status}`,
        err.message ?? `${method} ${path}: HTTP ${res.status}`,
        err.hint,
      );
    }
    return { status: res.status, json: json as T };
  }

  async publish(upload: PublishUpload): Promise<{ status: number; record: ReleaseRecord }> {
    const form = new FormData();
    form.append('artifact', new Blob([upload.artifact]), upload.filename);
    form.append('filename', upload.filename);
    if (upload.bundle !== null && upload.bundle !== undefined)
      form.append(
        'bundle',
        typeof upload.bundle === 'string' ? upload.bundle : JSON.stringify(upload.bundle),
      );
    if (upload.keyEvents && upload.keyEvents.length > 0)
      form.append('keyEvents', JSON.stringify(upload.keyEvents));
    for (const field of ['type', 'namespace', 'name', 'version'] as const) {
      const value = upload[field];
      if (value !== undefined) form.append(field, value);
    }
    const r = await this.request<ReleaseRecord>('POST', '/api/v1/publish', form);
    return { status: r.status, record: r.json };
  }

  async release(purl: string): Promise<ReleaseRecord> {
    return (
      await this.request<ReleaseRecord>('GET', `/api/v1/releases/${encodeURIComponent(purl)}`)
    ).json;
  }

  async ledger(namespace: string): Promise<LedgerView> {
    return (
      await this.request<LedgerView>('GET', `/api/v1/ledger/${encodeURIComponent(namespace)}`)
    ).json;
  }

  /** ledgers: many namespaces' key events in one request (POST /api/v1/ledger/lookup). */
  async ledgers(
    namespaces: readonly string[],
    treeSize?: number,
  ): Promise<{ ledgers: Record<string, unknown>; heads?: unknown }> {
    return (
      await this.request<{ ledgers: Record<string, unknown>; heads?: unknown }>(
        'POST',
        '/api/v1/ledger/lookup',
        { namespaces, ...(treeSize !== undefined ? { treeSize } : {}) },
      )
    ).json;
  }

  async submitKeyEvent(envelope: DsseEnvelope): Promise<{ logIndex: number; namespace: string }> {
    return (
      await this.request<{ logIndex: number; namespace: string }>('POST', '/api/v1/key-events', {
        envelope,
      })
    ).json;
  }

  async download(url: string, maxBytes: number): Promise<Buffer> {
    const res = await fetch(url);
    if (!res.ok) {
      // Say what the registry said (e.g. STORAGE_ERROR: it refuses stored bytes that are not the logged ones).
      const said = await res
        .json()
        .then((j) => (j as { error?: { code?: string; message?: string } }).error)
        .catch(() => undefined);
      throw new RegistryRequestError(
        res.status,
        'DOWNLOAD_FAILED',
        `GET ${url}: HTTP ${res.status}${said?.code ? ` ${said.code}` : ''}${said?.message ? `: ${said.message}` : ''}`,
      );
    }
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > maxBytes)
      throw new RegistryRequestError(
        413,
        'DOWNLOAD_TOO_LARGE',
        `${url} is ${len} bytes, more than the ${maxBytes}-byte limit`,
      );
    const buf = Buffer.from(await res.arrayBuffer());
    if (buf.length > maxBytes)
      throw new RegistryRequestError(
        413,
        'DOWNLOAD_TOO_LARGE',
        `${url} is more than ${maxBytes} bytes`,
      );
    return buf;
  }
}
