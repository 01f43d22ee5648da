#!/usr/bin/env node
// Fails when a pure layer (src/core, src/log, src/ledger) reaches for I/O, or an import
// points up or across the layers. The same rules are enforced by test/layers.test.ts; this
// script lets `npm run lint` say it too.
import { findDirectionViolations, findLayerViolations } from './layer-rules.mjs';

const violations = [
  ...findLayerViolations(process.cwd()),
  ...findDirectionViolations(process.cwd()),
];
for (const v of violations) console.error(`sigil-lint: ${v.file}:${v.line}: ${v.message}`);
process.exit(violations.length === 0 ? 0 : 1);
