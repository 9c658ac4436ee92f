package console_test

import (
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/console"
)

func get(t *testing.T, h http.Handler, method, path string) *http.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	return rec.Result()
}

// The deployed console signs in with Cognito: the config names the managed
// login and client, the CSP lets the page call the token endpoint and
// nothing else off-origin, and the local sign-in does not exist.
func TestCognitoConfigAndHeaders(t *testing.T) {
	const domain = "https://tandem-prod-123456789012.auth.eu-west-1.amazoncognito.com"
	h := console.Handler(console.Options{Cognito: console.Cognito{Domain: domain + "/", ClientID: "client123"}})

	resp := get(t, h, "GET", console.ConfigPath)
	var cfg map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"mode": "cognito", "authDomain": domain, "clientId": "client123", "scopes": "openid email profile"}
	if len(cfg) != len(want) {
		t.Errorf("config %v, want %v", cfg, want)
	}
	for k, v := range want {
		if cfg[k] != v {
			t.Errorf("config %s = %v, want %v", k, cfg[k], v)
		}
	}
	for _, p := range []string{"/", "/index.html", "/console/app.js", console.ConfigPath} {
		resp := get(t, h, "GET", p)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", p, resp.StatusCode)
		}
		csp := resp.Header.Get("Content-Security-Policy")
		wantCSP := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' " + domain +
			"; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
		if csp != wantCSP {
			t.Errorf("GET %s: CSP\n %q\nwant\n %q", p, csp, wantCSP)
		}
		if strings.Contains(csp, "unsafe") {
			t.Errorf("GET %s: CSP allows unsafe sources: %s", p, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"} {
			if got := resp.Header.Get(k); got != v {
				t.Errorf("GET %s: %s = %q, want %q", p, k, got, v)
			}
		}
	}
	if resp := get(t, h, "GET", console.LocalPath); resp.StatusCode != 404 {
		t.Errorf("the local sign-in is served outside local mode: %d", resp.StatusCode)
	}
}

// The CSP is written down once for both modules: the deployed stack
// (infra/tandem/console.go) sends the same policy from CloudFront and its
// tests compare it with this file too.
func TestCSPMatchesTheStack(t *testing.T) {
	golden, err := os.ReadFile("testdata/csp.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, domain := range []string{"", "https://tandem-dev-1.auth.eu-west-1.amazoncognito.com"} {
		want := fmt.Sprintf(string(golden), map[bool]string{true: "", false: " " + domain}[domain == ""])
		if got := console.CSP(domain); got != want {
			t.Errorf("CSP(%q)\n %s\nwant (testdata/csp.txt)\n %s", domain, got, want)
		}
	}
}

// Locally the console signs in with the dev bearer; only then is local.js
// served, and the CSP allows no other origin.
func TestLocalConfigAndHeaders(t *testing.T) {
	h := console.Handler(console.Options{Local: true, Organisations: []string{"acme", "northwind"}})
	resp := get(t, h, "GET", console.ConfigPath)
	body, _ := io.ReadAll(resp.Body)
	if string(body) != `{"mode":"local","organisations":["acme","northwind"]}` {
		t.Errorf("local config %s", body)
	}
	resp = get(t, h, "GET", console.LocalPath)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("local.js: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if js, _ := io.ReadAll(resp.Body); !devBearer.Match(js) {
		t.Error("local.js does not build the dev bearer: TestDeployedAssetsHaveNoLocalSignIn's pattern is stale")
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self';") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("local CSP %q", csp)
	}
	for path, want := range map[string]int{"/nope": 404, "/console/../go.mod": 404, "/console/missing.js": 404} {
		if got := get(t, h, "GET", path).StatusCode; got != want {
			t.Errorf("GET %s: %d, want %d", path, got, want)
		}
	}
	if resp := get(t, h, "POST", "/"); resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: %d allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
	if resp := get(t, h, "HEAD", "/console/style.css"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/css; charset=utf-8" {
		t.Errorf("HEAD style.css: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, p := range []string{"/", "/console/", "/console/x.js", "/index.html"} {
		if !console.Serves(p) {
			t.Errorf("Serves(%q) = false", p)
		}
	}
	for _, p := range []string{"/v1/connections", "/webhooks/halo/x", "/dev/simulators/halo/credentials", "/consolex"} {
		if console.Serves(p) {
			t.Errorf("Serves(%q) = true: it belongs to the API", p)
		}
	}
}

var devBearer = regexp.MustCompile("Bearer dev:|`dev:\\$\\{|\"dev:\" *\\+")

// What the stack uploads is Assets(): it must not hold the local sign-in
// or anything that builds the dev bearer.
func TestDeployedAssetsHaveNoLocalSignIn(t *testing.T) {
	err := fs.WalkDir(console.Assets(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(p, "local") {
			t.Errorf("deployed asset %s", p)
		}
		b, err := fs.ReadFile(console.Assets(), p)
		if err != nil {
			return err
		}
		if devBearer.MatchString(string(b)) {
			t.Errorf("%s mentions the dev bearer", p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The CSP forbids inline script and style; the files must not need them.
func TestNoInlineScriptOrStyle(t *testing.T) {
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|\son[a-z]+\s*=|\sstyle\s*=|<style`)
	risky := regexp.MustCompile(`\.innerHTML|\.outerHTML\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setAttribute\(\s*["']style|javascript:`)
	check := func(fsys fs.FS) {
		_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, _ := fs.ReadFile(fsys, p)
			switch {
			case strings.HasSuffix(p, ".html"):
				if m := inline.FindString(string(b)); m != "" {
					t.Errorf("%s: inline script or style %q", p, m)
				}
			case strings.HasSuffix(p, ".js"):
				if m := risky.FindString(string(b)); m != "" {
					t.Errorf("%s: %q (markup from strings, eval or inline style)", p, m)
				}
			}
			return nil
		})
	}
	check(console.Assets())
}

// The credential form's fields are exactly each platform's, in order, with
// the same secret flags, so the page cannot drift from the API.
func TestPlatformFormsMatchProviders(t *testing.T) {
	raw, err := fs.ReadFile(console.Assets(), "console/platforms.json")
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Platforms []struct {
			Kind   string `json:"kind"`
			Name   string `json:"name"`
			Fields []struct {
				Name   string `json:"name"`
				Label  string `json:"label"`
				Help   string `json:"help"`
				Secret bool   `json:"secret"`
			} `json:"fields"`
		} `json:"platforms"`
	}
	if err := json.Unmarshal(raw, &cat); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, p := range allplatforms.Providers {
		kinds = append(kinds, string(p.Kind))
		i := slices.IndexFunc(cat.Platforms, func(c struct {
			Kind   string `json:"kind"`
			Name   string `json:"name"`
			Fields []struct {
				Name   string `json:"name"`
				Label  string `json:"label"`
				Help   string `json:"help"`
				Secret bool   `json:"secret"`
			} `json:"fields"`
		}) bool {
			return c.Kind == string(p.Kind)
		})
		if i < 0 {
			t.Errorf("the console has no form for %s", p.Kind)
			continue
		}
		form := cat.Platforms[i]
		if len(form.Fields) != len(p.Fields) {
			t.Errorf("%s: form has %d fields, provider %d", p.Kind, len(form.Fields), len(p.Fields))
			continue
		}
		for j, f := range p.Fields {
			g := form.Fields[j]
			if g.Name != f.Name || g.Secret != f.Secret || g.Label == "" || g.Help == "" {
				t.Errorf("%s field %d: form %+v, provider %+v (label and help are required)", p.Kind, j, g, f)
			}
		}
	}
	if len(cat.Platforms) != len(kinds) {
		t.Errorf("the console lists %d platforms, the providers %v", len(cat.Platforms), kinds)
	}
	// The seed's guidance for Autotask is on the form.
	at := string(raw)
	for _, s := range []string{"replace ww with webservices", "not the e-mail address"} {
		if !strings.Contains(at, s) {
			t.Errorf("platforms.json lacks %q", s)
		}
	}
}
