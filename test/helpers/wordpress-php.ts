// WordPress core's own download_url() + verify_file_signature(), run by php-cli through
// test/personalities/wordpress/download.php, for the WordPress tests; and a plugin zip builder.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { makeZip } from '../ecosystems/helpers.js';

export const WP = '/usr/share/wordpress';
const HARNESS = join(import.meta.dirname, '../personalities/wordpress/download.php');

/** A plugin zip: `<slug>/<slug>.php` with the headers WordPress reads. */
export function plugin(slug: string, version: string, extra = ''): Buffer {
  return makeZip([
    { name: `${slug}/` },
    {
      name: `${slug}/${slug}.php`,
      data: `<?php\n/*\n * Plugin Name: ${slug}\n * Version: ${version}\n */\n${extra}\n`,
    },
  ]);
}

// async: the registry is served by this same process, so a blocking spawn would deadlock
export function wpDownload(
  url: string,
  key: string,
): Promise<{
  status: number | null;
  out: { ok: boolean; code?: string; message?: string; file?: string; sha384?: string };
  raw: string;
}> {
  return new Promise((resolve) => {
    const p = spawn('php', [HARNESS, WP, url, key]);
    let raw = '';
    p.stdout.on('data', (d) => (raw += d));
    p.stderr.on('data', (d) => (raw += d));
    p.on('close', (status) => {
      let out = { ok: false } as { ok: boolean };
      try {
        out = JSON.parse(raw.trim().split('\n').at(-1)!);
      } catch {
        /* asserted by the caller with raw */
      }
      resolve({ status, out, raw });
    });
  });
}
