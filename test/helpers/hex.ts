// What the Hex tests share: building a Hex package tarball (v3) as `rebar3 hex build` writes it,
// and running the real rebar3 get-deps of a project that depends on one package from one Hex
// repository (repo_verify on).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Hex package tarball (v3) as `rebar3 hex build` writes it. */
export function buildHexTarball(dir: string, name: string, version: string, body: string): string {
  const root = join(dir, `${name}-${version}-${body.length}`);
  mkdirSync(join(root, 'contents', 'src'), { recursive: true });
  writeFileSync(
    join(root, 'contents', 'src', `${name}.app.src`),
    `{application, ${name}, [{description, "published to Sigil"}, {vsn, "${version}"}, {applications, [kernel, stdlib]}]}.\n`,
  );
  writeFileSync(
    join(root, 'contents', 'src', `${name}.erl`),
    `-module(${name}).\n-export([hello/0]).\nhello() -> <<"${body}">>.\n`,
  );
  const t = spawnSync(
    'tar',
    ['-czf', join(root, 'contents.tar.gz'), '-C', join(root, 'contents'), 'src'],
    { encoding: 'utf8' },
  );
  if (t.status !== 0) throw new Error(t.stderr);
  const metadata = [
    `{<<"name">>,<<"${name}">>}.`,
    `{<<"version">>,<<"${version}">>}.`,
    `{<<"app">>,<<"${name}">>}.`,
    `{<<"description">>,<<"published to Sigil">>}.`,
    `{<<"licenses">>,[<<"Apache-2.0">>]}.`,
    `{<<"build_tools">>,[<<"rebar3">>]}.`,
    `{<<"requirements">>,[]}.`,
    `{<<"files">>,[<<"src">>,<<"src/${name}.app.src">>,<<"src/${name}.erl">>]}.`,
    '',
  ].join('\n');
  writeFileSync(join(root, 'metadata.config'), metadata);
  writeFileSync(join(root, 'VERSION'), '3');
  const inner = createHash('sha256')
    .update('3')
    .update(metadata)
    .update(readFileSync(join(root, 'contents.tar.gz')))
    .digest('hex')
    .toUpperCase();
  writeFileSync(join(root, 'CHECKSUM'), inner);
  const out = join(dir, `${name}-${version}.tar`);
  const r = spawnSync(
    'tar',
    [
      '--format=ustar',
      '-cf',
      out,
      '-C',
      root,
      'VERSION',
      'CHECKSUM',
      'metadata.config',
      'contents.tar.gz',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  return out;
}

export function runAsync(
  cmd: string,
  args: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { cwd, env: { ...process.env, ...env } });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', (status) => resolve({ status, out }));
  });
}

/** A rebar3 project in `dir`/`name` depending on `dep` (default sigil_hello 1.0.0) from one Hex repository only (repos replace). */
export async function rebarGetDeps(
  dir: string,
  name: string,
  repoUrl: string,
  publicPem: string,
  dep: { name: string; version: string } = { name: 'sigil_hello', version: '1.0.0' },
) {
  const project = join(dir, name);
  mkdirSync(join(project, 'src'), { recursive: true });
  writeFileSync(
    join(project, 'src', 'app.app.src'),
    '{application, app, [{vsn, "0.1.0"}, {applications, [kernel, stdlib]}]}.\n',
  );
  const pem = publicPem.replace(/\n/g, '\\n');
  writeFileSync(
    join(project, 'rebar.config'),
    `{deps, [{${dep.name}, "${dep.version}"}]}.\n{hex, [{repos, replace, [#{name => <<"sigil">>, repo_url => <<"${repoUrl}">>, repo_public_key => <<"${pem}">>, repo_verify => true}]}]}.\n`,
  );
  // async: the repository is served by this same process, so a blocking spawn would deadlock
  const r = await runAsync('rebar3', ['get-deps'], project, {
    HOME: join(project, 'home'),
    REBAR_CACHE_DIR: join(project, 'cache'),
    REBAR_GLOBAL_CONFIG_DIR: join(project, 'global'),
    DEBUG: '1',
  });
  return {
    ...r,
    dep: join(project, '_build', 'default', 'lib', dep.name, 'src', `${dep.name}.erl`),
  };
}
