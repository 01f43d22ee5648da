/**
 * Identify a Debian binary package (.deb, deb(5)): an ar archive whose first
 * member is "debian-binary" ("2.0\n"), then control.tar[.gz|.xz|.zst], then
 * data.tar.*. Name, version and architecture come from ./control.
 *
 * control.tar and control.tar.gz are read here. control.tar.xz and .zst
 * (dpkg-deb's defaults since 1.19 / Ubuntu's zstd) need a decompressor that
 * Node does not ship; they are refused with a clear error until one is added.
 */
import { xzDecompress } from '../../archive/xz.js';
import { readAr } from '../../archive/ar.js';
import { readTar } from '../../archive/tar.js';
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import type { Artifact, IdentifyOptions, Identity } from '../adapter.js';
import { parseDeb822 } from '../../core/deb822.js';

/** Debian Policy §5.6.1: package names. */
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** Debian Policy §5.6.12: [epoch:]upstream_version[-debian_revision]. */
const DEB_VERSION = /^(?:\d+:)?[0-9][A-Za-z0-9.+~:-]*$/;
const DEB_ARCH = /^[a-z0-9][a-z0-9-]*$/;

function fail(
  code: string,
  file: string,
  field: string,
  message: string,
  hint?: string,
): InputError {
  return new InputError(
    code,
    `${file}: ${message}`,
    hint ? { file, field, hint } : { file, field },
  );
}

/** readDebControl returns the fields of ./control, keys lower-cased. */
export async function readDebControl(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Map<string, string>> {
  const file = artifact.name;
  const limits = options.limits ? { limits: options.limits } : {};
  const ar = await readAr(artifact.open(), {
    file,
    ...limits,
    select: (e) => e.name === 'debian-binary' || e.name.startsWith('control.tar'),
    stopWhen: (files) => [...files.keys()].some((k) => k.startsWith('control.tar')),
  });
  const first = ar.entries[0];
  if (!first || first.name !== 'debian-binary')
    throw fail(
      'DEB_INVALID',
      file,
      'debian-binary',
      'is an ar archive but not a .deb (the first member is not debian-binary)',
    );
  const format = ar.files.get('debian-binary')!.toString('latin1');
  if (!/^2\.\d+\n/.test(format))
    throw fail(
      'DEB_INVALID',
      file,
      'debian-binary',
      `has unsupported package format ${JSON.stringify(format.slice(0, 10))} (expected 2.x)`,
    );
  const member = ar.entries.find((e) => e.name.startsWith('control.tar'));
  if (!member) throw fail('DEB_CONTROL_MISSING', file, 'control.tar', 'has no control.tar member');
  if (member !== ar.entries[1])
    throw fail(
      'DEB_INVALID',
      file,
      member.name,
      'control.tar is not the second member, as deb(5) requires',
    );
  if (
    member.name !== 'control.tar' &&
    member.name !== 'control.tar.gz' &&
    member.name !== 'control.tar.xz'
  ) {
    throw fail(
      'DEB_CONTROL_COMPRESSION',
      file,
      member.name,
      `uses ${member.name}, which Sigil cannot decompress yet (control.tar, control.tar.gz and control.tar.xz are supported)`,
      'its digest can still be checked; to identify it, rebuild with `dpkg-deb -Zgzip --build`, or give --type generic --name --version',
    );
  }
  let memberBytes = ar.files.get(member.name)!;
  if (member.name.endsWith('.xz'))
    memberBytes = await xzDecompress(memberBytes, `${file}!${member.name}`, 64 * 1024 * 1024);
  const control = await readTar(
    (async function* () {
      yield memberBytes;
    })(),
    {
      file: `${file}!${member.name}`,
      gzip: member.name.endsWith('.gz'),
      ...limits,
      select: (e) => e.path === 'control',
    },
  );
  const entries = control.entries.filter((e) => e.path === 'control');
  if (entries.length > 1)
    throw fail('DEB_CONTROL_INVALID', file, 'control', `${member.name} holds ./control twice`);
  const bytes = control.files.get('control');
  if (!bytes)
    throw fail('DEB_CONTROL_MISSING', file, 'control', `${member.name} has no ./control file`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail('DEB_CONTROL_INVALID', file, 'control', './control is not UTF-8 text');
  }
  let stanza;
  try {
    stanza = parseDeb822(text, './control')[0];
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    throw fail('DEB_CONTROL_INVALID', file, `control:${e.field!.replace('line ', '')}`, e.message);
  }
  // Keys lower-cased: callers look fields up by their lower-case names.
  return new Map([...(stanza ?? [])].map(([k, v]) => [k.toLowerCase(), v]));
}

/**
 * identifyDeb gives pkg:deb/<vendor>/<name>@<version>?arch=<arch> (purl-spec deb:
 * vendor namespace required, lower-cased). The vendor is the control file's
 * Origin field when there is one, otherwise "debian" (dpkg's own default vendor).
 */
export async function identifyDeb(
  artifact: Artifact,
  options: IdentifyOptions = {},
): Promise<Identity> {
  const fields = await readDebControl(artifact, options);
  const name = fields.get('package');
  const version = fields.get('version');
  const arch = fields.get('architecture');
  const origin = fields.get('origin');
  const problems: string[] = [];
  if (name === undefined || !DEB_NAME.test(name))
    problems.push(
      `Package ${JSON.stringify(name ?? null)} is missing or not a Debian package name`,
    );
  if (version === undefined || !DEB_VERSION.test(version))
    problems.push(`Version ${JSON.stringify(version ?? null)} is missing or not a Debian version`);
  if (arch === undefined || !DEB_ARCH.test(arch))
    problems.push(`Architecture ${JSON.stringify(arch ?? null)} is missing or invalid`);
  if (origin !== undefined && !/^[A-Za-z0-9][A-Za-z0-9.+-]*$/.test(origin))
    problems.push(`Origin ${JSON.stringify(origin)} is not a vendor name`);
  if (problems.length > 0)
    throw fail(
      'DEB_CONTROL_INVALID',
      artifact.name,
      'control',
      `./control: ${problems.join('; ')}`,
    );
  // A file named as dpkg-deb names packages (name_version_arch.deb; the epoch left out, or
  // %3a-escaped as apt saves it) must be the package it names.
  const fromFile = /^([a-z0-9][a-z0-9+.-]*)_([^_]+)_([a-z0-9-]+)\.deb$/.exec(artifact.name);
  if (fromFile) {
    const fileVersion = fromFile[2]!.replace(/%3a/gi, ':');
    const sameVersion = fileVersion === version || fileVersion === version!.replace(/^\d+:/, '');
    if (fromFile[1] !== name || !sameVersion || fromFile[3] !== arch)
      throw fail(
        'DEB_NAME_MISMATCH',
        artifact.name,
        'control',
        `the file name says ${fromFile[1]} ${fileVersion} ${fromFile[3]} but ./control says ${name} ${version} ${arch}`,
        'a renamed .deb is not the package it claims to be; publish the file dpkg-deb --build wrote',
      );
  }
  const vendor = (origin ?? 'debian').toLowerCase();
  return {
    type: 'deb',
    namespace: vendor,
    name: name!,
    version: version!,
    purl: makePurl('deb', vendor, name!, version!, { arch: arch! }),
  };
}
