/**
 * The proxy config of `sigil serve`: `--config <file>` (or ./sigil.config.json, .yaml, .yml
 * when present) with `--upstream eco=URL` flags over it. Undefined when neither gives anything.
 */
import { existsSync } from 'node:fs';
import {
  applyUpstreamFlags,
  EMPTY_PROXY_CONFIG,
  readProxyConfig,
  type ProxyConfig,
} from '../../registry/upstream/config.js';

export const DEFAULT_CONFIG_FILES = ['sigil.config.json', 'sigil.config.yaml', 'sigil.config.yml'];

/** serveConfigFile is the config file `sigil serve` reads: --config, else the first default present. */
export function serveConfigFile(configFile: string | undefined): string | undefined {
  return configFile ?? DEFAULT_CONFIG_FILES.find((f) => existsSync(f));
}

export function loadServeProxyConfig(
  configFile: string | undefined,
  upstreamFlags: readonly string[],
): ProxyConfig | undefined {
  const file = serveConfigFile(configFile);
  const base = file ? readProxyConfig(file) : EMPTY_PROXY_CONFIG;
  const merged = applyUpstreamFlags(base, upstreamFlags);
  return Object.keys(merged.upstreams).length > 0 || file ? merged : undefined;
}
