/**
 * Identify a WordPress plugin or theme zip (as downloads.wordpress.org
 * serves them): one top folder named after the slug.
 * - theme: `<slug>/style.css` has a `Theme Name:` header; `Version:` gives the version;
 * - plugin: a `<slug>/*.php` file has a `Plugin Name:` header (WordPress
 *   get_plugins() looks only at PHP files directly in the plugin folder).
 * Headers are read the way WordPress's get_file_data() reads them: the first
 * 8 KiB, `^[ \t/*#@]*Header:(.*)$` case-insensitively, cut at `*\/` or `?>`.
 *
 * purl: the purl spec has no WordPress type; "wordpress" is listed among its
 * candidate types (PURL-TYPES "Other candidate types to define"). Sigil uses
 * `pkg:wordpress/plugin/<slug>@<version>` and `pkg:wordpress/theme/<slug>@<version>`:
 * plugins and themes are separate directories on wordpress.org, and one slug
 * may exist in both.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { missingMetadata, openZip, refuseDuplicates, topDirectory } from '../support/archive.js';

const SLUG = /^[a-z0-9][a-z0-9_.-]*$/i;

/** wpHeader reads one header the way WordPress get_file_data() does. */
export function wpHeader(data: string, header: string): string | undefined {
  const text = data.slice(0, 8192).replace(/\r/g, '\n');
  const escaped = header.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  const m = new RegExp(`^(?:[ \\t]*<\\?php)?[ \\t/*#@]*${escaped}:(.*)$`, 'mi').exec(text);
  if (!m) return undefined;
  const v = m[1]!.replace(/\s*(?:\*\/|\?>).*/, '').trim();
  return v === '' ? undefined : v;
}

export async function identifyWordpress(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const zip = await openZip(artifact, options, (e) =>
    /^[^/]+\/([^/]+\.php|style\.css)$/.test(e.path),
  );
  refuseDuplicates(
    file,
    zip.entries.map((e) => e.path),
  );
  const slug = topDirectory(zip.entries.map((e) => e.path));
  if (slug === undefined)
    throw missingMetadata(
      'WORDPRESS_LAYOUT_INVALID',
      file,
      'single top folder <slug>/',
      'a plugin or theme zip holds one folder named after its slug',
    );
  if (!SLUG.test(slug))
    throw new InputError(
      'WORDPRESS_LAYOUT_INVALID',
      `${file}: "${slug}" is not a plugin/theme slug`,
      { file, field: slug },
    );
  const text = (p: string) => zip.files.get(p)?.subarray(0, 8192).toString('utf8');
  let kind: 'plugin' | 'theme' | undefined;
  let where = '';
  let version: string | undefined;
  const css = text(`${slug}/style.css`);
  if (css !== undefined && wpHeader(css, 'Theme Name') !== undefined) {
    kind = 'theme';
    where = `${slug}/style.css`;
    version = wpHeader(css, 'Version');
  } else {
    const phps = [...zip.files.keys()].filter((p) => p.endsWith('.php')).sort();
    // WordPress takes the first PHP file with a Plugin Name header; prefer <slug>/<slug>.php as wordpress.org does.
    phps.sort((a, b) => Number(b === `${slug}/${slug}.php`) - Number(a === `${slug}/${slug}.php`));
    for (const p of phps) {
      const t = text(p)!;
      if (wpHeader(t, 'Plugin Name') !== undefined) {
        kind = 'plugin';
        where = p;
        version = wpHeader(t, 'Version');
        break;
      }
    }
  }
  if (kind === undefined) {
    throw missingMetadata(
      'WORDPRESS_HEADER_MISSING',
      file,
      `"Plugin Name:" header in ${slug}/*.php or "Theme Name:" header in ${slug}/style.css`,
      'is this a WordPress plugin or theme zip?',
    );
  }
  if (version === undefined) {
    throw new InputError('WORDPRESS_HEADER_INVALID', `${file}: ${where} has no "Version:" header`, {
      file,
      field: `${where}#Version`,
      hint: 'add "Version: x.y.z" to the header block',
    });
  }
  if (!/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(version))
    throw new InputError(
      'WORDPRESS_HEADER_INVALID',
      `${file}: ${where}: Version "${version}" is not a version`,
      { file, field: `${where}#Version` },
    );
  const name = slug.toLowerCase();
  return {
    type: 'wordpress',
    namespace: kind,
    name,
    version,
    purl: makePurl('wordpress', kind, name, version),
  };
}
