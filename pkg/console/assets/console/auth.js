// Sign-in with Cognito managed login: the OAuth 2.0 authorization code grant
// with PKCE (RFC 7636), for a public client that keeps no secret.
//
// Where things live:
//   - tokens (ID, refresh): this module's memory only. Never localStorage or
//     sessionStorage, so another tab, an extension reading storage, or a
//     later visitor of the machine finds nothing. A reload signs in again,
//     which Cognito's own session cookie on its domain makes a redirect
//     without a password while that session lasts.
//   - the PKCE verifier and state: sessionStorage, for the one round trip
//     to the login page and back (the page is unloaded in between), removed
//     as soon as the code is redeemed. Neither is a credential on its own:
//     the verifier is only useful with a code issued for this tab's state.

const flowKey = "tandem.pkce";

let tokens = null; // {idToken, refreshToken, expiresAt}
let settings = null; // {authDomain, clientId, scopes}

export function configure(cfg) {
  settings = cfg;
}

// redirectURI is the page itself: the console's origin, path "/". The stack
// registers exactly this as the app client's callback URL.
export function redirectURI() {
  return `${window.location.origin}/`;
}

export function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function randomString(n) {
  const a = new Uint8Array(n);
  crypto.getRandomValues(a);
  return b64url(a);
}

// challenge is BASE64URL(SHA-256(verifier)), the S256 method.
export async function challenge(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return b64url(digest);
}

// claims decodes a JWT's payload (not verified here: the API's JWT
// authorizer verifies every request; the page only reads the org name and
// expiry to show them).
export function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    const json = decodeURIComponent(Array.from(atob(part), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""));
    return JSON.parse(json);
  } catch {
    return {};
  }
}

// signIn sends the browser to managed login. Changing or resetting a
// password and enrolling MFA all happen on Cognito's pages.
export async function signIn() {
  if (!settings || !settings.authDomain || !settings.clientId) {
    throw new Error("Sign-in is not set up for this deployment: the stack has no Cognito managed login domain or app client. Ask your operator.");
  }
  const verifier = randomString(48);
  const state = randomString(24);
  // The page the person was on comes back after the round trip.
  sessionStorage.setItem(flowKey, JSON.stringify({ verifier, state, hash: window.location.hash }));
  const q = new URLSearchParams({
    response_type: "code",
    client_id: settings.clientId,
    redirect_uri: redirectURI(),
    scope: settings.scopes || "openid email profile",
    state,
    code_challenge: await challenge(verifier),
    code_challenge_method: "S256",
  });
  window.location.assign(`${settings.authDomain}/oauth2/authorize?${q}`);
}

// completeSignIn redeems ?code=…&state=… if the page is the callback. It
// returns true when signed in, false when this is not a callback, and
// throws with a message a person can act on when the callback is bad.
export async function completeSignIn() {
  const url = new URL(window.location.href);
  const code = url.searchParams.get("code");
  const error = url.searchParams.get("error");
  if (!code && !error) return false;
  const saved = JSON.parse(sessionStorage.getItem(flowKey) || "null");
  sessionStorage.removeItem(flowKey);
  // The code and state leave the address bar and the history entry; the
  // page the sign-in started from comes back.
  const back = saved && saved.state === url.searchParams.get("state") && /^#\/[\w/-]*$/.test(saved.hash || "") ? saved.hash : url.hash;
  window.history.replaceState(null, "", `${url.origin}${url.pathname}${back}`);
  if (error) {
    throw new Error(`Sign-in did not complete: ${url.searchParams.get("error_description") || error}. Try again.`);
  }
  if (!saved || saved.state !== url.searchParams.get("state")) {
    throw new Error("Sign-in did not complete: this answer does not belong to a sign-in started in this tab. Sign in again.");
  }
  await token({
    grant_type: "authorization_code",
    client_id: settings.clientId,
    code,
    redirect_uri: redirectURI(),
    code_verifier: saved.verifier,
  });
  return true;
}

async function token(form) {
  let resp;
  try {
    resp = await fetch(`${settings.authDomain}/oauth2/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new Error("The sign-in service could not be reached. Check your connection and sign in again.");
  }
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok || !data.id_token) {
    tokens = null;
    throw new Error(`Sign-in did not complete (${data.error || `HTTP ${resp.status}`}). Sign in again.`);
  }
  tokens = {
    idToken: data.id_token,
    refreshToken: data.refresh_token || (tokens && tokens.refreshToken) || null,
    expiresAt: Date.now() + 1000 * (Number(data.expires_in) || 3600),
  };
}

// idToken returns the ID token (it carries custom:org_id, which the API
// trusts as the caller's organisation), or null.
export function idToken() {
  return tokens ? tokens.idToken : null;
}

// refreshSoon renews the ID token a minute before it expires.
export async function refreshIfDue() {
  if (!tokens || !tokens.refreshToken || Date.now() < tokens.expiresAt - 60000) return;
  await token({ grant_type: "refresh_token", client_id: settings.clientId, refresh_token: tokens.refreshToken });
}

// signOut forgets the tokens and ends the managed login session.
export function signOut() {
  tokens = null;
  if (!settings || !settings.authDomain) {
    window.location.assign("/");
    return;
  }
  const q = new URLSearchParams({ client_id: settings.clientId, logout_uri: redirectURI() });
  window.location.assign(`${settings.authDomain}/logout?${q}`);
}
