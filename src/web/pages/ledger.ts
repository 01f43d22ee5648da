/** The namespace key ledger: a timeline of key events, who signed each, and its log entry. */
import type { HistoryEntry } from '../../ledger/replay.js';
import { html, type Html } from '../html.js';
import { entryPath } from '../paths.js';

export interface LedgerEventView {
  readonly entry: HistoryEntry;
  /** compromisedSince from the event's predicate (revoke, reset), when it names one. */
  readonly compromisedSince: number | undefined;
}

const short = (id: string) => `${id.slice(0, 12)}…`;
const keyList = (ids: readonly string[]) =>
  ids.map((k) => html`<code title="${k}">${short(k)}</code> `);

export function ledgerPage(namespace: string, events: readonly LedgerEventView[]): Html {
  return html`<h1>Key ledger of ${namespace}</h1>
    ${
      events.length === 0
        ? html`<p>
            This namespace has no key events: its releases carry no author signature the ledger
            could check.
          </p>`
        : html`<ol class="timeline">
            ${events.map(event)}
          </ol>`
    }`;
}

function event({ entry: h, compromisedSince }: LedgerEventView): Html {
  const alarming = h.reset || compromisedSince !== undefined || h.status === 'rejected';
  return html`<li class="event ${alarming ? 'alarm' : ''}">
    <p>
      <a href="${entryPath(h.logIndex)}">log entry #${h.logIndex}</a>
      <strong class="action">${h.action ?? 'unknown'}</strong>
      ${h.firstUse ? html`<span class="badge">first use</span>` : ''}
      ${h.reset ? html`<span class="badge bad">RESET by the registry</span>` : ''}
      ${compromisedSince !== undefined ? html`<span class="badge bad">key compromised since log index ${compromisedSince}</span>` : ''}
      ${h.status === 'rejected' ? html`<span class="badge bad">rejected: ${h.code}</span>` : ''}
    </p>
    <p>${h.reason}</p>
    <dl>
      ${
        h.added.length > 0
          ? html`<dt>Added</dt>
              <dd>${keyList(h.added)}</dd>`
          : ''
      }
      ${
        h.removed.length > 0
          ? html`<dt>Removed</dt>
              <dd>${keyList(h.removed)}</dd>`
          : ''
      }
      <dt>Signed by</dt>
      <dd>${h.signers.length > 0 ? keyList(h.signers) : 'nobody'}</dd>
    </dl>
  </li>`;
}
