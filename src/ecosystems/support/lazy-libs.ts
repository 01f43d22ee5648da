/**
 * The parsing libraries an ecosystem needs only for some files (YAML, XML,
 * TOML), loaded on first use: every adapter is registered at start-up for
 * detection, and `sigil verify app.tgz` should not pay ~0.2 CPU-s to load
 * parsers for gemspecs, POMs and Cargo manifests it never reads.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let yaml: typeof import('yaml') | undefined;
let xml: typeof import('fast-xml-parser') | undefined;
let toml: typeof import('smol-toml') | undefined;

/** yamlLib: the `yaml` package. */
export const yamlLib = (): typeof import('yaml') =>
  (yaml ??= require('yaml') as typeof import('yaml'));
/** xmlLib: the `fast-xml-parser` package. */
export const xmlLib = (): typeof import('fast-xml-parser') =>
  (xml ??= require('fast-xml-parser') as typeof import('fast-xml-parser'));
/** tomlLib: the `smol-toml` package. */
export const tomlLib = (): typeof import('smol-toml') =>
  (toml ??= require('smol-toml') as typeof import('smol-toml'));
