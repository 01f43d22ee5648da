/**
 * The PEP 740 evidence of a PyPI upstream file: the provenance its index links
 * (`provenance` in PEP 691 JSON, `data-provenance` in PEP 503 HTML; PyPI's Integrity API
 * `/integrity/<project>/<version>/<filename>/provenance`), fetched and verified with the
 * bundled Sigstore public-good root (foreign/sigstore/pep740.ts).
 *
 *   verified                  verdict "valid", with the publisher's repository and workflow
 *   publisher kind unknown    verdict "unverified" (signatures checked, identity not matched)
 *   offered but failing       the file is REFUSED (502 UPSTREAM_PROVENANCE_INVALID), nothing logged
 *
 * Why refuse rather than log a failing verdict: an observed record fixes a file's digests
 * forever, and PyPI verifies every attestation before it serves it, so a provenance that fails
 * here means the bytes or the provenance were changed after PyPI (a mirror, a proxy, a
 * compromised upstream). Logging would make those bytes the file's truth for every later
 * verifier; refusing loses nothing (the next download tries again) and pip fails loudly.
 */
import type { UpstreamEvidence } from '../../core/observed.js';
import { verifyPep740Provenance, describePublisher } from '../../foreign/sigstore/index.js';
import { UpstreamClient, UpstreamError } from './http.js';

/** Far above a real provenance (a few KiB per attestation). */
const MAX_PROVENANCE_BYTES = 1 << 20;

/** pep740Evidence checks the provenance at `url` for `filename` with `bytes`; throws {@link UpstreamError} when the upstream offered one that fails. */
export async function pep740Evidence(
  client: UpstreamClient,
  label: string,
  url: string,
  filename: string,
  bytes: Uint8Array,
  trustedRoot?: unknown,
): Promise<UpstreamEvidence['provenance']> {
  const refuse = (why: string) =>
    new UpstreamError(
      502,
      'UPSTREAM_PROVENANCE_INVALID',
      `${label} offers PEP 740 provenance for ${filename} that does not verify: ${why}; refused, nothing logged`,
      'the file or its provenance was changed after PyPI checked them; ask the upstream operator, or point Sigil at another mirror',
      { provenance: url },
    );
  const r = await client.get(url, {
    upstream: label,
    what: `PEP 740 provenance of ${filename}`,
    maxBytes: MAX_PROVENANCE_BYTES,
    accept: 'application/vnd.pypi.integrity.v1+json, application/json;q=0.9',
  });
  if (!r) throw refuse(`its index links ${url}, which answers 404`);
  let doc: unknown;
  try {
    doc = JSON.parse(r.body.toString('utf8'));
  } catch {
    throw refuse(`${url} is not JSON`);
  }
  const v = verifyPep740Provenance(
    doc,
    filename,
    bytes,
    trustedRoot !== undefined ? { trustedRoot } : {},
  );
  if (v.outcome === 'invalid')
    throw refuse(v.checks.find((c) => c.status === 'fail')?.reason ?? 'a check failed');
  const who = v.publisher ? describePublisher(v.publisher) : 'an unnamed publisher';
  if (v.outcome === 'unverified')
    return {
      verdict: 'unverified',
      reason: `PEP 740 provenance from ${url}: signatures and subject verified, but the publisher ${who} is of a kind Sigil cannot match to the certificate`,
    };
  const p = v.publisher;
  const source =
    p?.kind === 'GitHub' && 'workflow' in p
      ? {
          repository: `https://github.com/${p.repository}`,
          workflow: `.github/workflows/${p.workflow}`,
        }
      : p?.kind === 'GitLab' && 'workflowFilepath' in p
        ? { repository: `https://gitlab.com/${p.repository}`, workflow: p.workflowFilepath }
        : {};
  return {
    verdict: 'valid',
    ...source,
    reason: `PEP 740 provenance verified with ${trustedRoot !== undefined ? 'the configured Sigstore trusted root' : 'the Sigstore public-good root'}: published by ${who}`,
  };
}
