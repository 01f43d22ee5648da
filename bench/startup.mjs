// CLI start-up (issue 14): each command as a user runs it (`node bin/sigil.js …`, a new
// process), beside bare `node -e 0` measured the same way in the same run: wall and
// CPU (user + system, from /proc via the waiting shell), 3 runs each, median and
// min/median/max. Goals: --version and --help ≤ 1.3× bare node; verifying one
// artifact ≤ bare node + 150 ms.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { npmTarball } from './npm-tarball.mjs';
import { median, noise, row, section, timeChild, timeChildAsync } from './limits.mjs';

const dist = (p) => new URL(`../dist/${p}`, import.meta.url).href;
const BIN = fileURLToPath(new URL('../bin/sigil.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sigil-bench-startup-'));
const dataDir = mkdtempSync(
  join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'sigil-bench-startup-data-'),
);
process.on('exit', () => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});
// The children's environment (restored at the end: later benchmarks share this process).
const savedEnv = {
  SIGIL_PASSPHRASE: process.env.SIGIL_PASSPHRASE,
  SIGIL_CONFIG_DIR: process.env.SIGIL_CONFIG_DIR,
};
process.env.SIGIL_PASSPHRASE = 'bench passphrase';
process.env.SIGIL_CONFIG_DIR = join(dir, 'config');

const s = section(
  'CLI start-up (a new process per command; 3 runs each, wall and CPU median; bare node measured the same way, interleaved)',
);

// A 10-dependency npm project on a local registry (the real server, in this process).
const { openRegistry } = await import(dist('registry/server.js'));
const { publishRelease } = await import(dist('registry/publish.js'));
const { generateKey } = await import(dist('core/keys.js'));
const { signRelease } = await import(dist('core/sign.js'));
const { buildKeyEvent } = await import(dist('ledger/event.js'));
const registry = await openRegistry({
  dataDir,
  host: '127.0.0.1',
  port: 0,
  origin: 'bench.sigil.test/log',
  openWrites: true,
  batchIntervalMs: 1,
});
const url = await registry.listen();
const ctx = {
  store: registry.store,
  log: registry.log,
  registryKey: registry.registryKey,
  baseUrl: url,
  authority: registry.ledger,
  requireAuthorSignature: false,
  now: () => new Date(),
};
const author = generateKey('ed25519');
const project = join(dir, 'project');
mkdirSync(project);
const pk = { '': { name: 'app', version: '1.0.0', dependencies: {} } };
for (let i = 0; i < 10; i++) {
  const name = `startup-pkg-${i}`;
  const bytes = npmTarball({
    'package.json': JSON.stringify({ name, version: '1.0.0' }),
    'index.js': `module.exports = ${i};\n`,
  });
  const sha512 = createHash('sha512').update(bytes).digest();
  const digests = {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sha512: sha512.toString('hex'),
  };
  const add = buildKeyEvent(
    {
      namespace: `pkg:npm/${name}`,
      previous: null,
      action: 'add',
      keys: [author.publicKey],
      reason: 'first publish',
    },
    [author],
  ).envelope;
  await publishRelease(ctx, {
    filename: `${name}-1.0.0.tgz`,
    artifact: bytes,
    bundle: signRelease({ purl: `pkg:npm/${name}@1.0.0`, digests, key: author }),
    keyEvents: [add],
  });
  pk[''].dependencies[name] = '1.0.0';
  pk[`node_modules/${name}`] = {
    version: '1.0.0',
    resolved: `${url}/${name}/-/${name}-1.0.0.tgz`,
    integrity: `sha512-${sha512.toString('base64')}`,
  };
}
writeFileSync(
  join(project, 'package.json'),
  JSON.stringify({ name: 'app', version: '1.0.0', dependencies: pk[''].dependencies }),
);
writeFileSync(
  join(project, 'package-lock.json'),
  JSON.stringify(
    { name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages: pk },
    null,
    2,
  ),
);

// keygen once to have keys for sign/verify (its own figure uses fresh folders).
timeChild(process.execPath, [BIN, 'keygen', '--out', join(dir, 'keys')]);
const keyFile = join(
  dir,
  'keys',
  readdirSync(join(dir, 'keys')).find((f) => f.endsWith('.key')),
);
const pubFile = keyFile.replace(/\.key$/, '.pub');
const artifact = join(dir, 'tool-1.0.0.bin');
writeFileSync(artifact, Buffer.alloc(100 * 1024, 7));
timeChild(process.execPath, [
  BIN,
  'sign',
  artifact,
  '--key',
  keyFile,
  '--name',
  'tool',
  '--version',
  '1.0.0',
]);
// An npm tarball too: identifying it loads the npm adapter (and only it) on top.
const tarball = join(dir, 'tool-1.0.0.tgz');
writeFileSync(
  tarball,
  npmTarball({
    'package.json': JSON.stringify({ name: 'tool', version: '1.0.0' }),
    'index.js': 'module.exports = 1;\n',
  }),
);
timeChild(process.execPath, [BIN, 'sign', tarball, '--key', keyFile]);

let k = 0;
const commands = {
  '--version': () => [BIN, '--version'],
  '--help': () => [BIN, '--help'],
  keygen: () => [BIN, 'keygen', '--out', join(dir, `kg-${k++}`)],
  'sign (100 KiB file)': () => [
    BIN,
    'sign',
    artifact,
    '--key',
    keyFile,
    '--name',
    'tool',
    '--version',
    '1.0.0',
    '--out',
    join(dir, `b-${k++}.json`),
  ],
  'verify <artifact>': () => [BIN, 'verify', artifact, '--key', pubFile],
  'verify <npm tarball>': () => [BIN, 'verify', tarball, '--key', pubFile],
  'verify package-lock.json (10 deps)': () => [
    BIN,
    'verify',
    join(project, 'package-lock.json'),
    '--server',
    url,
  ],
};
const bare = [];
const runs = Object.fromEntries(Object.keys(commands).map((c) => [c, []]));
for (let i = 0; i < 3; i++) {
  bare.push(timeChild(process.execPath, ['-e', '0']));
  for (const [name, args] of Object.entries(commands)) {
    try {
      runs[name].push(await timeChildAsync(process.execPath, args()));
    } catch (e) {
      console.log(`  ${name}: failed: ${e.message.slice(0, 300)}`);
    }
  }
}
await registry.close();
for (const [k, v] of Object.entries(savedEnv)) {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}

const ms = (x) => `${(x * 1000).toFixed(0)} ms`;
const bw = median(bare.map((r) => r.wall));
const bc = median(bare.map((r) => r.cpu));
row(
  'bare node -e 0',
  `${ms(bw)} / ${ms(bc)} CPU`,
  '',
  `runs ${noise(bare.map((r) => r.wall * 1000))} ms wall`,
);
for (const [name, rs] of Object.entries(runs)) {
  if (rs.length === 0) continue;
  const w = median(rs.map((r) => r.wall));
  const c = median(rs.map((r) => r.cpu));
  const goal = name.startsWith('--')
    ? `goal ≤ 1.3× bare node`
    : name.startsWith('verify <')
      ? `goal ≤ bare node + 150 ms (+${ms(w - bw)} wall, +${ms(c - bc)} CPU)`
      : 'measured';
  row(
    `sigil ${name}`,
    `${ms(w)} / ${ms(c)} CPU`,
    `${ms(bw)} / ${ms(bc)} CPU`,
    `${(w / bw).toFixed(2)}× wall, ${(c / bc).toFixed(2)}× CPU of bare node; ${goal}; runs ${noise(rs.map((r) => r.wall * 1000))} ms`,
  );
}
s.end();
