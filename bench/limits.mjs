// How every benchmark measures the machine's limits (issue 14): the same way as
// Sigil's own figure, in the same run.
//   - wall: `openssl speed -elapsed` (rates per wall-second), or `openssl dgst`
//     timed around the process; Sigil timed with hrtime.
//   - CPU per operation: `openssl speed` without -elapsed (openssl's own rate per
//     user-CPU-second), or the child's CPU time from /proc (a shell waits for the
//     child and reads its own cutime/cstime); Sigil with process.cpuUsage (all
//     threads of the process) or /proc/<pid>/stat for a server child.
//   - noise: the limit run three times, printed as min/median/max.
//   - load average at the start and end of every section.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const TICK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

export const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** noise: "min / median / max" of a limit's runs. */
export const noise = (xs, f = (x) => x.toFixed(0)) =>
  `${f(Math.min(...xs))} / ${f(median(xs))} / ${f(Math.max(...xs))}`;

/** section prints a section title with the load average; end() prints the load at its end. */
export function section(title) {
  console.log(`\n${title}\n  load average at start: ${load()}`);
  return { end: () => console.log(`  load average at end:   ${load()}`) };
}

/** measure runs fn (sync or async) and returns its wall and CPU seconds (this process, every thread). */
export async function measure(fn) {
  const c = process.cpuUsage();
  const t = process.hrtime.bigint();
  const value = await fn();
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  const u = process.cpuUsage(c);
  return { wall, cpu: (u.user + u.system) / 1e6, value };
}

/** procCpu: CPU seconds (user + system) a live process has used so far, from /proc/<pid>/stat. */
export function procCpu(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK; // utime, stime (fields 14, 15)
  } catch {
    return NaN;
  }
}

/**
 * timeChild runs a program to completion and returns its wall seconds and CPU
 * seconds (user + system): a shell runs it, waits, and reads its own cutime/cstime.
 */
export function timeChild(cmd, args) {
  const t = process.hrtime.bigint();
  const r = spawnSync('sh', ['-c', '"$0" "$@" >/dev/null && cat /proc/$$/stat', cmd, ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  const wall = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const f = r.stdout.split(') ')[1].split(' ');
  return { wall, cpu: (Number(f[13]) + Number(f[14])) / TICK }; // cutime, cstime (fields 16, 17)
}

/**
 * timeChildAsync is timeChild without blocking this process (for children that talk
 * to a server running here). Rejects when the program exits non-zero.
 */
export function timeChildAsync(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const c = spawn(
      'sh',
      ['-c', '"$0" "$@" >/dev/null 2>&1; s=$?; cat /proc/$$/stat; exit $s', cmd, ...args],
      { stdio: ['ignore', 'pipe', 'ignore'], ...options },
    );
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - t) / 1e9;
      if (code !== 0) return reject(new Error(`exit ${code}: ${cmd} ${args.join(' ')}`));
      const f = out.split(') ')[1].split(' ');
      resolve({ wall, cpu: (Number(f[13]) + Number(f[14])) / TICK });
    });
  });
}

function speedRun(alg, seconds, elapsed) {
  const r = spawnSync(
    'openssl',
    ['speed', ...(elapsed ? ['-elapsed'] : []), '-seconds', String(seconds), alg],
    { encoding: 'utf8' },
  );
  // stderr: "Doing 253 bits verify Ed25519's for 1s: 11671 253 bits Ed25519 verify in 0.88s"
  const out = {};
  for (const m of r.stderr.matchAll(
    /Doing .*?\b(sign|verify)\b.*? for (\d+)s: (\d+) .*? in ([\d.]+)s/g,
  )) {
    out[m[1]] = { ops: Number(m[3]), alarm: Number(m[2]), secs: Number(m[4]) };
  }
  return out;
}

/**
 * opensslSpeed measures one algorithm's sign and verify limits on one core:
 * three `openssl speed -elapsed` runs (ops per wall-second: min/median/max) and
 * one run without -elapsed (ops per user-CPU-second, as openssl reports them).
 * Returns { verify: { wall: [r1, r2, r3], wallRate, cpuRate, cpuPerOp }, sign: {...} }.
 */
export function opensslSpeed(alg, seconds = 1) {
  const runs = [0, 1, 2].map(() => speedRun(alg, seconds, true));
  const cpu = speedRun(alg, seconds, false);
  const result = {};
  for (const op of ['sign', 'verify']) {
    const wall = runs.map((r) => (r[op] ? r[op].ops / r[op].secs : NaN));
    const c = cpu[op];
    const cpuRate = c ? c.ops / c.secs : NaN;
    result[op] = { wall, wallRate: median(wall), cpuRate, cpuPerOp: 1 / cpuRate };
  }
  return result;
}

/** fmtRate: "12,148 /s". */
export const fmtRate = (n, unit = '/s') => `${Math.round(n).toLocaleString('en')} ${unit}`;
/** us: seconds per operation as microseconds or milliseconds, whichever reads better. */
export const perOp = (s) =>
  s >= 1e-3 ? `${(s * 1e3).toFixed(2)} ms` : `${(s * 1e6).toFixed(1)} µs`;

/** row prints one figure: what, Sigil's value, the limit, and a note (ratio, goal). */
export function row(what, value, limit, note) {
  console.log(
    `  ${what.padEnd(48)} ${String(value).padStart(18)}   limit ${String(limit).padStart(18)}   ${note}`,
  );
}
