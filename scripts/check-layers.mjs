#!/usr/bin/env node
// Fails when a pure layer (src/core, src/log, src/ledger) reaches for I/O.
// The same rule is enforced by test/layers.test.ts; this script lets `npm run lint` say it too.
import { findLayerViolations } from './layer-rules.mjs';

const violations = findLayerViolations(process.cwd());
for (const v of violations) console.error(`sigil-lint: ${v.file}:${v.line}: ${v.message}`);
process.exit(violations.length === 0 ? 0 : 1);
