// Package console is Tandem's web console: plain HTML, CSS and ES modules,
// embedded in the binary, that administrators use in place of curl. The
// pages call the same /v1 API with the caller's token; nothing here reads
// the store.
//
// Handler serves the console the same way in every mode: the files under
// assets/ (the URL space: /index.html, /console/…), /console/config.json
// telling the page how to sign in, and security headers on every answer
// (CSP without 'unsafe-inline', nosniff, no framing, no referrer).
//
// Two sign-in modes exist:
//   - local (make dev only): a page that picks or types an organisation and
//     sends the dev bearer "Authorization: Bearer dev:<org>". Its module,
//     local/console/local.js, is served only when Options.Local is set and is
//     never uploaded to the deployed bucket.
//   - cognito: Cognito managed login with the authorization code grant and
//     PKCE, run by assets/console/auth.js; tokens stay in memory.
package console

import (
	"embed"
	"encoding/json"
	"io/fs"
	"net/http"
	"path"
	"strings"
)

//go:embed all:assets
var assetsFS embed.FS

//go:embed local
var localFS embed.FS

// Assets is the console as it is deployed: the files a static host serves
// at the site root (index.html, console/…). The deployed stack uploads this
// directory, pkg/console/assets, as is.
func Assets() fs.FS {
	sub, err := fs.Sub(assetsFS, "assets")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory
	}
	return sub
}

// Cognito is the managed login the deployed console signs in with.
type Cognito struct {
	// Domain is the managed login's base URL, e.g.
	// https://tandem-prod-123456789012.auth.eu-west-1.amazoncognito.com.
	Domain string `json:"authDomain"`
	// ClientID is the user pool app client (public: no secret).
	ClientID string `json:"clientId"`
}

// Options configure Handler.
type Options struct {
	// Local serves the local sign-in that uses the dev bearer. Only the
	// local runner sets it, as only its API accepts that bearer.
	Local bool
	// Organisations are suggestions for the local sign-in (the demo's).
	Organisations []string
	// Cognito is used when Local is false.
	Cognito Cognito
}

// Config is /console/config.json: what the page needs to sign in. In AWS
// the stack serves the same document from a CloudFront function.
type Config struct {
	Mode          string   `json:"mode"` // "local" or "cognito"
	Organisations []string `json:"organisations,omitempty"`
	AuthDomain    string   `json:"authDomain,omitempty"`
	ClientID      string   `json:"clientId,omitempty"`
	// Scopes requested from managed login; openid gives the ID token,
	// which carries custom:org_id.
	Scopes string `json:"scopes,omitempty"`
}

// Scopes are what the console asks managed login for.
const Scopes = "openid email profile"

// RuntimeConfig is the config document for o.
func (o Options) RuntimeConfig() Config {
	if o.Local {
		return Config{Mode: "local", Organisations: o.Organisations}
	}
	return Config{Mode: "cognito", AuthDomain: strings.TrimRight(o.Cognito.Domain, "/"), ClientID: o.Cognito.ClientID, Scopes: Scopes}
}

// CSP is the Content-Security-Policy of every console answer. Scripts and
// styles come only from the console's own origin (no 'unsafe-inline', no
// eval); the page may call its own origin (the API) and, when set, the
// managed login's token endpoint. authDomain is empty locally.
func CSP(authDomain string) string {
	connect := "'self'"
	if authDomain = strings.TrimRight(authDomain, "/"); authDomain != "" {
		connect += " " + authDomain
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// SecurityHeaders are set on every console answer, locally by Handler and in
// AWS by the distribution's response headers policy.
func SecurityHeaders(authDomain string) map[string]string {
	return map[string]string{
		"Content-Security-Policy": CSP(authDomain),
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Referrer-Policy":         "no-referrer",
	}
}

// Paths the console owns, for a router that shares a listener with the API.
const (
	ConfigPath = "/console/config.json"
	LocalPath  = "/console/local.js"
)

// Serves reports whether urlPath is the console's: the site root and
// everything under /console/.
func Serves(urlPath string) bool {
	return urlPath == "/" || urlPath == "/index.html" || strings.HasPrefix(urlPath, "/console/")
}

var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".svg":  "image/svg+xml",
	".png":  "image/png",
}

// Handler serves the console.
func Handler(o Options) http.Handler {
	site := Assets()
	local, err := fs.Sub(localFS, "local")
	if err != nil {
		panic(err)
	}
	cfg, err := json.Marshal(o.RuntimeConfig())
	if err != nil {
		panic(err)
	}
	headers := SecurityHeaders(o.Cognito.Domain)
	if o.Local {
		headers = SecurityHeaders("")
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		// The console is small and changes with each release; revalidating
		// costs little and a deploy is never half-seen.
		w.Header().Set("Cache-Control", "no-cache")
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		p := r.URL.Path
		switch {
		case p == ConfigPath:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(cfg)
			return
		case p == LocalPath && o.Local:
			serveFile(w, r, local, "console/local.js")
			return
		case p == "/" || p == "/index.html":
			serveFile(w, r, site, "index.html")
			return
		case strings.HasPrefix(p, "/console/") && p != LocalPath:
			serveFile(w, r, site, strings.TrimPrefix(path.Clean(p), "/"))
			return
		}
		http.NotFound(w, r)
	})
}

func serveFile(w http.ResponseWriter, r *http.Request, fsys fs.FS, name string) {
	body, err := fs.ReadFile(fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct, ok := contentTypes[path.Ext(name)]
	if !ok {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}
