/** The login page: admin password or a site's secret key. */
import { Document } from '../layout';

/**
 * Login form. `nonce` is the double-submit token bound to the signed login cookie.
 *
 * @example
 * c.html(<LoginPage nonce={nonce} hasPassword />)
 */
export function LoginPage(props: { nonce: string; hasPassword: boolean; error?: string; next?: string }) {
  return (
    <Document title="Log in">
      <main class="login" id="main">
        <h1>Omnitrail dashboard</h1>
        {props.error ? (
          <p class="error" role="alert">
            {props.error}
          </p>
        ) : null}
        <form method="post" action="/dashboard/login" class="stack card">
          <input type="hidden" name="_login" value={props.nonce} />
          {props.next ? <input type="hidden" name="next" value={props.next} /> : null}
          <div class="field">
            <label for="password">{props.hasPassword ? 'Admin password or site secret key' : 'Site secret key'}</label>
            <p class="hint" id="password-hint">
              {props.hasPassword
                ? 'The admin password was set at first start; a site secret key shows only its own site.'
                : 'No admin password is set yet: run "omnitrail start --reset-password" to set one.'}
            </p>
            <input id="password" name="password" type="password" autocomplete="current-password" aria-describedby="password-hint" required autofocus />
          </div>
          <button type="submit">Log in</button>
        </form>
      </main>
    </Document>
  );
}
