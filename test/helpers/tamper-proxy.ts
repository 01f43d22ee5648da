// A man in the middle for interop tests: an HTTP proxy in front of `sigil serve` that passes
// index and metadata through (pointing absolute links at itself, as a real attacker would) and
// flips one byte in every artifact download it is told to tamper with. It shows that the real
// client refuses bytes that do not match the index with its own checksum error, independently
// of the registry's own check on read. Async node:http in the test process: clients must be
// started with an async spawn (runProgram), never spawnSync.
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TamperProxy {
  /** Base URL of the proxy, http://127.0.0.1:<port>. */
  readonly url: string;
  /** Paths whose response body was altered, in order. */
  readonly tampered: string[];
  close(): Promise<void>;
}

const readAll = async (stream: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

/** flipMiddleByte returns a copy of `body` with one bit of its middle byte inverted (same length, so only a digest can tell). */
export function flipMiddleByte(body: Buffer): Buffer {
  const out = Buffer.from(body);
  const at = Math.floor(out.length / 2);
  out[at] = out[at]! ^ 0x01;
  return out;
}

/**
 * startTamperProxy forwards every request to `target` (a base URL such as http://127.0.0.1:4000).
 * A 200 response whose path matches `tamper` gets one byte flipped; any other body that names
 * `target` has it replaced by the proxy's own URL, so clients keep coming back through it.
 */
export async function startTamperProxy(
  target: string,
  tamper: (path: string) => boolean,
): Promise<TamperProxy> {
  const upstream = new URL(target);
  const origin = upstream.origin;
  const tampered: string[] = [];
  let self = '';
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readAll(req);
      const headers = { ...req.headers, host: upstream.host };
      // Plain bodies only: the proxy must see (and may rewrite) the bytes.
      delete headers['accept-encoding'];
      const up = await new Promise<IncomingMessage>((resolve, reject) => {
        const r = request(
          {
            host: upstream.hostname,
            port: upstream.port,
            path: req.url,
            method: req.method,
            headers,
          },
          resolve,
        );
        r.on('error', reject);
        r.end(body);
      });
      let out = await readAll(up);
      const path = (req.url ?? '/').split('?')[0]!;
      const outHeaders = { ...up.headers };
      if (up.statusCode === 200 && tamper(path) && out.length > 0) {
        out = flipMiddleByte(out);
        tampered.push(path);
      } else if (out.includes(origin)) {
        out = Buffer.from(out.toString('utf8').split(origin).join(self));
        // The rewritten body is not what any validator or digest header described.
        delete outHeaders.etag;
        delete outHeaders['last-modified'];
        delete outHeaders['repr-digest'];
        delete outHeaders.digest;
      }
      delete outHeaders['transfer-encoding'];
      outHeaders['content-length'] = String(out.length);
      res.writeHead(up.statusCode ?? 502, outHeaders);
      res.end(out);
    })().catch((e: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tamper proxy: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    tampered,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
