/**
 * Magic bytes: what an archive's first bytes say it is. Kept free of imports
 * so ecosystem detection (src/ecosystems/descriptors.ts) stays light.
 */
/** isZipHead tells whether bytes start like a zip archive (local file header or empty archive). */
export function isZipHead(head: Uint8Array): boolean {
  return (
    head.length >= 4 &&
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 3 || head[2] === 5) &&
    (head[3] === 4 || head[3] === 6)
  );
}

/** isGzipHead tells whether bytes start with the gzip magic. */
export function isGzipHead(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** firstZipEntryName reads the name in the zip's first local file header, when the head holds it. */
export function firstZipEntryName(head: Uint8Array): string | undefined {
  if (!isZipHead(head) || head.length < 30 || head[2] !== 3) return undefined;
  const len = head[26]! | (head[27]! << 8);
  if (30 + len > head.length) return undefined;
  return Buffer.from(head.subarray(30, 30 + len)).toString('utf8');
}
