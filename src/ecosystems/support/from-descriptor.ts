/** An adapter's identity is its descriptor's: one copy of what detection already knows. */
import type { EcosystemAdapter, EcosystemDescriptor } from '../adapter.js';

/** fromDescriptor gives the fields an adapter shares with its ecosystem's descriptor. */
export function fromDescriptor(
  d: EcosystemDescriptor,
): Pick<EcosystemAdapter, 'type' | 'displayName' | 'detect'> {
  return { type: d.type, displayName: d.displayName, detect: d.detect };
}
