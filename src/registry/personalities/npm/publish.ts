/**
 * publishNpmPackage: `npm publish` (PUT /<name>) after its body was parsed.
 * Checks that the tarball is the package the body names, publishes through
 * the one pipeline (publish.ts), stores npm's tarball facts and dist-tags,
 * and translates the pipeline's refusals into what npm users expect
 * (403 for a version that exists, a hint for packages that require
 * signatures `npm publish` cannot make).
 */
import { InputError } from '../../../core/errors.js';
import type { DsseEnvelope } from '../../../core/dsse.js';
import { RegistryError } from '../../errors.js';
import {
  publishRelease,
  type PublishOutcome,
  type PublishRequest,
  type RegistryContext,
} from '../../publish.js';
import { computeNpmTarballFacts } from './facts.js';
import { tarballFile } from './packument.js';
import { parseNpmName } from './paths.js';
import type { NpmPublishBody } from './publish-body.js';

export interface NpmPublishCaller {
  readonly account?: string;
  /** Per-namespace authorization of the pipeline (publishClaims). */
  readonly authorize?: PublishRequest['authorize'];
}

/** publishNpmPackage publishes `name` from a parsed body; a second publish of a version throws 403 VERSION_EXISTS. */
export async function publishNpmPackage(
  ctx: RegistryContext,
  name: string,
  body: NpmPublishBody,
  caller: NpmPublishCaller,
): Promise<PublishOutcome> {
  const p = parseNpmName(name)!;
  const file = tarballFile(p.bare, body.version);

  // The tarball must be the package the body names (npm made both from one package.json).
  let facts;
  try {
    facts = await computeNpmTarballFacts(file, body.tarball);
  } catch (e) {
    if (e instanceof InputError)
      throw new RegistryError(400, 'ARTIFACT_INVALID', e.message, e.hint);
    throw e;
  }
  const tName = facts.manifest['name'];
  const tVersion =
    typeof facts.manifest['version'] === 'string'
      ? facts.manifest['version'].replace(/^v/, '')
      : facts.manifest['version'];
  if (tName !== name || tVersion !== body.version) {
    throw new RegistryError(
      400,
      'NPM_PUBLISH_MISMATCH',
      `the tarball's package.json says ${JSON.stringify(tName)}@${JSON.stringify(tVersion)}, but the body publishes ${name}@${body.version}`,
      'publish with `npm publish` from the package folder, or fix package.json',
    );
  }

  const exists = () =>
    new RegistryError(
      403,
      'VERSION_EXISTS',
      `You cannot publish over the previously published versions: ${body.version}.`,
      `${name}@${body.version} is already published and versions are immutable; bump the version`,
    );
  let outcome;
  try {
    outcome = await publishRelease(ctx, {
      filename: file,
      artifact: body.tarball,
      bundle: body.bundle,
      keyEvents: body.keyEvents as DsseEnvelope[],
      type: 'npm',
      ...(caller.account ? { account: caller.account } : {}),
      ...(caller.authorize ? { authorize: caller.authorize } : {}),
    });
  } catch (e) {
    if (
      e instanceof RegistryError &&
      (e.code === 'VERSION_EXISTS' || e.code === 'PUBLISH_IN_PROGRESS')
    )
      throw e.code === 'VERSION_EXISTS'
        ? exists()
        : new RegistryError(403, e.code, e.message, e.hint);
    if (e instanceof RegistryError && e.code === 'AUTHOR_SIGNATURE_REQUIRED') {
      throw new RegistryError(
        403,
        e.code,
        `${name} only accepts releases signed by its authors, and \`npm publish\` cannot sign`,
        `npm pack && sigil publish ${file} --key <your .key> --server ${ctx.baseUrl || '<this registry>'} — signs and uploads in one step; npm-protocol tools can send the bundle as "_sigil.bundle" instead, see docs/npm.md`,
      );
    }
    throw e;
  }
  // Same bytes again: npm registries refuse a second publish of a version all the same.
  if (outcome.status === 200) throw exists();

  await ctx.storage.packages.putNpmTarball(outcome.record.digests.sha256, {
    sha1: facts.sha1,
    manifest: JSON.stringify(facts.manifest),
  });
  // `latest` follows the highest version (distTagsFor); other tags (`npm publish --tag next`) are stored.
  for (const tag of body.distTags)
    if (tag !== 'latest')
      await ctx.storage.packages.setDistTag('npm', p.namespace, p.bare, tag, body.version);
  return outcome;
}
