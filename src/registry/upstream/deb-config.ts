/**
 * The Debian upstream's part of the config (docs/debian.md):
 *
 *   "deb": { "url": "http://deb.debian.org/debian", "suite": "bookworm",
 *            "components": ["main"], "architectures": ["amd64"],
 *            "keyring": "/usr/share/keyrings/debian-archive-keyring.gpg" }
 *
 * Everything but the URL has a default (below); `--upstream deb=URL` takes them all.
 */

export interface DebUpstreamConfig {
  readonly suite: string;
  readonly components: readonly string[];
  readonly architectures: readonly string[];
  readonly keyring: string;
}

export const DEFAULT_DEB_UPSTREAM: DebUpstreamConfig = {
  suite: 'stable',
  components: ['main'],
  architectures: ['amd64'],
  keyring: '/usr/share/keyrings/debian-archive-keyring.gpg',
};

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** parseDebUpstreamConfig reads suite, components, architectures and keyring of an upstreams.deb entry; problems are pushed, defaults fill the rest. */
export function parseDebUpstreamConfig(
  entry: Record<string, unknown>,
  problems: string[],
): DebUpstreamConfig {
  const suite = entry['suite'] ?? DEFAULT_DEB_UPSTREAM.suite;
  if (typeof suite !== 'string' || !SEGMENT.test(suite) || suite === 'sigil')
    problems.push(
      `upstreams.deb.suite must be a suite name such as "bookworm" (not "sigil", the hosted suite)`,
    );
  const list = (k: 'components' | 'architectures'): string[] => {
    const v = entry[k] ?? DEFAULT_DEB_UPSTREAM[k];
    if (
      !Array.isArray(v) ||
      v.length === 0 ||
      v.some((x) => typeof x !== 'string' || !SEGMENT.test(x))
    ) {
      problems.push(
        `upstreams.deb.${k} must be a non-empty list of names, e.g. ${JSON.stringify(DEFAULT_DEB_UPSTREAM[k])}`,
      );
      return [...DEFAULT_DEB_UPSTREAM[k]];
    }
    return v as string[];
  };
  const keyring = entry['keyring'] ?? DEFAULT_DEB_UPSTREAM.keyring;
  return {
    suite: typeof suite === 'string' ? suite : DEFAULT_DEB_UPSTREAM.suite,
    components: list('components'),
    architectures: list('architectures'),
    keyring: typeof keyring === 'string' ? keyring : DEFAULT_DEB_UPSTREAM.keyring,
  };
}
