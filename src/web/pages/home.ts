/** Home and search: packages across ecosystems, the newest releases, the log's size and age. */
import type { ReleaseSummary } from '../catalogue.js';
import { SEARCH_LIMIT } from '../catalogue.js';
import { html, type Html } from '../html.js';
import { packagePath, UI_PREFIX } from '../paths.js';
import { purlWithoutVersion } from '../../core/purl.js';

export interface LogSummary {
  readonly origin: string;
  readonly size: number;
  /** Seconds since the checkpoint was signed, when the server knows it. */
  readonly ageSeconds: number | undefined;
}

export function releaseList(rows: readonly ReleaseSummary[]): Html {
  return html`<ul class="releases">
    ${rows.map(
      (r) =>
        html`<li>
          <a href="${packagePath(purlWithoutVersion(r.purl))}"
            >${r.namespace ? `${r.namespace}/` : ''}${r.name}</a
          >
          <span class="version">${r.version}</span>
          <span class="eco">${r.type}</span>
          ${r.signed ? html`<span class="badge good">author-signed</span>` : r.observed ? html`<span class="badge">observed</span>` : html`<span class="badge warn">unsigned</span>`}
        </li>`,
    )}
  </ul>`;
}

export function homePage(log: LogSummary, recent: readonly ReleaseSummary[]): Html {
  return html`<h1>
      Packages signed by their authors, countersigned by this registry, remembered by a public log
    </h1>
    <p class="lede">
      Log <code>${log.origin}</code> holds
      <strong>${log.size.toLocaleString('en-US')}</strong> entries${
        log.ageSeconds !== undefined ? html`; its checkpoint is ${log.ageSeconds} s old` : ''
      }. <a href="${UI_PREFIX}/log">Browse the log</a>.
    </p>
    <h2>Recent releases</h2>
    ${recent.length === 0 ? html`<p>Nothing has been published yet.</p>` : releaseList(recent)}`;
}

export function searchPage(query: string, rows: readonly ReleaseSummary[]): Html {
  return html`<h1>Search: ${query}</h1>
    ${
      rows.length === 0
        ? html`<p>
            No package matches “${query}”. Search by name (<code>left-pad</code>) or purl
            (<code>pkg:npm/left-pad</code>).
          </p>`
        : html`<p>
              ${rows.length}${rows.length === SEARCH_LIMIT ? '+' : ''}
              release${rows.length === 1 ? '' : 's'}
            </p>
            ${releaseList(rows)}`
    }`;
}
