package zendesksim

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type grantedToken struct {
	user    User
	expires time.Time
	refresh string // the refresh token issued with it
}

type authCode struct {
	user      User
	clientID  string
	redirect  string
	challenge string
	expires   time.Time
}

// codeLifetime: "The authorization code is valid for 120 seconds" (Zendesk
// OAS, CreateTokenForGrantType).
const codeLifetime = 120 * time.Second

// invalidGrant is Zendesk's answer to a code or refresh token it does not
// accept (support.zendesk.com 115012709368).
var invalidGrant = map[string]string{"error": "invalid_grant",
	"error_description": "The provided access grant is invalid, expired, or revoked (e.g. invalid assertion, expired authorization token, bad end-user password credentials, or mismatching authorization code and redirection URI)."}

// authorize stands in for the sign-in and consent pages: the integration
// user is signed in and allows access, and the browser is sent to the
// redirect URI with the code and the state, as Zendesk does.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	switch {
	case q.Get("client_id") != Tandem.ID:
		writeError(w, http.StatusBadRequest, "invalid_client", "Unknown OAuth client")
		return
	case err != nil || redirect.Host == "":
		writeError(w, http.StatusBadRequest, "invalid_request", "redirect_uri is required")
		return
	case q.Get("response_type") != "code":
		writeError(w, http.StatusBadRequest, "unsupported_response_type", "response_type must be code")
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		writeError(w, http.StatusBadRequest, "invalid_request", "code_challenge_method must be S256")
		return
	}
	code := randomHex(20)
	s.mu.Lock()
	s.codes[code] = authCode{user: Integration, clientID: Tandem.ID, redirect: redirect.String(),
		challenge: q.Get("code_challenge"), expires: s.now().Add(codeLifetime)}
	s.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is POST /oauth/tokens with a JSON body: the authorization_code
// grant (single-use code, PKCE verifier checked against the S256
// challenge) and the refresh_token grant, which issues a new pair and
// invalidates the previous access and refresh tokens.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	var in map[string]string
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if in["client_id"] != Tandem.ID || subtle.ConstantTimeCompare([]byte(in["client_secret"]), []byte(Tandem.Secret)) != 1 {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client",
			"error_description": "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var user User
	switch in["grant_type"] {
	case "authorization_code":
		c, ok := s.codes[in["code"]]
		delete(s.codes, in["code"]) // single use, whatever the outcome
		sum := sha256.Sum256([]byte(in["code_verifier"]))
		if !ok || s.now().After(c.expires) || c.redirect != in["redirect_uri"] ||
			(c.challenge != "" && base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge) {
			writeJSON(w, http.StatusBadRequest, invalidGrant)
			return
		}
		user = c.user
	case "refresh_token":
		u, ok := s.refresh[in["refresh_token"]]
		if !ok {
			writeJSON(w, http.StatusBadRequest, invalidGrant)
			return
		}
		delete(s.refresh, in["refresh_token"])
		for tok, g := range s.access {
			if g.refresh == in["refresh_token"] {
				delete(s.access, tok)
			}
		}
		s.refreshes++
		user = u
	default:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	access, refresh := randomHex(24), randomHex(24)
	s.access[access] = grantedToken{user: user, expires: s.now().Add(s.opts.AccessTokenLifetime), refresh: refresh}
	s.refresh[refresh] = user
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "bearer", "scope": "read write",
		"expires_in": int(s.opts.AccessTokenLifetime / time.Second), "refresh_token": refresh,
		"refresh_token_expires_in": 2592000,
	})
}

// authenticate accepts a Bearer access token that has not expired, or
// Basic {email}/token:{api token}.
func (s *Server) authenticate(r *http.Request) (User, bool) {
	auth := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(auth, "Bearer "); ok {
		s.mu.Lock()
		defer s.mu.Unlock()
		g, ok := s.access[tok]
		if !ok || s.now().After(g.expires) {
			return User{}, false
		}
		return g.user, true
	}
	name, password, ok := r.BasicAuth()
	email, isToken := strings.CutSuffix(name, "/token")
	if !ok || !isToken {
		return User{}, false
	}
	for _, u := range []User{Integration, Agent} {
		if strings.EqualFold(email, u.Email) && subtle.ConstantTimeCompare([]byte(password), []byte(u.APIToken)) == 1 {
			return u, true
		}
	}
	return User{}, false
}

func (s *Server) me(w http.ResponseWriter, _ *http.Request, u User, _ []string) {
	writeJSON(w, http.StatusOK, map[string]any{"user": map[string]any{
		"id": u.ID, "url": s.URL + "/api/v2/users/" + itoa(u.ID) + ".json", "name": u.Name, "email": u.Email,
		"role": u.Role, "active": true, "verified": true, "time_zone": "UTC",
	}})
}

// Refreshes counts refresh-token grants served.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshes
}

// RefreshTokenValid reports whether a refresh token would still be accepted.
func (s *Server) RefreshTokenValid(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.refresh[tok]
	return ok
}

// ValidRefreshTokens counts the refresh tokens still accepted.
func (s *Server) ValidRefreshTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.refresh)
}

// ExpireAccessTokens ends every access token now, as 30 minutes passing
// would; refresh tokens stay valid.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for tok, g := range s.access {
		g.expires = s.now().Add(-time.Second)
		s.access[tok] = g
	}
}
