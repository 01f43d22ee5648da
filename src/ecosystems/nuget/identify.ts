/**
 * Identify a NuGet package (.nupkg): a zip (OPC package) whose root holds
 * `<id>.nuspec`, an XML manifest with package/metadata/id and version
 * (NuGet.Packaging PackageArchiveReader: exactly one .nuspec at the root).
 */
import { xmlLib } from '../support/lazy-libs.js';
import { readZip } from '../../archive/zip.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';

/** NuGet package ids (NuGet.Packaging PackageIdValidator): letters, digits, ".", "_", "-", at most 100 characters. */
const NUGET_ID = /^\w+(?:[_.-]\w+)*$/;
/** NuGet versions: SemVer 2 with up to 4 numeric parts (NuGetVersion). */
const NUGET_VERSION =
  /^\d+(?:\.\d+){1,3}(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

function fail(file: string, field: string, message: string): InputError {
  return new InputError('NUGET_NUSPEC_INVALID', `${file}: ${message}`, { file, field });
}

/** parseNuspec reads id and version from .nuspec XML. */
export function parseNuspec(
  xml: string,
  file: string,
  field: string,
): { id: string; version: string } {
  let doc: unknown;
  try {
    const parser = new (xmlLib().XMLParser)({
      ignoreAttributes: true,
      processEntities: false,
      removeNSPrefix: true,
      parseTagValue: false,
      trimValues: true,
      isArray: () => false,
    });
    doc = parser.parse(xml, true);
  } catch (e) {
    throw fail(
      file,
      field,
      `${field} is not well-formed XML (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const metadata = (doc as { package?: { metadata?: Record<string, unknown> } } | undefined)
    ?.package?.metadata;
  if (typeof metadata !== 'object' || metadata === null)
    throw fail(file, field, `${field} has no <package><metadata> element`);
  const id = metadata['id'];
  const version = metadata['version'];
  const problems: string[] = [];
  if (typeof id !== 'string' || id.length > 100 || !NUGET_ID.test(id))
    problems.push(`<id> ${JSON.stringify(id ?? null)} is not a NuGet package id`);
  if (typeof version !== 'string' || !NUGET_VERSION.test(version))
    problems.push(`<version> ${JSON.stringify(version ?? null)} is not a NuGet version`);
  if (problems.length > 0) throw fail(file, field, `${field}: ${problems.join('; ')}`);
  return { id: id as string, version: version as string };
}

/**
 * normalizeNuGetVersion is NuGet's normalized form (NuGetVersion.ToNormalizedString):
 * at least three parts, a 4th only when non-zero, leading zeros dropped, no build metadata.
 */
export function normalizeNuGetVersion(v: string): string {
  const noMeta = v.split('+')[0]!;
  const dash = noMeta.indexOf('-');
  const core = dash < 0 ? noMeta : noMeta.slice(0, dash);
  const pre = dash < 0 ? '' : noMeta.slice(dash);
  const parts = core.split('.').map((p) => String(Number(p)));
  while (parts.length < 3) parts.push('0');
  if (parts.length === 4 && parts[3] === '0') parts.pop();
  return parts.join('.') + pre;
}

/** identifyNuGet gives pkg:nuget/<Id>@<version>; the id keeps the case its author chose (purl-spec example pkg:nuget/EnterpriseLibrary.Common@6.0.1304). */
export async function identifyNuGet(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  const isNuspec = (p: string) => !p.includes('/') && /\.nuspec$/i.test(p);
  const zip = await readZip(artifact.path ? { path: artifact.path } : await artifact.bytes(), {
    file,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => isNuspec(e.path),
  });
  const nuspecs = zip.entries.filter((e) => e.type === 'file' && isNuspec(e.path));
  if (nuspecs.length === 0)
    throw new InputError(
      'NUGET_NUSPEC_MISSING',
      `${file} has no .nuspec at its root (is it a .nupkg made by \`dotnet pack\` or \`nuget pack\`?)`,
      { file, field: '*.nuspec' },
    );
  if (nuspecs.length > 1)
    throw fail(
      file,
      nuspecs[1]!.path,
      `holds more than one .nuspec at its root (${nuspecs.map((e) => e.path).join(', ')})`,
    );
  const entry = nuspecs[0]!;
  const { id, version } = parseNuspec(
    zip.files
      .get(entry.path)!
      .toString('utf8')
      .replace(/^\uFEFF/, ''),
    file,
    entry.path,
  );
  const v = normalizeNuGetVersion(version);
  return { type: 'nuget', name: id, version: v, purl: makePurl('nuget', undefined, id, v) };
}
