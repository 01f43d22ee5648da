/**
 * Identify a Maven artifact: a .jar/.war/.aar (zip) by its
 * META-INF/maven/<groupId>/<artifactId>/pom.properties (written by
 * maven-archiver), or a .pom file by its <groupId>/<artifactId>/<version>
 * (inherited from <parent> when absent, as Maven's model builder does).
 * purl-spec maven: namespace = groupId; qualifiers classifier and type
 * (type omitted for "jar").
 */
import { xmlLib } from '../support/lazy-libs.js';
import { readZip } from '../../archive/zip.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { fieldError } from '../support/field-error.js';

const COORD = /^[A-Za-z0-9_.-]+$/;
const VERSION = /^[A-Za-z0-9_.+-]+$/;

export interface MavenCoordinates {
  readonly groupId: string;
  readonly artifactId: string;
  readonly version: string;
}

/** parseProperties reads java.util.Properties text (key=value / key: value, # and ! comments, \ continuations). */
export function parseProperties(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split(/\r?\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^[ \t\f]+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length)
      line = line.slice(0, -1) + lines[++i]!.replace(/^[ \t\f]+/, '');
    const m = /^((?:\\.|[^=:\s\\])*)\s*[=:\s]\s*(.*)$/.exec(line) ?? [line, line, ''];
    const unescape = (s: string) =>
      s.replace(/\\u([0-9a-fA-F]{4})|\\(.)/g, (_, u: string | undefined, c: string | undefined) =>
        u
          ? String.fromCharCode(parseInt(u, 16))
          : (({ t: '\t', n: '\n', r: '\r', f: '\f' } as Record<string, string>)[c!] ?? c!),
      );
    out.set(unescape(m[1]!), unescape(m[2]!));
  }
  return out;
}

function checkCoordinates(
  c: Partial<Record<keyof MavenCoordinates, unknown>>,
  file: string,
  field: string,
): MavenCoordinates {
  const problems: string[] = [];
  for (const k of ['groupId', 'artifactId'] as const)
    if (typeof c[k] !== 'string' || !COORD.test(c[k]))
      problems.push(`${k} ${JSON.stringify(c[k] ?? null)} is missing or invalid`);
  if (typeof c.version !== 'string' || !VERSION.test(c.version))
    problems.push(`version ${JSON.stringify(c.version ?? null)} is missing or invalid`);
  if (problems.length > 0) {
    const unresolved = [c.groupId, c.artifactId, c.version].some(
      (v) => typeof v === 'string' && v.includes('${'),
    );
    throw fieldError(
      'MAVEN_COORDINATES_INVALID',
      file,
      field,
      `${field}: ${problems.join('; ')}`,
      unresolved
        ? 'the POM uses ${…} properties; sign the POM that `mvn install` deploys (flattened), not the source POM'
        : undefined,
    );
  }
  return c as MavenCoordinates;
}

/** parsePom reads the coordinates of a POM. */
export function parsePom(xml: string, file: string, field = 'pom.xml'): MavenCoordinates {
  let doc: unknown;
  try {
    doc = new (xmlLib().XMLParser)({
      ignoreAttributes: true,
      processEntities: false,
      removeNSPrefix: true,
      parseTagValue: false,
      trimValues: true,
    }).parse(xml, true);
  } catch (e) {
    throw fieldError(
      'MAVEN_POM_INVALID',
      file,
      field,
      `${field} is not well-formed XML (${(e as Error).message.split('\n')[0]})`,
    );
  }
  const project = (doc as { project?: Record<string, unknown> } | undefined)?.project;
  if (typeof project !== 'object' || project === null)
    throw fieldError('MAVEN_POM_INVALID', file, field, `${field} has no <project> element`);
  const parent =
    typeof project['parent'] === 'object' && project['parent'] !== null
      ? (project['parent'] as Record<string, unknown>)
      : {};
  return checkCoordinates(
    {
      groupId: project['groupId'] ?? parent['groupId'],
      artifactId: project['artifactId'],
      version: project['version'] ?? parent['version'],
    },
    file,
    field,
  );
}

/** classifierFrom reads "<a>-<v>-<classifier>.<ext>" from a file name; undefined when the name does not follow Maven's layout. */
function qualifiersFrom(fileName: string, c: MavenCoordinates): Record<string, string> | undefined {
  const stem = `${c.artifactId}-${c.version}`;
  if (!fileName.startsWith(stem)) return undefined;
  const m = /^(?:-([A-Za-z0-9_.-]+?))?\.([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)?)$/.exec(
    fileName.slice(stem.length),
  );
  if (!m) return undefined;
  const q: Record<string, string> = {};
  if (m[1]) q['classifier'] = m[1];
  if (m[2] !== 'jar') q['type'] = m[2]!;
  return Object.keys(q).length > 0 ? q : undefined;
}

function identity(c: MavenCoordinates, fileName: string): Identity {
  const qualifiers = qualifiersFrom(fileName, c);
  return {
    type: 'maven',
    namespace: c.groupId,
    name: c.artifactId,
    version: c.version,
    purl: makePurl('maven', c.groupId, c.artifactId, c.version, qualifiers),
  };
}

/** identifyMaven identifies a jar-like zip or a .pom file. */
export async function identifyMaven(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const file = artifact.name;
  if (/\.pom$/i.test(file) || /^pom\.xml$/i.test(file)) {
    const bytes = await artifact.bytes();
    if (bytes.length > 16 * 1024 * 1024)
      throw fieldError('MAVEN_POM_INVALID', file, file, 'is larger than 16 MiB; not a POM');
    const c = parsePom(bytes.toString('utf8').replace(/^\uFEFF/, ''), file, file);
    return identity(c, /\.pom$/i.test(file) ? file : `${c.artifactId}-${c.version}.pom`);
  }
  const isProps = (p: string) => /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/.test(p);
  const zip = await readZip(artifact.path ? { path: artifact.path } : await artifact.bytes(), {
    file,
    ...(options.limits ? { limits: options.limits } : {}),
    select: (e) => isProps(e.path),
  });
  const all = zip.entries.filter((e) => e.type === 'file' && isProps(e.path));
  if (all.length === 0) {
    throw fieldError(
      'MAVEN_POM_PROPERTIES_MISSING',
      file,
      'META-INF/maven',
      'has no META-INF/maven/<groupId>/<artifactId>/pom.properties',
      'jars built by Maven carry it; for other jars sign the .pom, or use --type generic --name --version',
    );
  }
  const candidates = all.map((e) => {
    const props = parseProperties(zip.files.get(e.path)!.toString('utf8'));
    const [, , g, a] = e.path.split('/');
    const c = checkCoordinates(
      {
        groupId: props.get('groupId'),
        artifactId: props.get('artifactId'),
        version: props.get('version'),
      },
      file,
      e.path,
    );
    if (c.groupId !== g || c.artifactId !== a) {
      throw fieldError(
        'MAVEN_COORDINATES_INVALID',
        file,
        e.path,
        `${e.path} says ${c.groupId}:${c.artifactId}, which contradicts its own path`,
      );
    }
    return c;
  });
  // A shaded jar embeds the pom.properties of everything it bundles: pick the one the file is named after.
  const chosen =
    candidates.length === 1
      ? candidates
      : candidates.filter((c) => file.startsWith(`${c.artifactId}-${c.version}`));
  if (chosen.length !== 1) {
    throw fieldError(
      'MAVEN_COORDINATES_AMBIGUOUS',
      file,
      'META-INF/maven',
      `holds ${candidates.length} pom.properties (${candidates
        .map((c) => `${c.groupId}:${c.artifactId}`)
        .slice(0, 5)
        .join(', ')}…) and its file name matches ${chosen.length === 0 ? 'none' : 'several'}`,
      'name the file <artifactId>-<version>.jar as Maven does',
    );
  }
  return identity(chosen[0]!, file);
}
