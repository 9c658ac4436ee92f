package halosim

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

type token struct {
	user    APIUser
	expires time.Time
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request"})
		return
	}
	if s.opts.Tenant != "" && r.URL.Query().Get("tenant") != s.opts.Tenant {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": "unknown tenant"})
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	var user APIUser
	found := false
	for _, u := range []APIUser{Integration, Agent} {
		if r.PostForm.Get("client_id") == u.ClientID && r.PostForm.Get("client_secret") == u.ClientSecret {
			user, found = u, true
		}
	}
	if !found {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_client"})
		return
	}
	if scope := r.PostForm.Get("scope"); scope != "" && scope != "all" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_scope"})
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := hex.EncodeToString(b)
	s.mu.Lock()
	s.tokens[tok] = token{user: user, expires: time.Now().Add(s.opts.TokenLifetime)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "Bearer",
		"expires_in": int(s.opts.TokenLifetime / time.Second), "scope": "all",
	})
}

func (s *Server) authenticate(r *http.Request) (APIUser, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return APIUser{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[tok]
	if !ok || time.Now().After(t.expires) {
		return APIUser{}, false
	}
	return t.user, true
}

// getAgent answers /api/Agent/me with the agent the token's application
// acts as; other agents are not simulated.
func (s *Server) getAgent(w http.ResponseWriter, _ *http.Request, user APIUser, id string) {
	if id != "me" && id != strconv.Itoa(user.AgentID) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Agent " + id + " not found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": user.AgentID, "name": user.Name, "isapiagent": true})
}

// RevokeTokens invalidates every issued access token, as when an
// administrator regenerates the application secret or Halo restarts; clients
// must fetch a new token on their next 401.
func (s *Server) RevokeTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.tokens)
}
