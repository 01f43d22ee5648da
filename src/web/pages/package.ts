/** The package page: every version, who signed it, what the ledger allowed then, and the log. */
import { html, type Html } from '../html.js';
import type { PackageView, VersionView } from '../package-view.js';
import { entryPath, ledgerPath, UI_PREFIX } from '../paths.js';

const short = (id: string) => `${id.slice(0, 12)}…`;

export function packagePage(v: PackageView): Html {
  return html` <h1>${v.name}</h1>
    <p class="lede">
      ${v.versions.length} version${v.versions.length === 1 ? '' : 's'} · key ledger
      <a href="${ledgerPath(v.ledgerNamespace)}">${v.ledgerNamespace}</a>
      ${v.history.length === 0 ? html`<span class="badge">no keys yet (unsigned)</span>` : ''}
      ${v.resetInHistory ? html`<span class="badge bad">ledger was reset</span>` : ''}
    </p>
    ${v.conflicts.length > 0 ? conflicts(v) : ''} ${v.versions.map(version)}`;
}

function conflicts(v: PackageView): Html {
  return html`<section class="conflict" aria-labelledby="conflicts">
    <h2 id="conflicts">Conflict: the upstream offered other bytes</h2>
    <p>
      Sigil keeps serving the bytes it logged first. Someone changed a published release upstream;
      find out why before you trust either.
    </p>
    <ul>
      ${v.conflicts.map(
        (c) =>
          html`<li>
            <strong>${c.purl}</strong> from ${c.upstream} at ${c.seenAt}: logged sha512
            <code>${c.loggedSha512}</code>, offered <code>${c.offered}</code> (<a
              href="${entryPath(c.logIndex)}"
              >log entry ${c.logIndex}</a
            >)
          </li>`,
      )}
    </ul>
  </section>`;
}

function kindBadge(r: VersionView): Html {
  if (r.kind === 'author-signed') return html`<span class="badge good">author-signed</span>`;
  if (r.kind === 'observed') return html`<span class="badge">observed upstream</span>`;
  return html`<span class="badge warn">registry-published, no author signature</span>`;
}

function version(r: VersionView): Html {
  return html`<section class="version" aria-labelledby="v-${r.version}">
    <h2 id="v-${r.version}">${r.version} ${kindBadge(r)}</h2>
    <dl>
      <dt>Package URL</dt>
      <dd><code>${r.purl}</code></dd>
      <dt>Logged</dt>
      <dd>${r.publishedAt}</dd>
      ${
        r.authorKeyId
          ? html`<dt>Signed by</dt>
              <dd>
                author key <code title="${r.authorKeyId}">${short(r.authorKeyId)}</code> ${
                  r.signerAuthorised === true
                    ? html`<span class="badge good">authorised at log index ${r.authorIndex}</span>`
                    : r.signerAuthorised === false
                      ? html`<span class="badge bad"
                          >NOT authorised at log index ${r.authorIndex}</span
                        >`
                      : ''
                }
              </dd>
              <dt>Keys the ledger allowed then</dt>
              <dd>
                ${
                  r.keysAuthorised.length === 0
                    ? 'none (first use: this release established the key)'
                    : html`<ul class="keys">
                        ${r.keysAuthorised.map((k) => html`<li><code title="${k}">${short(k)}</code></li>`)}
                      </ul>`
                }
              </dd>`
          : r.account
            ? html`<dt>Uploaded by</dt>
                <dd>account ${r.account} (no author signature)</dd>`
            : ''
      }
      <dt>Countersignature</dt>
      <dd>
        ${r.countersigned ? 'registry publish statement' : 'none'}${r.npmSignature ? html`; npm registry signature, key <code>${r.npmSignature}</code>` : ''}
      </dd>
      <dt>Log entries</dt>
      <dd>
        ${
          r.authorIndex !== null
            ? html`author signature <a href="${entryPath(r.authorIndex)}">#${r.authorIndex}</a>; `
            : ''
        }${r.publishIndex !== null ? html`countersignature <a href="${entryPath(r.publishIndex)}">#${r.publishIndex}</a>` : ''}
      </dd>
      ${r.observed ? observed(r) : ''}
      <dt>Digests</dt>
      <dd>
        <ul class="digests">
          ${r.digests.map(
            (d) =>
              html`<li>
                <span class="label">${d.label}</span> <code class="digest">${d.value}</code>
              </li>`,
          )}
        </ul>
      </dd>
      ${
        r.install
          ? html`<dt>Install</dt>
              <dd><code class="cmd">${r.install}</code></dd>`
          : ''
      }
      <dt>Artifact</dt>
      <dd>
        <a href="${r.downloadPath}">download</a> (${r.size.toLocaleString('en-US')} bytes) ·
        <a href="${UI_PREFIX}/verify?purl=${encodeURIComponent(r.purl)}"
          >verify it in your browser</a
        >
      </dd>
    </dl>
  </section>`;
}

function observed(r: VersionView): Html {
  const o = r.observed!;
  const e = o.evidence;
  return html`<dt>Observed</dt>
    <dd>
      fetched from ${o.upstream} at
      ${o.observedAt}${o.upstreamPublishedAt ? html` (upstream says published ${o.upstreamPublishedAt})` : ''}
    </dd>
    <dt>Upstream registry signature</dt>
    <dd>
      <span
        class="badge ${e.registrySignature.verdict === 'valid' ? 'good' : e.registrySignature.verdict === 'invalid' ? 'bad' : ''}"
        >${e.registrySignature.verdict}</span
      >
      ${e.registrySignature.reason}
    </dd>
    <dt>Provenance</dt>
    <dd>
      <span
        class="badge ${e.provenance.verdict === 'valid' ? 'good' : e.provenance.verdict === 'invalid' ? 'bad' : ''}"
        >${e.provenance.verdict}</span
      >
      ${e.provenance.repository ? html`repository ${e.provenance.repository}` : ''}
      ${e.provenance.workflow ? html`workflow ${e.provenance.workflow}` : ''} ${e.provenance.reason}
    </dd>`;
}
