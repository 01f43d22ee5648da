/**
 * Identify a Go module zip (go.dev/ref/mod#zip-files): every entry starts
 * with `<module>@<version>/`; the version exists only there (and in the
 * proxy's .info). A go.mod at the root, when present, must declare the same
 * module path (cmd/go checks this too). purl: type golang, namespace = the
 * module path without its last element (purl-spec types/golang-definition).
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity, NativeDigest } from '../adapter.js';
import { goModHash, hash1, readGoModuleZip } from './digest.js';
import { checkModuleVersion } from './module.js';
import { checkModuleZip } from './zip-rules.js';

/** moduleDirective reads the `module` directive of a go.mod (quoted or bare). */
export function moduleDirective(gomod: string): string | undefined {
  for (const raw of gomod.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    const m = /^module\s+(?:"((?:[^"\\]|\\.)*)"|`([^`]*)`|(\S+))\s*$/.exec(line);
    if (m) return m[1] ?? m[2] ?? m[3];
  }
  return undefined;
}

/** splitModulePath gives the purl namespace and name of a module path. */
export function splitModulePath(path: string): { namespace?: string; name: string } {
  const i = path.lastIndexOf('/');
  return i < 0 ? { name: path } : { namespace: path.slice(0, i), name: path.slice(i + 1) };
}

/** GoModuleFacts is what a module zip says about itself, and both of its go.sum hashes. */
export interface GoModuleFacts extends Identity {
  readonly modulePath: string;
  /** go.sum `<mod> <ver> h1:…` */
  readonly zipHash: NativeDigest;
  /** go.sum `<mod> <ver>/go.mod h1:…` (for a module without go.mod, Go synthesises "module <path>\n") */
  readonly goModHash: NativeDigest;
}

/** inspectGoModule reads a module zip once and gives its identity and both hashes. */
export async function inspectGoModule(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<GoModuleFacts> {
  const zip = await readGoModuleZip(artifact, options);
  const file = artifact.name;
  const first = zip.files[0];
  if (!first)
    throw new InputError(
      'GO_ZIP_INVALID',
      `${file} is an empty zip; a module zip holds <module>@<version>/ entries`,
      { file },
    );
  const at = /^([^@]+)@([^/]+)\//.exec(first.name);
  if (!at) {
    throw new InputError(
      'GO_ZIP_INVALID',
      `${file}: entry "${first.name}" does not start with <module>@<version>/`,
      {
        file,
        field: first.name,
        hint: 'is this a Go module zip? `go mod download -json <module>@<version>` gives the path of one',
      },
    );
  }
  const [prefix, modulePath, version] = [at[0], at[1]!, at[2]!];
  const stray = zip.files.find((f) => !f.name.startsWith(prefix));
  if (stray)
    throw new InputError('GO_ZIP_INVALID', `${file}: entry "${stray.name}" is outside ${prefix}`, {
      file,
      field: stray.name,
    });
  const mv = checkModuleVersion(modulePath, version);
  if (mv) throw new InputError('GO_ZIP_INVALID', `${file}: ${mv}`, { file, field: prefix });
  // The go command's own rules for module zips (golang.org/x/mod/zip): every problem at once.
  const problems = checkModuleZip(modulePath, version, artifact.size, zip.entries);
  if (problems.length > 0) {
    throw new InputError(
      'GO_ZIP_INVALID',
      `${file} is not a valid module zip:\n\t${problems.map((p) => (p.path ? `${p.path}: ${p.reason}` : p.reason)).join('\n\t')}`,
      {
        file,
        field: problems[0]!.path,
        hint: "build it with `sigil publish <module dir> --type golang --version vX.Y.Z` (the go command's rules)",
      },
    );
  }
  const gomod = zip.files.find((f) => f.name === `${prefix}go.mod`);
  let modBytes: Buffer;
  if (gomod) {
    const declared = moduleDirective(gomod.content.toString('utf8'));
    if (declared === undefined)
      throw new InputError('GO_MOD_INVALID', `${file}: ${gomod.name} has no module directive`, {
        file,
        field: gomod.name,
      });
    if (declared !== modulePath) {
      throw new InputError(
        'GO_NAME_MISMATCH',
        `${file}: the zip is for ${modulePath} but go.mod declares module ${declared}`,
        { file, field: gomod.name },
      );
    }
    modBytes = gomod.content;
  } else {
    modBytes = Buffer.from(`module ${modulePath}\n`, 'utf8');
  }
  const { namespace, name } = splitModulePath(modulePath);
  const purl = makePurl('golang', namespace, name, version);
  return {
    type: 'golang',
    ...(namespace ? { namespace } : {}),
    name,
    version,
    purl,
    modulePath,
    zipHash: {
      algorithm: 'h1',
      value: hash1(zip.files.map((f) => ({ name: f.name, content: f.content }))),
    },
    goModHash: { algorithm: 'h1-go.mod', value: goModHash(modBytes) },
  };
}

/** identifyGo gives the purl of a module zip. */
export async function identifyGo(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const f = await inspectGoModule(artifact, options);
  return f.namespace
    ? { type: f.type, namespace: f.namespace, name: f.name, version: f.version, purl: f.purl }
    : { type: f.type, name: f.name, version: f.version, purl: f.purl };
}
