/**
 * layout: the frame around every page — skip link, navigation, search box,
 * one stylesheet and (only on pages that check something) the islands module.
 * No inline script or style anywhere: the CSP forbids both (csp.ts).
 */
import { html, type Html } from './html.js';
import { UI_PREFIX } from './paths.js';

export interface PageOptions {
  readonly title: string;
  readonly body: Html;
  /** Load the browser-side checks (verify, proofs). */
  readonly islands?: boolean;
  readonly query?: string;
}

export function layout(p: PageOptions): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${p.title} · Sigil</title>
        <link rel="icon" href="${UI_PREFIX}/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="${UI_PREFIX}/assets/style.css" />
        ${p.islands ? html`<script type="module" src="${UI_PREFIX}/assets/islands.js"></script>` : ''}
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        <header>
          <nav aria-label="Main">
            <a class="brand" href="${UI_PREFIX}/">Sigil</a>
            <a href="${UI_PREFIX}/log">Log</a>
            <a href="${UI_PREFIX}/verify">Verify a file</a>
            <a href="${UI_PREFIX}/account">Account</a>
          </nav>
          <form role="search" action="${UI_PREFIX}/search" method="get">
            <label for="q" class="visually-hidden">Search packages by name or purl</label>
            <input
              id="q"
              name="q"
              type="search"
              placeholder="name or pkg:npm/…"
              value="${p.query ?? ''}"
            />
            <button type="submit">Search</button>
          </form>
        </header>
        <main id="main">${p.body}</main>
        <footer>
          <p>
            Every signature, countersignature and key change shown here is in this registry's public
            transparency log; <a href="${UI_PREFIX}/verify">check a file yourself</a>.
          </p>
        </footer>
      </body>
    </html>`;
}
