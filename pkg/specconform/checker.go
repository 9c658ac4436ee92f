package specconform

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Vendor describes one vendor's specification and how the simulator's URLs
// map onto it.
type Vendor struct {
	Name string
	// Spec is the trimmed specification file, OpenAPI 3 or Swagger 2.0.
	Spec string
	// Base is the path on the simulator that the specification's server URL
	// (OpenAPI servers, Swagger basePath) stands for, e.g. "/api".
	Base string
	// CaseInsensitive matches paths regardless of case, for vendors whose
	// servers do (Autotask and Halo answer /V1.0/Tickets and /v1.0/tickets
	// alike and their clients use either).
	CaseInsensitive bool
	// Allow lists the known, explained mismatches.
	Allow []Allowance
}

// Allowance excuses the mismatches of one operation whose detail contains
// Match. Reason says why the mismatch is not a defect of the simulator or
// the client; Source names the vendor document, public capture or connector
// that shows it.
type Allowance struct {
	// Op is "METHOD /path" as the specification names the operation, or
	// "METHOD /path" as sent for a request the specification lacks.
	Op     string
	Kind   Kind
	Match  string
	Reason string
	Source string
}

// Kind says which side of an exchange a mismatch is on.
type Kind string

const (
	// Unknown is a request whose operation the specification lacks.
	Unknown Kind = "unknown operation"
	// Request is a request that breaks its operation's parameters or body.
	Request Kind = "request"
	// Response is a simulator answer that breaks the operation's responses.
	Response Kind = "response"
)

// Mismatch is one difference between the traffic and the specification.
type Mismatch struct {
	Op     string
	Kind   Kind
	Detail string
}

func (m Mismatch) String() string { return fmt.Sprintf("%s %s: %s", m.Op, m.Kind, m.Detail) }

// Report counts what a Checker validated.
type Report struct {
	Operations int // distinct specified operations exercised
	Requests   int // requests validated against their operation
	Responses  int // responses validated against their operation
}

// Checker validates the traffic between a client and a simulator.
type Checker struct {
	t      testing.TB
	vendor Vendor
	router routers.Router

	mu         sync.Mutex
	ops        map[string]bool
	requests   int
	responses  int
	mismatches []Mismatch
}

// Load reads a vendor's specification, converting Swagger 2.0, and checks
// that it is itself a valid document.
func Load(t testing.TB, v Vendor) *Checker {
	t.Helper()
	raw, err := os.ReadFile(v.Spec)
	if err != nil {
		t.Fatalf("%s specification: %v", v.Name, err)
	}
	doc, err := parse(raw)
	if err != nil {
		t.Fatalf("%s specification %s: %v", v.Name, v.Spec, err)
	}
	base := v.Base
	if v.CaseInsensitive {
		doc.Paths = lowerPaths(doc.Paths)
		base = strings.ToLower(base)
	}
	doc.Servers = openapi3.Servers{{URL: "http://spec" + base}}
	ctx := context.Background()
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("%s specification %s is not a valid OpenAPI document: %v", v.Name, v.Spec, err)
	}
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("%s specification router: %v", v.Name, err)
	}
	return &Checker{t: t, vendor: v, router: router, ops: map[string]bool{}}
}

func parse(raw []byte) (*openapi3.T, error) {
	var probe struct {
		Swagger string `json:"swagger"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		return nil, err
	}
	if probe.Swagger == "" {
		return openapi3.NewLoader().LoadFromData(raw)
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(raw, &doc2); err != nil {
		return nil, err
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("converting Swagger 2.0: %w", err)
	}
	return doc, nil
}

var pathParam = regexp.MustCompile(`\{[^}]*\}`)

// lowerPaths lower-cases the literal segments of every path, keeping
// parameter names as the operations declare them.
func lowerPaths(ps *openapi3.Paths) *openapi3.Paths {
	out := openapi3.NewPaths()
	for k, item := range ps.Map() {
		out.Set(lowerLiterals(k), item)
	}
	return out
}

func lowerLiterals(p string) string {
	var b strings.Builder
	last := 0
	for _, loc := range pathParam.FindAllStringIndex(p, -1) {
		b.WriteString(strings.ToLower(p[last:loc[0]]))
		b.WriteString(p[loc[0]:loc[1]])
		last = loc[1]
	}
	b.WriteString(strings.ToLower(p[last:]))
	return b.String()
}

// Proxy starts a validating proxy in front of target (the simulator's root
// URL) and returns its URL, to give the client in target's place.
func (c *Checker) Proxy(target string) string {
	c.t.Helper()
	up, err := url.Parse(target)
	if err != nil {
		c.t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.forward(w, r, up)
	}))
	c.t.Cleanup(srv.Close)
	return srv.URL
}

func (c *Checker) forward(w http.ResponseWriter, r *http.Request, up *url.URL) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out, err := http.NewRequestWithContext(r.Context(), r.Method, up.Scheme+"://"+up.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	out.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	c.check(r, body, resp, respBody)
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(respBody)
}

// numericAsID names an operation the specification lacks by its shape, not by
// the ids of one run: an allowance then survives a simulator numbering its
// records differently.
func numericAsID(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if s != "" && strings.Trim(s, "0123456789") == "" {
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

// check validates one exchange against the specification.
func (c *Checker) check(r *http.Request, body []byte, resp *http.Response, respBody []byte) {
	path := r.URL.Path
	if c.vendor.CaseInsensitive {
		path = strings.ToLower(path)
	}
	vreq, err := http.NewRequest(r.Method, "http://spec"+path+"?"+r.URL.RawQuery, bytes.NewReader(body))
	if err != nil {
		c.add(Mismatch{r.Method + " " + r.URL.Path, Unknown, err.Error()})
		return
	}
	vreq.Header = r.Header.Clone()
	route, params, err := c.router.FindRoute(vreq)
	if err != nil {
		c.add(Mismatch{r.Method + " " + numericAsID(strings.TrimPrefix(path, strings.ToLower(c.vendor.Base))), Unknown, "not in the specification"})
		return
	}
	op := r.Method + " " + route.Path
	opts := &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route, Options: opts}
	ctx := context.Background()
	reqErr := openapi3filter.ValidateRequest(ctx, in)
	respErr := openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(respBody)), Options: opts,
	})
	c.mu.Lock()
	c.ops[op] = true
	c.requests++
	c.responses++
	c.mu.Unlock()
	for _, d := range details(reqErr) {
		c.add(Mismatch{op, Request, d})
	}
	for _, d := range details(respErr) {
		c.add(Mismatch{op, Response, fmt.Sprintf("%d %s", resp.StatusCode, d)})
	}
}

func (c *Checker) add(m Mismatch) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.mismatches = append(c.mismatches, m)
}

// details flattens kin-openapi's errors into one line per problem, each
// naming where in the request or response it is.
func details(err error) []string {
	if err == nil {
		return nil
	}
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, details(e)...)
		}
		return out
	}
	var reqErr *openapi3filter.RequestError
	if errors.As(err, &reqErr) {
		where := "body"
		if reqErr.Parameter != nil {
			where = reqErr.Parameter.In + " parameter " + reqErr.Parameter.Name
		}
		if reqErr.Err == nil {
			return []string{where + ": " + reqErr.Reason}
		}
		return prefixed(where, details(reqErr.Err))
	}
	var respErr *openapi3filter.ResponseError
	if errors.As(err, &respErr) {
		if respErr.Err == nil {
			return []string{respErr.Reason}
		}
		return prefixed("body", details(respErr.Err))
	}
	var schemaErr *openapi3.SchemaError
	if errors.As(err, &schemaErr) {
		return []string{"/" + strings.Join(schemaErr.JSONPointer(), "/") + ": " + schemaErr.Reason}
	}
	return []string{err.Error()}
}

func prefixed(where string, ds []string) []string {
	for i, d := range ds {
		ds[i] = where + " " + d
	}
	return ds
}

// Finish fails the test for every mismatch no Allowance names and every
// Allowance that matched nothing, and returns what was validated.
func (c *Checker) Finish() Report {
	c.t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	used := make([]bool, len(c.vendor.Allow))
	var failures []string
	for _, m := range c.mismatches {
		excused := false
		for i, a := range c.vendor.Allow {
			if a.Op == m.Op && a.Kind == m.Kind && strings.Contains(m.Detail, a.Match) {
				used[i], excused = true, true
			}
		}
		if !excused {
			failures = append(failures, m.String())
		}
	}
	sort.Strings(failures)
	failures = compact(failures)
	for _, f := range failures {
		c.t.Errorf("%s: %s", c.vendor.Name, f)
	}
	for i, a := range c.vendor.Allow {
		if a.Reason == "" || a.Source == "" {
			c.t.Errorf("%s: allowance %q for %s needs a reason and a source", c.vendor.Name, a.Match, a.Op)
		}
		if !used[i] {
			c.t.Errorf("%s: allowance %q for %s %s matched nothing; remove it", c.vendor.Name, a.Match, a.Op, a.Kind)
		}
	}
	return Report{Operations: len(c.ops), Requests: c.requests, Responses: c.responses}
}

func compact(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}
