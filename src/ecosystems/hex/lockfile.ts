/**
 * Hex lockfiles: Mix's `mix.lock` and rebar3's `rebar.lock`.
 *
 * mix.lock (Mix.Dep.Lock) is one Elixir map literal, one line per dependency:
 *   "name": {:hex, :pkg, "1.0.0", "<inner>", [:mix], [deps], "hexpm", "<outer>"},
 * (older Mix wrote fewer elements: no repo, no outer checksum). The repo
 * "hexpm:org" is a private organization: purl namespace "org".
 *
 * rebar.lock (rebar_config:write_lock_file) is Erlang terms:
 *   {"1.2.0", [{<<"name">>, {pkg, <<"pkg">>, <<"1.0.0">>}, 0}, …]}.
 *   [{pkg_hash, [{<<"name">>, <<"INNER">>}]}, {pkg_hash_ext, [{<<"name">>, <<"OUTER">>}]}].
 * (the pre-1.2 format is a bare list of the same dependency tuples).
 *
 * Git and path dependencies have no Hex identity and no digest; they are skipped.
 */
import { InputError } from '../../core/errors.js';
import { makePurl } from '../../core/purl.js';
import { decodeLockText } from '../support/lockfile.js';
import type { LockfileEntry, LockfileReader, NativeDigest } from '../adapter.js';
import {
  isAtom,
  isMap,
  isTuple,
  parseElixirTerm,
  parseErlangTerms,
  TermSyntaxError,
  type Term,
} from './terms.js';
import { mixLockFormat, rebarLockFormat } from './descriptor.js';

function bad(file: string, field: string, message: string): InputError {
  return new InputError('LOCKFILE_INVALID', `${file}: ${message}`, { file, field });
}

const HEX_NAME = /^[a-z][a-z0-9_]*$/;
const HEX64 = /^[0-9a-fA-F]{64}$/;

function hexPurl(
  file: string,
  field: string,
  name: unknown,
  version: unknown,
  repo: unknown,
): string {
  if (typeof name !== 'string' || !HEX_NAME.test(name))
    throw bad(file, field, `package name ${JSON.stringify(name)} is not a Hex package name`);
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+[-+0-9A-Za-z.]*$/.test(version))
    throw bad(file, field, `version ${JSON.stringify(version)} is not a Hex version`);
  let namespace: string | undefined;
  if (repo !== undefined && repo !== 'hexpm') {
    const m = typeof repo === 'string' ? /^hexpm:([a-z0-9_]+)$/.exec(repo) : null;
    // Other repos (self-hosted mirrors) still serve Hex packages by the same names.
    namespace = m ? m[1] : undefined;
  }
  return makePurl('hex', namespace, name, version);
}

function digest(file: string, field: string, algorithm: string, value: unknown): NativeDigest[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== 'string' || !HEX64.test(value))
    throw bad(file, field, `checksum ${JSON.stringify(value)} is not 64 hex digits`);
  return [{ algorithm, value: value.toLowerCase() }];
}

/** readMixLock reads mix.lock. */
export function readMixLock(file: string, bytes: Uint8Array): LockfileEntry[] {
  let term: Term;
  try {
    term = parseElixirTerm(decodeLockText(bytes, file));
  } catch (e) {
    if (e instanceof TermSyntaxError)
      throw bad(file, '', `is not a valid Elixir map literal (${e.message})`);
    throw e;
  }
  if (!isMap(term)) throw bad(file, '', 'must hold one map, %{"dep": {...}, ...}');
  const out: LockfileEntry[] = [];
  for (const [key, value] of term.map) {
    const field = typeof key === 'string' ? key : JSON.stringify(key);
    if (!isTuple(value) || value.tuple.length < 2) throw bad(file, field, 'entry is not a tuple');
    const [kind, pkg, version, inner, , , repo, outer] = value.tuple;
    if (!isAtom(kind))
      throw bad(file, field, 'entry does not start with a source atom (:hex, :git, …)');
    if (kind.atom !== 'hex') continue;
    if (!isAtom(pkg)) throw bad(file, `${field}[1]`, 'package name must be an atom');
    const purl = hexPurl(file, field, pkg.atom, version, repo);
    out.push({
      purl,
      digests: [
        ...digest(file, `${field}[3]`, 'hex-inner-sha256', inner),
        ...digest(file, `${field}[7]`, 'sha256', outer),
      ],
      ...(typeof repo === 'string' ? { resolved: repo } : {}),
    });
  }
  return out;
}

/** readRebarLock reads rebar.lock (both the 1.2.0 and the original format). */
export function readRebarLock(file: string, bytes: Uint8Array): LockfileEntry[] {
  let terms: Term[];
  try {
    terms = parseErlangTerms(decodeLockText(bytes, file));
  } catch (e) {
    if (e instanceof TermSyntaxError)
      throw bad(file, '', `is not valid Erlang terms (${e.message})`);
    throw e;
  }
  if (terms.length === 0) return [];
  let deps: Term;
  const first = terms[0]!;
  if (isTuple(first) && first.tuple.length === 2 && typeof first.tuple[0] === 'string')
    deps = first.tuple[1]!;
  else if (Array.isArray(first)) deps = first;
  else throw bad(file, '', 'first term must be {"Version", [Deps]} or [Deps]');
  if (!Array.isArray(deps)) throw bad(file, 'deps', 'dependency list is not a list');

  const hashes = { pkg_hash: new Map<string, string>(), pkg_hash_ext: new Map<string, string>() };
  const attrs = terms[1];
  if (attrs !== undefined) {
    if (!Array.isArray(attrs))
      throw bad(file, 'attributes', 'second term must be a list of {pkg_hash, [...]} entries');
    for (const a of attrs) {
      if (!isTuple(a) || a.tuple.length !== 2 || !isAtom(a.tuple[0]))
        throw bad(file, 'attributes', 'attribute is not {Key, Value}');
      const key = a.tuple[0].atom;
      if (key !== 'pkg_hash' && key !== 'pkg_hash_ext') continue;
      const list = a.tuple[1];
      if (!Array.isArray(list)) throw bad(file, key, 'must be a list');
      for (const h of list) {
        if (!isTuple(h) || typeof h.tuple[0] !== 'string' || typeof h.tuple[1] !== 'string')
          throw bad(file, key, 'entry is not {<<"name">>, <<"HASH">>}');
        hashes[key].set(h.tuple[0], h.tuple[1]);
      }
    }
  }

  const out: LockfileEntry[] = [];
  deps.forEach((d, i) => {
    const field = `deps[${i}]`;
    if (!isTuple(d) || d.tuple.length < 2 || typeof d.tuple[0] !== 'string')
      throw bad(file, field, 'dependency is not {<<"name">>, Source, Level}');
    const name = d.tuple[0];
    const source = d.tuple[1];
    if (!isTuple(source) || !isAtom(source.tuple[0]))
      throw bad(file, `${field}.source`, 'source is not a tuple tagged pkg, git, …');
    if (source.tuple[0].atom !== 'pkg') return;
    const [, pkg, version, legacyHash] = source.tuple;
    const purl = hexPurl(file, `${field}.source`, pkg, version, undefined);
    out.push({
      purl,
      digests: [
        ...digest(
          file,
          `pkg_hash.${name}`,
          'hex-inner-sha256',
          hashes.pkg_hash.get(name) ?? (typeof legacyHash === 'string' ? legacyHash : undefined),
        ),
        ...digest(file, `pkg_hash_ext.${name}`, 'sha256', hashes.pkg_hash_ext.get(name)),
      ],
    });
  });
  return out;
}

export const mixLockReader: LockfileReader = {
  ...mixLockFormat,
  read: readMixLock,
};
export const rebarLockReader: LockfileReader = {
  ...rebarLockFormat,
  read: readRebarLock,
};
