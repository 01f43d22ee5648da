/**
 * xz decompression (for .deb members such as control.tar.xz), through the
 * xz-decompress package (XZ Embedded compiled to WebAssembly: no native
 * addon). Output is bounded: decompression stops and fails past `maxBytes`.
 */
import xzDecompressModule from 'xz-decompress';
import { archiveError } from './limits.js';

// xz-decompress is CommonJS: Node's ESM loader gives it as a default export only.
const { XzReadableStream } = xzDecompressModule;

export async function xzDecompress(
  data: Uint8Array,
  file: string,
  maxBytes: number,
): Promise<Buffer> {
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(data);
      controller.close();
    },
  });
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    const reader = new XzReadableStream(input).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw archiveError(
          'ARCHIVE_TOO_LARGE',
          file,
          `decompresses to more than ${maxBytes} bytes (limit)`,
        );
      }
      chunks.push(Buffer.from(value));
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ARCHIVE_TOO_LARGE') throw e;
    throw archiveError(
      'ARCHIVE_CORRUPT',
      file,
      `is not valid xz data (${(e as Error).message ?? String(e)})`,
    );
  }
  return Buffer.concat(chunks);
}
