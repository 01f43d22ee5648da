/** The account page: sign in with a token, tokens (list, revoke), two-factor enrolment. */
import type { TokenInfo } from '../../registry/auth/service.js';
import { html, type Html } from '../html.js';
import { UI_PREFIX } from '../paths.js';

const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}" />`;

export function signInPage(csrf: string, error?: string): Html {
  return html`<h1>Sign in</h1>
    ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
    <form method="post" action="${UI_PREFIX}/account/sign-in">
      ${csrfField(csrf)}
      <p>
        <label for="token">Access token</label><br />
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          required
          placeholder="sgl_…"
        />
      </p>
      <p class="hint">
        Create one with <code>sigil account token create</code>. It is sent in the form body, never
        in a URL, and kept only in this server's memory for the session.
      </p>
      <p><button type="submit">Sign in</button></p>
    </form>`;
}

export interface AccountPageData {
  readonly account: string;
  readonly twoFactor: 'off' | 'pending' | 'on';
  readonly tokens: readonly TokenInfo[];
  readonly currentTokenId: string;
  readonly csrf: string;
  readonly message?: string;
  readonly error?: string;
  /** During enrolment: the QR code and the secret spelled out for typing. */
  readonly enrolment?: { readonly qr: Html; readonly secret: string };
  /** Right after confirming: the recovery codes, shown this once. */
  readonly recoveryCodes?: readonly string[];
}

export function accountPage(d: AccountPageData): Html {
  return html`<h1>Account ${d.account}</h1>
    ${d.message ? html`<p class="notice" role="status">${d.message}</p>` : ''}
    ${d.error ? html`<p class="error" role="alert">${d.error}</p>` : ''}
    <form method="post" action="${UI_PREFIX}/account/sign-out">
      ${csrfField(d.csrf)}<button type="submit">Sign out</button>
    </form>
    <h2>Tokens</h2>
    <table class="tokens">
      <thead>
        <tr>
          <th scope="col">Id</th>
          <th scope="col">Label</th>
          <th scope="col">Actions</th>
          <th scope="col">Namespaces</th>
          <th scope="col">Created</th>
          <th scope="col">State</th>
          <th scope="col"></th>
        </tr>
      </thead>
      <tbody>
        ${d.tokens.map(
          (t) =>
            html`<tr>
              <td><code>${t.id}</code></td>
              <td>${t.label ?? ''}</td>
              <td>${t.actions.join(', ')}</td>
              <td>${t.namespaces.join(', ')}</td>
              <td>${t.createdAt}</td>
              <td>
                ${t.revokedAt ? html`revoked ${t.revokedAt}` : t.id === d.currentTokenId ? 'this session' : 'active'}
              </td>
              <td>
                ${
                  t.revokedAt
                    ? ''
                    : html`<form method="post" action="${UI_PREFIX}/account/tokens/revoke">
                        ${csrfField(d.csrf)}<input type="hidden" name="id" value="${t.id}" /><button
                          type="submit"
                          aria-label="Revoke token ${t.id}"
                        >
                          Revoke
                        </button>
                      </form>`
                }
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
    <h2>Two-factor authentication</h2>
    ${twoFactor(d)}`;
}

function twoFactor(d: AccountPageData): Html {
  if (d.recoveryCodes)
    return html`<p class="notice">
        Two-factor authentication is on. These recovery codes are shown <strong>once</strong>; store
        them somewhere safe. Each works once in place of a code.
      </p>
      <ul class="recovery-codes">
        ${d.recoveryCodes.map((c) => html`<li><code>${c}</code></li>`)}
      </ul>`;
  if (d.twoFactor === 'on')
    return html`<p>On. Publishing and key changes ask for a code from your authenticator.</p>`;
  if (d.enrolment)
    return html`<p>
        Scan this code with an authenticator app, or type the secret, then enter the 6-digit code it
        shows.
      </p>
      <figure class="qr">
        ${d.enrolment.qr}
        <figcaption>Secret: <code class="totp-secret">${d.enrolment.secret}</code></figcaption>
      </figure>
      <form method="post" action="${UI_PREFIX}/account/2fa/confirm">
        ${csrfField(d.csrf)}
        <p>
          <label for="code">Code from the app</label><br /><input
            id="code"
            name="code"
            inputmode="numeric"
            autocomplete="one-time-code"
            pattern="[0-9]{6}"
            required
          />
        </p>
        <p><button type="submit">Turn on two-factor</button></p>
      </form>`;
  return html`<p>
      Off.${d.twoFactor === 'pending' ? ' An enrolment was started but not confirmed.' : ''}
    </p>
    <form method="post" action="${UI_PREFIX}/account/2fa/enable">
      ${csrfField(d.csrf)}<button type="submit">Set up two-factor</button>
    </form>`;
}
