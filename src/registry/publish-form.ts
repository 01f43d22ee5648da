/**
 * The binary form of POST /api/v1/publish: multipart/form-data carrying the
 * artifact's own bytes, beside the JSON form with the artifact in base64.
 * The server then neither parses a JSON string as long as the artifact nor
 * checks and decodes base64 (profiled at ~0.5 ms CPU per 10 KB publish, issue
 * 14), and the upload is a quarter smaller. `sigil publish` sends this form;
 * `curl -F artifact=@x.tgz -F bundle=@x.tgz.sigstore.json` does too.
 *
 * The body is read whole (multipart-body.ts) within the route's body limit.
 * Parts (each at most once):
 *   artifact   file, required: the bytes; its file name is the upload's unless `filename` is given
 *   bundle     text or file: the author's Sigstore bundle as JSON; absent (or `null`) = unsigned
 *   keyEvents  text or file: a JSON array of DSSE envelopes
 *   filename, type, namespace, name, version   text
 * What the parts say is then checked by the same schema as the JSON form's
 * fields (routes.ts), so both forms refuse the same things the same way.
 */
import { RegistryError } from './errors.js';
import { boundaryOf, parseMultipartForm } from './multipart-body.js';

/** The text parts of the form; JSON parts parsed. */
export type PublishFormFields = Record<string, unknown>;

export interface PublishForm {
  readonly fields: PublishFormFields;
  readonly artifact: Buffer;
}

const JSON_PARTS = new Set(['bundle', 'keyEvents']);
const TEXT_PARTS = new Set(['filename', 'type', 'namespace', 'name', 'version']);
const PART_NAMES = 1 + JSON_PARTS.size + TEXT_PARTS.size;

const invalid = (message: string, field?: string) =>
  new RegistryError(
    400,
    'BAD_REQUEST',
    `invalid publish request: ${message}`,
    'send multipart/form-data with a file part `artifact`, and `bundle` (the .sigstore.json) for a signed upload',
    field ? { fields: [field] } : undefined,
  );

/**
 * readPublishForm reads a multipart publish body (whole, within the route's
 * body limit). `tooLarge` is the refusal for an artifact over `maxArtifactBytes`.
 */
export function readPublishForm(
  body: Buffer,
  contentType: string,
  maxArtifactBytes: number,
  tooLarge: () => RegistryError,
): PublishForm {
  const fields: PublishFormFields = {};
  const seen = new Set<string>();
  let artifact: Buffer | undefined;
  let artifactName: string | undefined;
  for (const part of parseMultipartForm(body, boundaryOf(contentType), PART_NAMES)) {
    const name = part.name;
    if (name !== 'artifact' && !JSON_PARTS.has(name) && !TEXT_PARTS.has(name))
      throw invalid(
        `unexpected part "${name}" (expected artifact, bundle, keyEvents, filename, type, namespace, name, version)`,
        name,
      );
    if (seen.has(name)) throw invalid(`the part "${name}" appears twice`, name);
    seen.add(name);
    if (name === 'artifact') {
      if (part.filename === undefined)
        throw invalid('the part "artifact" must be a file part (its raw bytes)', name);
      if (part.data.length > maxArtifactBytes) throw tooLarge();
      artifact = part.data;
      artifactName = part.filename || undefined;
      continue;
    }
    const text = part.data.toString('utf8');
    fields[name] = JSON_PARTS.has(name) ? parseJsonPart(name, text) : text;
  }
  if (!artifact) throw invalid('the file part "artifact" is missing', 'artifact');
  if (fields['filename'] === undefined && artifactName !== undefined)
    fields['filename'] = artifactName;
  return { fields, artifact };
}
function parseJsonPart(name: string, text: string): unknown {
  try {
    // As fastify's JSON body parser (secure-json-parse): no prototype keys. A reviver makes
    // JSON.parse several times slower, so only text that spells such a key pays for it.
    if (!PROTOTYPE_KEY.test(text)) return JSON.parse(text);
    return JSON.parse(text, (key, value: unknown) => {
      if (key === '__proto__' || (key === 'constructor' && hasPrototypeKey(value)))
        throw invalid(`the part "${name}" has a "${key}" key, which is refused`, name);
      return value;
    });
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    throw invalid(
      `the part "${name}" is not JSON${name === 'bundle' ? ' (send the .sigstore.json file as it is)' : ''}`,
      name,
    );
  }
}

/** Either key spelled in any way JSON allows (escapes included); a superset of what the reviver refuses. */
const PROTOTYPE_KEY = /__proto__|constructor|\\u00/i;
const hasPrototypeKey = (v: unknown) =>
  typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype');
