/**
 * The outer tar of a `.gem` file, read with src/archive/tar.ts (the one tar
 * reader) under a gem's own rules.
 *
 * RubyGems writes gems with `Gem::Package::TarWriter`: ustar headers, regular
 * files only, long names split into `prefix/name`. Its reader follows no pax
 * or GNU extended headers and no links, so those are refused here: a name
 * Sigil read from an extended header could differ from the one `gem install`
 * sees. Member names are kept as the archive spells them ("./metadata.gz" is
 * not "metadata.gz", for RubyGems either). Member bytes are exact: the
 * signatures are over them.
 */
import { ArchiveError } from '../../archive/limits.js';
import { readTar } from '../../archive/tar.js';
import { InputError } from '../../core/errors.js';

/** TarMember is one regular file of a tar archive, with its bytes. */
export interface TarMember {
  readonly name: string;
  readonly data: Uint8Array;
}

/** TarLimits bounds what {@link readGemTar} accepts. */
export interface TarLimits {
  /** Maximum number of members. */
  readonly maxMembers: number;
  /** Maximum size of one member, in bytes. */
  readonly maxMemberBytes: number;
}

/** DEFAULT_GEM_TAR_LIMITS: a gem has a handful of members; data.tar.gz may be large. */
export const DEFAULT_GEM_TAR_LIMITS: TarLimits = {
  maxMembers: 64,
  maxMemberBytes: 512 * 1024 * 1024,
};

const TOO_LARGE = new Set([
  'ARCHIVE_TOO_MANY_ENTRIES',
  'ARCHIVE_ENTRY_TOO_LARGE',
  'ARCHIVE_TOO_LARGE',
]);

async function* oneChunk(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/**
 * readGemTar reads every regular file of an uncompressed tar archive, in
 * archive order (a repeated name appears as often as it occurs, each with
 * the bytes of its last occurrence; RubyGems refuses repeats anyway).
 *
 * Throws {@link InputError} with code `TAR_MALFORMED` (not a tar, truncated,
 * a link, an extended header, a path that climbs out) or `TAR_TOO_LARGE`
 * (a limit was exceeded).
 */
export async function readGemTar(
  bytes: Uint8Array,
  limits: TarLimits = DEFAULT_GEM_TAR_LIMITS,
): Promise<TarMember[]> {
  const names: string[] = [];
  let contents;
  try {
    contents = await readTar(oneChunk(bytes), {
      file: 'gem',
      gzip: false,
      limits: {
        maxEntries: limits.maxMembers,
        maxEntryBytes: limits.maxMemberBytes,
        maxTotalBytes: bytes.length + 1024,
      },
      select: () => true,
      onEntry: (e) => {
        const name = e.rawPath ?? e.path;
        if (e.extendedHeader)
          throw new InputError(
            'TAR_MALFORMED',
            `tar member ${JSON.stringify(name)} uses a pax or GNU extended header, which RubyGems does not read`,
          );
        if (e.type === 'file' && name !== e.path)
          // "./metadata.gz" and "metadata.gz" are one file to the reader, two to RubyGems.
          throw new InputError(
            'TAR_MALFORMED',
            `tar member ${JSON.stringify(name)} is not a plain name (RubyGems reads names as written)`,
          );
        if (e.type === 'file') names.push(name);
        else if (e.type !== 'directory')
          // Links could smuggle names past the checks of the verifier; gems never contain them.
          throw new InputError(
            'TAR_MALFORMED',
            `tar member ${JSON.stringify(name)} is a ${e.type}, which a gem never contains`,
          );
      },
    });
  } catch (e) {
    if (e instanceof ArchiveError)
      throw new InputError(TOO_LARGE.has(e.code) ? 'TAR_TOO_LARGE' : 'TAR_MALFORMED', e.message, {
        cause: e,
      });
    throw e;
  }
  if (names.length === 0) throw new InputError('TAR_MALFORMED', 'not a tar archive with members');
  return names.map((name) => ({ name, data: contents.files.get(name)! }));
}
