/**
 * The binary form of POST /api/v1/publish: multipart/form-data carrying the
 * artifact's own bytes, beside the JSON form with the artifact in base64.
 * The server then neither parses a JSON string as long as the artifact nor
 * checks and decodes base64 (profiled at ~0.5 ms CPU per 10 KB publish, issue
 * 14), and the upload is a quarter smaller. `sigil publish` sends this form;
 * `curl -F artifact=@x.tgz -F bundle=@x.tgz.sigstore.json` does too.
 *
 * Parts (each at most once):
 *   artifact   file, required: the bytes; its file name is the upload's unless `filename` is given
 *   bundle     text or file: the author's Sigstore bundle as JSON; absent (or `null`) = unsigned
 *   keyEvents  text or file: a JSON array of DSSE envelopes
 *   filename, type, namespace, name, version   text
 * What the parts say is then checked by the same schema as the JSON form's
 * fields (routes.ts), so both forms refuse the same things the same way.
 */
import type { FastifyRequest } from 'fastify';
import type { Multipart } from '@fastify/multipart';
import { RegistryError } from './errors.js';

/** The text parts of the form; JSON parts parsed. */
export type PublishFormFields = Record<string, unknown>;

export interface PublishForm {
  readonly fields: PublishFormFields;
  readonly artifact: Buffer;
}

const JSON_PARTS = new Set(['bundle', 'keyEvents']);
const TEXT_PARTS = new Set(['filename', 'type', 'namespace', 'name', 'version']);
/** Bundles and key events are a few KB; a megabyte is generous and bounds what is buffered. */
const MAX_TEXT_PART_BYTES = 1024 * 1024;

const invalid = (message: string, field?: string) =>
  new RegistryError(
    400,
    'BAD_REQUEST',
    `invalid publish request: ${message}`,
    'send multipart/form-data with a file part `artifact`, and `bundle` (the .sigstore.json) for a signed upload',
    field ? { fields: [field] } : undefined,
  );

/**
 * readPublishForm reads the parts of a multipart publish. `tooLarge` is the
 * refusal for an artifact over `maxArtifactBytes`.
 */
export async function readPublishForm(
  req: FastifyRequest,
  maxArtifactBytes: number,
  tooLarge: () => RegistryError,
): Promise<PublishForm> {
  const fields: PublishFormFields = {};
  const seen = new Set<string>();
  let artifact: Buffer | undefined;
  let artifactName: string | undefined;
  try {
    for await (const part of req.parts({
      limits: {
        fileSize: Math.max(maxArtifactBytes, MAX_TEXT_PART_BYTES),
        fieldSize: MAX_TEXT_PART_BYTES,
        files: 3,
        fields: 8,
        parts: 9,
      },
    })) {
      const name = part.fieldname;
      if (name !== 'artifact' && !JSON_PARTS.has(name) && !TEXT_PARTS.has(name))
        throw invalid(
          `unexpected part "${name}" (expected artifact, bundle, keyEvents, filename, type, namespace, name, version)`,
          name,
        );
      if (seen.has(name)) throw invalid(`the part "${name}" appears twice`, name);
      seen.add(name);
      if (name === 'artifact') {
        if (part.type !== 'file')
          throw invalid('the part "artifact" must be a file part (its raw bytes)', name);
        artifact = await part.toBuffer();
        if (artifact.length > maxArtifactBytes) throw tooLarge();
        artifactName = part.filename || undefined;
        continue;
      }
      const text = await partText(part);
      if (JSON_PARTS.has(name)) fields[name] = parseJsonPart(name, text);
      else fields[name] = text;
    }
  } catch (e) {
    if (e instanceof RegistryError) throw e;
    const code = (e as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT')
      throw invalid('too many parts (each part at most once)');
    throw invalid(`the multipart body cannot be read: ${(e as Error).message}`);
  }
  if (!artifact) throw invalid('the file part "artifact" is missing', 'artifact');
  if (fields['filename'] === undefined && artifactName !== undefined)
    fields['filename'] = artifactName;
  return { fields, artifact };
}

async function partText(part: Multipart): Promise<string> {
  if (part.type === 'file') {
    const bytes = await part.toBuffer();
    if (bytes.length > MAX_TEXT_PART_BYTES)
      throw invalid(`the part "${part.fieldname}" is over ${MAX_TEXT_PART_BYTES} bytes`);
    return bytes.toString('utf8');
  }
  // busboy cuts a long field short and says so: a cut bundle must not pass as another one
  if (part.valueTruncated)
    throw invalid(`the part "${part.fieldname}" is over ${MAX_TEXT_PART_BYTES} bytes`);
  return typeof part.value === 'string' ? part.value : String(part.value);
}

function parseJsonPart(name: string, text: string): unknown {
  try {
    // As fastify's JSON body parser (secure-json-parse): no prototype keys.
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

const hasPrototypeKey = (v: unknown) =>
  typeof v === 'object' && v !== null && Object.hasOwn(v, 'prototype');
