/**
 * parseNpmPublishBody: the JSON body of `npm publish` (`PUT /<name>`, written
 * by libnpmpublish), checked strictly before anything is stored. Pure.
 *
 *   { _id, name, description, "dist-tags": {<tag>: <version>},
 *     versions: {<version>: {name, version, …package.json…, dist: {integrity, shasum, tarball}}},
 *     access, _attachments: {<name>-<version>.tgz: {content_type, data: <base64 tgz>, length}},
 *     _sigil?: {bundle?: <Sigstore bundle>, keyEvents?: [<DSSE envelope>]} }
 *
 * `_sigil` is Sigil's one addition (docs/npm.md): the author's bundle for the
 * tarball and, on a namespace's first signed publish, the self-signed `add`
 * key event — what `sigil publish` sends to /api/v1/publish.
 *
 * Every value here is attacker-controlled. Problems are gathered, not thrown
 * one by one, so a client learns everything wrong with its body at once.
 * Only one version and one tarball per body: npm publishes one at a time,
 * and a body that carries older versions is a client trying to rewrite them.
 */
import { createHash } from 'node:crypto';
import { RegistryError } from '../../errors.js';

export interface NpmPublishBody {
  readonly name: string;
  readonly version: string;
  /** The tarball bytes from `_attachments`. */
  readonly tarball: Buffer;
  /** The attachment's key, as npm names it (`<name>-<version>.tgz`). */
  readonly attachmentName: string;
  /** dist-tags to point at this version (npm sends `{latest: v}` or `{<--tag>: v}`). */
  readonly distTags: readonly string[];
  /** `_sigil.bundle`, or null for an unsigned publish. */
  readonly bundle: unknown;
  readonly keyEvents: readonly unknown[];
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** npm's rule for tag names: URL-safe, and not something npm would read as a version range. */
const TAG = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** checkIntegrity compares an ssri string (`sha512-<b64> sha1-<b64>…`) with the bytes; returns a problem or undefined. */
function checkIntegrity(integrity: string, bytes: Buffer): string | undefined {
  const known = new Set(['sha1', 'sha256', 'sha384', 'sha512']);
  let checked = 0;
  for (const entry of integrity.trim().split(/\s+/)) {
    const m = /^(sha1|sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(?:\?.*)?$/.exec(entry);
    if (!m) continue; // ssri ignores unknown algorithms; so do we, but one known hash must be there
    if (!known.has(m[1]!)) continue;
    checked++;
    const actual = createHash(m[1]!).update(bytes).digest('base64');
    if (actual !== m[2])
      return `versions[v].dist.integrity ${m[1]}-${m[2]!.slice(0, 12)}… does not match the attached tarball (${m[1]}-${actual.slice(0, 12)}…)`;
  }
  return checked === 0
    ? 'versions[v].dist.integrity has no sha1/sha256/sha384/sha512 hash'
    : undefined;
}

/**
 * parseNpmPublishBody validates a publish body for the package `urlName`
 * (the decoded name from the request path). Throws RegistryError 400
 * `NPM_PUBLISH_INVALID` listing every problem, or `NPM_PUBLISH_MISMATCH` when
 * the attachment's bytes disagree with what the body says about them.
 */
export function parseNpmPublishBody(
  body: unknown,
  urlName: string,
  maxTarballBytes: number,
): NpmPublishBody {
  if (!isRecord(body))
    throw new RegistryError(
      400,
      'NPM_PUBLISH_INVALID',
      'the publish body must be a JSON object (what `npm publish` sends)',
    );
  const problems: string[] = [];
  if (body['name'] !== undefined && body['name'] !== urlName)
    problems.push(
      `"name" ${JSON.stringify(body['name'])} is not the package in the URL (${urlName})`,
    );
  if (body['_id'] !== undefined && body['_id'] !== urlName)
    problems.push(
      `"_id" ${JSON.stringify(body['_id'])} is not the package in the URL (${urlName})`,
    );

  const versions = body['versions'];
  let version = '';
  let manifest: Record<string, unknown> = {};
  if (!isRecord(versions)) problems.push('"versions" must be an object {<version>: <manifest>}');
  else {
    const keys = Object.keys(versions);
    if (keys.length !== 1)
      problems.push(
        `"versions" must hold exactly one version (got ${keys.length}); publish one version at a time`,
      );
    else {
      version = keys[0]!;
      const m = versions[version];
      if (!isRecord(m)) problems.push(`versions["${version}"] must be an object`);
      else {
        manifest = m;
        if (m['name'] !== urlName)
          problems.push(
            `versions["${version}"].name ${JSON.stringify(m['name'])} is not the package in the URL (${urlName})`,
          );
        if (m['version'] !== version)
          problems.push(
            `versions["${version}"].version ${JSON.stringify(m['version'])} is not its key "${version}"`,
          );
        if (!isRecord(m['dist']))
          problems.push(
            `versions["${version}"].dist must be an object with "integrity" and/or "shasum"`,
          );
        else {
          const d = m['dist'];
          if (d['integrity'] !== undefined && typeof d['integrity'] !== 'string')
            problems.push(`versions["${version}"].dist.integrity must be a string`);
          if (
            d['shasum'] !== undefined &&
            (typeof d['shasum'] !== 'string' || !/^[0-9a-f]{40}$/.test(d['shasum']))
          )
            problems.push(`versions["${version}"].dist.shasum must be 40 lowercase hex digits`);
          if (d['integrity'] === undefined && d['shasum'] === undefined)
            problems.push(`versions["${version}"].dist needs "integrity" or "shasum"`);
        }
      }
    }
  }

  const distTags: string[] = [];
  const tags = body['dist-tags'];
  if (tags !== undefined) {
    if (!isRecord(tags)) problems.push('"dist-tags" must be an object {<tag>: <version>}');
    else
      for (const [tag, v] of Object.entries(tags)) {
        if (!TAG.test(tag))
          problems.push(
            `dist-tag ${JSON.stringify(tag)} is not a valid tag name (letters first, then letters, digits, ".", "_", "-")`,
          );
        else if (v !== version)
          problems.push(
            `dist-tag "${tag}" points at ${JSON.stringify(v)}, not at the version being published (${version})`,
          );
        else distTags.push(tag);
      }
  }

  let tarball = Buffer.alloc(0);
  let attachmentName = '';
  const attachments = body['_attachments'];
  if (!isRecord(attachments))
    problems.push('"_attachments" must be an object {<file>.tgz: {data: <base64>, length}}');
  else {
    const names = Object.keys(attachments);
    if (names.some((n) => n.endsWith('.sigstore')))
      problems.push(
        'npm provenance attachments (--provenance) are not accepted here: sign with `sigil sign` and send the bundle as "_sigil.bundle" (see docs/npm.md)',
      );
    if (names.length !== 1)
      problems.push(`"_attachments" must hold exactly one tarball (got ${names.length})`);
    else {
      attachmentName = names[0]!;
      const a = attachments[attachmentName];
      if (!isRecord(a)) problems.push(`_attachments["${attachmentName}"] must be an object`);
      else if (
        typeof a['data'] !== 'string' ||
        !BASE64.test(a['data']) ||
        a['data'].length % 4 !== 0
      )
        problems.push(`_attachments["${attachmentName}"].data must be the tarball in base64`);
      else if (a['data'].length > Math.ceil(maxTarballBytes / 3) * 4) {
        throw new RegistryError(
          413,
          'UPLOAD_TOO_LARGE',
          `the tarball is larger than this registry's limit of ${maxTarballBytes} bytes`,
          'the limit is set with `sigil serve --max-upload-bytes`',
          { limit: maxTarballBytes },
        );
      } else {
        tarball = Buffer.from(a['data'], 'base64');
        if (tarball.length === 0) problems.push(`_attachments["${attachmentName}"].data is empty`);
        if (a['length'] !== undefined && a['length'] !== tarball.length)
          problems.push(
            `_attachments["${attachmentName}"].length ${JSON.stringify(a['length'])} is not the size of its data (${tarball.length} bytes)`,
          );
      }
    }
  }

  let bundle: unknown = null;
  let keyEvents: unknown[] = [];
  const sigil = body['_sigil'];
  if (sigil !== undefined && sigil !== null) {
    if (!isRecord(sigil)) problems.push('"_sigil" must be an object {bundle?, keyEvents?}');
    else {
      if (sigil['bundle'] !== undefined && sigil['bundle'] !== null && !isRecord(sigil['bundle']))
        problems.push(
          '"_sigil.bundle" must be a Sigstore bundle object (the .sigstore.json `sigil sign` wrote)',
        );
      else bundle = sigil['bundle'] ?? null;
      if (
        sigil['keyEvents'] !== undefined &&
        (!Array.isArray(sigil['keyEvents']) || !sigil['keyEvents'].every(isRecord))
      )
        problems.push('"_sigil.keyEvents" must be an array of DSSE envelopes');
      else keyEvents = (sigil['keyEvents'] as unknown[] | undefined) ?? [];
    }
  }
  if (problems.length > 0)
    throw new RegistryError(
      400,
      'NPM_PUBLISH_INVALID',
      `invalid publish body: ${problems.join('; ')}`,
      undefined,
      { problems },
    );

  // The attachment must be the bytes the body describes (npm computed dist from the same tarball).
  const dist = manifest['dist'] as Record<string, unknown>;
  const mismatch: string[] = [];
  if (typeof dist['integrity'] === 'string') {
    const p = checkIntegrity(dist['integrity'], tarball);
    if (p) mismatch.push(p.replace('[v]', `["${version}"]`));
  }
  if (typeof dist['shasum'] === 'string') {
    const sha1 = createHash('sha1').update(tarball).digest('hex');
    if (sha1 !== dist['shasum'])
      mismatch.push(
        `versions["${version}"].dist.shasum ${dist['shasum']} does not match the attached tarball (${sha1})`,
      );
  }
  if (mismatch.length > 0)
    throw new RegistryError(
      400,
      'NPM_PUBLISH_MISMATCH',
      `the attached tarball is not the one the body describes: ${mismatch.join('; ')}`,
      'publish again with `npm publish`; a proxy or tool may have altered the upload',
      { problems: mismatch },
    );

  return { name: urlName, version, tarball, attachmentName, distTags, bundle, keyEvents };
}
