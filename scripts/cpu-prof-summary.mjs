// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by
// file, top N, as the bench docs quote them.
//   node scripts/cpu-prof-summary.mjs PROFILE.cpuprofile [N]
import { readFileSync } from 'node:fs';

const [file, topArg] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/cpu-prof-summary.mjs PROFILE.cpuprofile [N]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = prof.timeDeltas;
for (let i = 0; i < prof.samples.length; i++)
  self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + (dt[i] ?? 0));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const short = (url) =>
  url.replace(/^file:\/\/.*?\/(dist|node_modules|src)\//, '$1/').replace(/^node:/, 'node:');
const fn = new Map();
const mod = new Map();
for (const [id, us] of self) {
  const n = byId.get(id);
  const cf = n.callFrame;
  const where = cf.url ? short(cf.url) : `(${cf.functionName || 'program'})`;
  const key = `${cf.functionName || '(anonymous)'}  ${where}${cf.url ? `:${cf.lineNumber + 1}` : ''}`;
  fn.set(key, (fn.get(key) ?? 0) + us);
  const m = cf.url
    ? short(cf.url).split('/').slice(0, 2).join('/')
    : `(${cf.functionName || 'program'})`;
  mod.set(m, (mod.get(m) ?? 0) + us);
}
const show = (title, map) => {
  console.log(`${title} (total ${(total / 1000).toFixed(0)} ms sampled)`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(
      `  ${(us / 1000).toFixed(1).padStart(8)} ms ${((100 * us) / total).toFixed(1).padStart(5)} %  ${k}`,
    );
};
show('self time by function', fn);
show('self time by package / top folder', mod);
