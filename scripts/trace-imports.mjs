// Records every module a node process loads, for the start-up test and bench:
//   node --import ./scripts/trace-imports.mjs bin/sigil.js --version
// writes one resolved URL per line to $SIGIL_TRACE_IMPORTS (ESM through the
// module hooks, CommonJS through Module._load), so a test can assert what a
// command does not load.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const out = process.env.SIGIL_TRACE_IMPORTS;
if (out) {
  const hooks = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(out)}, r.url + '\\n');
  return r;
}`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`);
  const Module = createRequire(import.meta.url)('node:module');
  const load = Module._load;
  Module._load = function (request, parent, ...rest) {
    try {
      appendFileSync(out, `cjs:${Module._resolveFilename(request, parent)}\n`);
    } catch {
      /* unresolvable: the real load reports it */
    }
    return load.call(this, request, parent, ...rest);
  };
}
