/**
 * PyPI's release identity: PEP 503 names (lower-case, runs of "-", "_", "."
 * folded to "-") and PEP 440 version equality — the normalised form
 * (packaging.version: "1.0-ALPHA.1" = "1.0a1", "1.0-r2" = "1.0.post2",
 * "v1.0" = "1.0", epochs "0!" dropped) with trailing zero release segments
 * ignored, as PEP 440 "Version matching" pads them (1.0 = 1.0.0).
 */
import type { ReleaseKeyParts } from '../adapter.js';
import { normalizePypiName } from './name.js';

const PEP440 =
  /^v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|b|c|rc|alpha|beta|pre|preview)[-_.]?(\d+)?)?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d+)?)?(?:[-_.]?(dev)[-_.]?(\d+)?)?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?$/i;

/** pep440Key is the PEP 440 identity of a version; an unparsable version stands for itself (lower-cased). */
export function pep440Key(version: string): string {
  const v = version.trim().toLowerCase();
  const m = PEP440.exec(v);
  if (!m) return v;
  const [, epoch, release, pre, preN, implicitPost, post, postN, dev, devN, local] = m;
  const nums = release!.split('.').map((x) => String(Number(x)));
  while (nums.length > 1 && nums[nums.length - 1] === '0') nums.pop();
  let out = epoch && Number(epoch) !== 0 ? `${Number(epoch)}!` : '';
  out += nums.join('.');
  if (pre)
    out += `${pre === 'alpha' ? 'a' : pre === 'beta' ? 'b' : pre === 'a' || pre === 'b' || pre === 'rc' ? pre : 'rc'}${Number(preN ?? 0)}`;
  if (implicitPost !== undefined) out += `.post${Number(implicitPost)}`;
  else if (post) out += `.post${Number(postN ?? 0)}`;
  if (dev) out += `.dev${Number(devN ?? 0)}`;
  if (local)
    out += `+${local
      .replace(/[-_]/g, '.')
      .split('.')
      .map((s) => (/^\d+$/.test(s) ? String(Number(s)) : s))
      .join('.')}`;
  return out;
}

export function pypiReleaseKey(p: ReleaseKeyParts): ReleaseKeyParts {
  return { ...p, name: normalizePypiName(p.name), version: pep440Key(p.version) };
}
