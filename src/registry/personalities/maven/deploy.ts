/**
 * Deploy by HTTP PUT, as `mvn deploy` / `deploy:deploy-file` sends it, fed into the one
 * publish pipeline (docs/maven.md):
 *   - an artifact (jar, pom, …): its coordinates (pom.properties / POM) must match the
 *     path, then it is published like `sigil publish <file>` (logged, countersigned,
 *     immutable: the same version with other bytes is refused);
 *   - a checksum sidecar (.sha1/.sha256/.sha512/.md5): must equal the checksum of the file
 *     deployed at that path, or of Sigil's maven-metadata.xml for it; nothing is stored;
 *   - maven-metadata.xml: must name the groupId/artifactId of its path; not stored (Sigil
 *     writes its own from the releases);
 *   - .asc and anything else: refused.
 */
import { createHash } from 'node:crypto';
import { describeArtifact } from '../../../ecosystems/describe.js';
import { memoryArtifact } from '../../../ecosystems/memory-artifact.js';
import { InputError } from '../../../core/errors.js';
import { parsePurl } from '../../../core/purl.js';
import { RegistryError } from '../../errors.js';
import type { RegistryContext } from '../../publish.js';
import { publishRelease } from '../../publish.js';
import { CHECKSUMS, type ChecksumExt, type MavenRepository } from './repository.js';

const SEGMENT = /^[A-Za-z0-9_.+-]+$/;

export interface DeployRequest {
  readonly path: string;
  readonly body: Buffer;
  readonly account?: string;
  readonly authorize?: (namespace: string, action: 'publish' | 'keys') => void;
}

function pathOfPurl(
  groupId: string,
  artifactId: string,
  version: string,
  qualifiers: Record<string, string>,
): string {
  const classifier = qualifiers.classifier ? `-${qualifiers.classifier}` : '';
  return `${groupId.split('.').join('/')}/${artifactId}/${version}/${artifactId}-${version}${classifier}.${qualifiers.type ?? 'jar'}`;
}

export async function deploy(
  ctx: RegistryContext,
  repo: MavenRepository,
  req: DeployRequest,
): Promise<{ status: number; body: unknown }> {
  const { path, body } = req;
  const parts = path.split('/');
  if (parts.length < 3 || !parts.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..')) {
    throw new RegistryError(
      400,
      'MAVEN_PATH_INVALID',
      `${path}: not a Maven repository path (<group path>/<artifactId>/<version>/<file>)`,
    );
  }
  const file = parts.at(-1)!;
  const sidecar = /^(.*)\.(sha1|sha256|sha512|md5)$/.exec(path);
  if (sidecar) {
    const target = await repo.file(sidecar[1]!);
    if (!target)
      throw new RegistryError(
        409,
        'MAVEN_CHECKSUM_ORPHAN',
        `${path}: nothing is deployed at ${sidecar[1]}; deploy the file before its checksum`,
      );
    const want = createHash(CHECKSUMS[sidecar[2] as ChecksumExt])
      .update(target.bytes)
      .digest('hex');
    const got = body.toString('utf8').trim().split(/\s+/)[0]!.toLowerCase();
    // maven-metadata.xml is Sigil's own; the client's checksum is of the client's copy
    if (!sidecar[1]!.endsWith('/maven-metadata.xml') && got !== want) {
      throw new RegistryError(
        400,
        'MAVEN_CHECKSUM_MISMATCH',
        `${path}: ${sidecar[2]} ${got.slice(0, 16)}… does not match the deployed file (${want.slice(0, 16)}…)`,
      );
    }
    return {
      status: 201,
      body: { path, checked: sidecar[1]!.endsWith('/maven-metadata.xml') ? false : sidecar[2] },
    };
  }
  if (file === 'maven-metadata.xml') {
    const text = body.toString('utf8');
    const g = /<groupId>\s*([^<]*?)\s*<\/groupId>/.exec(text)?.[1];
    const a = /<artifactId>\s*([^<]*?)\s*<\/artifactId>/.exec(text)?.[1];
    if (
      !/^\s*(<\?xml[^>]*\?>\s*)?<metadata[\s>]/.test(text) ||
      g === undefined ||
      a === undefined
    ) {
      throw new RegistryError(
        400,
        'MAVEN_METADATA_INVALID',
        `${path}: not a maven-metadata.xml (<metadata> with <groupId> and <artifactId>)`,
      );
    }
    const dir = parts.slice(0, -1);
    const atArtifact = `${g.split('.').join('/')}/${a}` === dir.join('/');
    const atVersion = `${g.split('.').join('/')}/${a}` === dir.slice(0, -1).join('/');
    if (!atArtifact && !atVersion)
      throw new RegistryError(
        400,
        'MAVEN_COORDINATES_MISMATCH',
        `${path}: maven-metadata.xml names ${g}:${a}, not the artifact of its path`,
      );
    return { status: 201, body: { path, stored: false } };
  }
  if (file.endsWith('.asc'))
    throw new RegistryError(
      400,
      'MAVEN_ASC_NOT_STORED',
      `${path}: author OpenPGP signatures are not stored; Sigil serves .asc by the registry key`,
      'sign with `sigil publish --key` instead (the .sigstore.json beside the file)',
    );
  let described;
  try {
    described = await describeArtifact(memoryArtifact(file, body), { type: 'maven' });
  } catch (e) {
    if (e instanceof InputError)
      throw new RegistryError(400, 'ARTIFACT_INVALID', e.message, e.hint);
    throw e;
  }
  const id = described.identity;
  const q = { ...(parsePurl(id.purl).qualifiers ?? {}) } as Record<string, string>;
  const expected = pathOfPurl(id.namespace ?? '', id.name, id.version, q);
  if (expected !== path) {
    throw new RegistryError(
      400,
      'MAVEN_COORDINATES_MISMATCH',
      `${path}: the file is ${id.namespace}:${id.name}:${id.version} (expected at ${expected})`,
    );
  }
  if (/-SNAPSHOT$/i.test(id.version))
    throw new RegistryError(
      400,
      'MAVEN_SNAPSHOT_REFUSED',
      `${path}: SNAPSHOT versions are not published to Sigil (releases are immutable)`,
    );
  const outcome = await publishRelease(ctx, {
    filename: file,
    artifact: body,
    bundle: null,
    keyEvents: [],
    type: 'maven',
    ...(req.account ? { account: req.account } : {}),
    ...(req.authorize ? { authorize: req.authorize } : {}),
  });
  return { status: outcome.status, body: outcome.record };
}
