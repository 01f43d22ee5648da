/** The log browser: the signed checkpoint, recent entries decoded, proofs checked in the browser. */
import { html, type Html } from '../html.js';
import type { EntryView } from '../log-view.js';
import { entryPath, UI_PREFIX } from '../paths.js';

const KIND: Record<EntryView['kind'], string> = {
  author: 'author signature',
  publish: 'registry countersignature',
  'key-event': 'key event',
  conflict: 'conflict record',
};

export function logPage(p: {
  origin: string;
  checkpoint: string;
  size: number;
  vkey: string;
  entries: readonly EntryView[];
  start: number;
}): Html {
  return html`<h1>Transparency log</h1>
    <p class="lede">Origin <code>${p.origin}</code>, ${p.size.toLocaleString('en-US')} entries.</p>
    <h2>Signed checkpoint</h2>
    <pre class="checkpoint">${p.checkpoint}</pre>
    <p>Log public key (verifier key): <code class="digest">${p.vkey}</code></p>
    <section class="island" data-island="consistency" data-size="${p.size}" aria-labelledby="cons">
      <h2 id="cons">Consistency between two sizes</h2>
      <p>
        Your browser checks that the log at the newer size extends the older one (RFC 9162 §2.1.4),
        step by step. It remembers the newest checkpoint it verified, like a client would.
      </p>
      <form class="consistency-form" action="${UI_PREFIX}/log" method="get">
        <label for="size1">Older size</label>
        <input
          id="size1"
          name="size1"
          inputmode="numeric"
          value="${Math.max(1, Math.floor(p.size / 2))}"
        />
        <label for="size2">Newer size</label>
        <input id="size2" name="size2" inputmode="numeric" value="${p.size}" />
        <button type="submit">Check consistency</button>
      </form>
      <div class="steps" aria-live="polite"></div>
    </section>
    <h2>Entries ${p.start}–${Math.max(p.start, Math.min(p.size, p.start + 100) - 1)}</h2>
    <table class="entries">
      <thead>
        <tr>
          <th scope="col">Index</th>
          <th scope="col">Kind</th>
          <th scope="col">Subject</th>
          <th scope="col">Signed by</th>
        </tr>
      </thead>
      <tbody>
        ${p.entries.map(
          (e) =>
            html`<tr>
              <td><a href="${entryPath(e.logIndex)}">${e.logIndex}</a></td>
              <td>${KIND[e.kind]}</td>
              <td><code>${e.subject}</code></td>
              <td>${e.signers.map((s) => html`<code title="${s}">${s.slice(0, 12)}…</code> `)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
    <nav aria-label="Pages of entries" class="pager">
      ${p.start > 0 ? html`<a href="${UI_PREFIX}/log?start=${Math.max(0, p.start - 100)}">← older</a>` : ''}
      ${p.start + 100 < p.size ? html`<a href="${UI_PREFIX}/log?start=${p.start + 100}">newer →</a>` : ''}
    </nav>`;
}

export function entryPage(p: { index: number; size: number; entry: EntryView | undefined }): Html {
  const e = p.entry;
  return html`<h1>Log entry #${p.index}</h1>
    ${
      e
        ? html`<dl>
            <dt>Kind</dt>
            <dd>${KIND[e.kind]}</dd>
            <dt>Subject</dt>
            <dd><code>${e.subject}</code></dd>
            <dt>Statement type</dt>
            <dd><code>${e.predicateType}</code></dd>
            <dt>Signed by</dt>
            <dd>${e.signers.map((s) => html`<code>${s}</code> `)}</dd>
          </dl>`
        : html`<p>
            This entry was not appended by the registry itself (or is not yet committed); its leaf
            is still in the log.
          </p>`
    }
    <section class="island" data-island="inclusion" data-index="${p.index}" aria-labelledby="incl">
      <h2 id="incl">Inclusion proof</h2>
      <p>
        Your browser fetches the leaf, the proof and the signed checkpoint, verifies the
        checkpoint's signature, and recomputes the root from the leaf (RFC 9162 §2.1.3).
      </p>
      <button type="button" class="run">Check inclusion in my browser</button>
      <noscript
        ><p>
          Checking the proof needs JavaScript; the raw tiles are at
          <a href="/log/checkpoint">/log/checkpoint</a>.
        </p></noscript
      >
      <ol class="steps" aria-live="polite"></ol>
    </section>`;
}
