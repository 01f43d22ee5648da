/**
 * Which package.json npm installs from a tarball (issue 11 item 12).
 *
 * Attack ("manifest confusion" inside the tarball): a tarball holding
 * `package/package.json` (name A) and `evil/package.json` (name B) was
 * identified — and signed, and served in the packument — as A, while npm
 * installs B's manifest (its dependencies, scripts, bin).
 *
 * How npm really extracts (read from npm 11's pacote 21 `lib/fetcher.js`
 * `#tarxOptions` and node-tar 7 `unpack.js` `[CHECKPATH]`):
 * - pacote extracts with `strip: 1`: the FIRST path component of every entry
 *   is dropped, whatever its name (`package/`, `evil/`, `.`) — npm has no
 *   notion of "the" top folder; `a/package.json` and `b/package.json` both
 *   land on `<dest>/package.json`;
 * - entries are written in archive order, so the LAST regular file written
 *   to a path is the one installed; pacote's filter keeps only File entries
 *   (links are dropped, directories only implied);
 * - after stripping, `.` and empty components resolve away
 *   (`package/./package.json` is the manifest too), entries with `..` are
 *   skipped, and a single-component entry (`package.json` at the root)
 *   strips to nothing and is skipped;
 * - on POSIX a backslash is part of a file name; on Windows node-tar reads
 *   it as a separator — the same tarball installs differently.
 * pacote's `manifest()` for a tarball then reads `<dest>/package.json`.
 *
 * Sigil therefore reads the manifest npm installs — the one entry whose
 * stripped path is `package.json` — and refuses every layout where that is
 * not unambiguous: entries outside one single top folder (a second top
 * folder, a root-level file, a `.` top folder), more than one entry npm
 * would write to `package.json`, a manifest that is not a regular file, and
 * backslashes in entry names.
 */
import { InputError } from '../../core/errors.js';

/** LayoutEntry is what the check needs of a tar entry: its path as the archive spells it, and its type. */
export interface LayoutEntry {
  readonly rawPath: string;
  readonly type: 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';
}

/** npmInstallPath is where npm writes an entry, relative to the package folder; undefined when npm skips it. */
export function npmInstallPath(rawPath: string): string | undefined {
  const rest = rawPath.split('/').slice(1); // strip: 1
  if (rest.includes('..')) return undefined;
  const p = rest.filter((c) => c !== '' && c !== '.').join('/');
  return p === '' ? undefined : p;
}

/**
 * checkNpmLayout refuses a tarball npm would install ambiguously and returns
 * the entry npm installs as package.json (undefined when there is none).
 * Throws InputError NPM_LAYOUT_AMBIGUOUS / NPM_MANIFEST_AMBIGUOUS / NPM_MANIFEST_NOT_FILE.
 */
export function checkNpmLayout<E extends LayoutEntry>(
  file: string,
  entries: readonly E[],
): E | undefined {
  const hint = 'rebuild the tarball with `npm pack` (one top folder, "package/", one package.json)';
  const tops = new Set<string>();
  for (const e of entries) {
    if (e.rawPath.includes('\\')) {
      throw new InputError(
        'NPM_LAYOUT_AMBIGUOUS',
        `${file}: entry "${e.rawPath}" has a backslash in its name: npm on Windows and on other systems would install it in different places`,
        { file, hint },
      );
    }
    const top = e.rawPath.split('/')[0]!;
    if (
      top === '' ||
      top === '.' ||
      (e.rawPath.split('/').filter((c) => c !== '').length < 2 && e.type !== 'directory')
    ) {
      throw new InputError(
        'NPM_LAYOUT_AMBIGUOUS',
        `${file}: entry "${e.rawPath}" is not inside a top folder; npm strips the first path component of every entry`,
        { file, hint },
      );
    }
    tops.add(top);
  }
  if (tops.size > 1) {
    const names = [...tops]
      .slice(0, 4)
      .map((t) => `"${t}/"`)
      .join(', ');
    throw new InputError(
      'NPM_LAYOUT_AMBIGUOUS',
      `${file}: entries under ${tops.size} top folders (${names}); npm strips every top folder and installs them over each other`,
      { file, hint },
    );
  }
  const manifests = entries.filter((e) => npmInstallPath(e.rawPath) === 'package.json');
  if (manifests.length > 1) {
    throw new InputError(
      'NPM_MANIFEST_AMBIGUOUS',
      `${file}: ${manifests.length} entries install as package.json (${manifests
        .slice(0, 4)
        .map((m) => `"${m.rawPath}"`)
        .join(', ')}); npm would use the last one`,
      { file, hint },
    );
  }
  const m = manifests[0];
  if (m && m.type !== 'file') {
    throw new InputError(
      'NPM_MANIFEST_NOT_FILE',
      `${file}: ${m.rawPath} is a ${m.type}, not a regular file (npm skips it)`,
      { file, hint: 'npm tarballs must hold package.json itself; rebuild with `npm pack`' },
    );
  }
  return m;
}
