/** Verify in your browser: nothing is uploaded; the file is hashed and checked in the page. */
import { html, type Html } from '../html.js';

export function verifyPage(purl: string): Html {
  return html`<h1>Verify a file in your browser</h1>
    <p class="lede">
      Choose a downloaded artifact. Your browser hashes it with WebCrypto and checks its digest, the
      author's signature, the registry's countersignature, the log checkpoint and the inclusion
      proofs with the same code the <code>sigil</code> CLI uses. The file never leaves your
      computer.
    </p>
    <section class="island" data-island="verify">
      <form class="verify-form" action="#" method="get">
        <p>
          <label for="artifact">Artifact</label><br /><input
            id="artifact"
            name="artifact"
            type="file"
          />
        </p>
        <p>
          <label for="bundle"
            >Its bundle (<code>.sigstore.json</code>, optional: else the logged one)</label
          ><br /><input id="bundle" name="bundle" type="file" accept=".json,application/json" />
        </p>
        <p>
          <label for="purl">Package URL (optional: else found by the file's sha256)</label
          ><br /><input
            id="purl"
            name="purl"
            value="${purl}"
            placeholder="pkg:npm/left-pad@1.3.0"
          />
        </p>
        <p>
          <label for="expect-key">Author key id you expect (optional pin)</label><br /><input
            id="expect-key"
            name="expect-key"
            placeholder="64 hex digits"
            autocomplete="off"
          />
        </p>
        <p><button type="submit">Verify</button></p>
      </form>
      <noscript
        ><p>
          Verifying in the page needs JavaScript. Without it, run
          <code>sigil verify &lt;file&gt;</code>.
        </p></noscript
      >
      <ol class="steps checks" aria-live="polite"></ol>
      <p class="summary" role="status"></p>
    </section>`;
}
