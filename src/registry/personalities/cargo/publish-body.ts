/**
 * The body of `cargo publish` (PUT /api/v1/crates/new,
 * doc.rust-lang.org/cargo/reference/registry-web-api.html#publish):
 *
 *   u32 LE  length of the JSON metadata
 *   JSON    {name, vers, deps: [{name, version_req, …, explicit_name_in_toml}], features, …}
 *   u32 LE  length of the .crate
 *   bytes   the .crate
 *
 * Attacker-controlled: every length is bounded by the body, the JSON is parsed defensively.
 */
import { RegistryError } from '../../errors.js';

export interface CargoPublishBody {
  readonly metadata: {
    readonly name: string;
    readonly vers: string;
    readonly deps: readonly { readonly name: string; readonly explicitName?: string }[];
  };
  readonly crate: Buffer;
}

const bad = (why: string) =>
  new RegistryError(
    400,
    'CARGO_PUBLISH_INVALID',
    `invalid publish request: ${why}`,
    'publish with `cargo publish --registry <name>`',
  );

export function parseCargoPublishBody(body: Buffer): CargoPublishBody {
  if (body.length < 8) throw bad('the body is shorter than its two length fields');
  const jsonLen = body.readUInt32LE(0);
  if (4 + jsonLen + 4 > body.length)
    throw bad(`the metadata length (${jsonLen}) runs past the end of the body`);
  let meta: unknown;
  try {
    meta = JSON.parse(body.subarray(4, 4 + jsonLen).toString('utf8'));
  } catch {
    throw bad('the metadata is not JSON');
  }
  const crateLen = body.readUInt32LE(4 + jsonLen);
  if (4 + jsonLen + 4 + crateLen !== body.length)
    throw bad(
      `the crate length (${crateLen}) does not match the rest of the body (${body.length - 8 - jsonLen} bytes)`,
    );
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta))
    throw bad('the metadata must be a JSON object');
  const m = meta as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof m['name'] !== 'string') problems.push('"name" must be a string');
  if (typeof m['vers'] !== 'string') problems.push('"vers" must be a string');
  if (!Array.isArray(m['deps'])) problems.push('"deps" must be an array');
  const deps: { name: string; explicitName?: string }[] = [];
  for (const [i, d] of (Array.isArray(m['deps']) ? m['deps'] : []).entries()) {
    if (
      typeof d !== 'object' ||
      d === null ||
      typeof (d as Record<string, unknown>)['name'] !== 'string'
    ) {
      problems.push(`deps[${i}] must be an object with a "name"`);
      continue;
    }
    const e = (d as Record<string, unknown>)['explicit_name_in_toml'];
    deps.push({
      name: (d as Record<string, string>)['name']!,
      ...(typeof e === 'string' ? { explicitName: e } : {}),
    });
  }
  if (problems.length > 0) throw bad(problems.join('; '));
  return {
    metadata: { name: m['name'] as string, vers: m['vers'] as string, deps },
    crate: body.subarray(8 + jsonLen),
  };
}
