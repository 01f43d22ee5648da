// The real pip and twine from a test: one clean environment (no user config, no version check).
import { environWithout } from './run-program.js';

/** pipEnv: environment for pip/twine without the caller's PIP_, TWINE_ and PYTHONPATH settings. */
export function pipEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...environWithout(['PIP_', 'TWINE_', 'PYTHONPATH']),
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    ...extra,
  };
}
