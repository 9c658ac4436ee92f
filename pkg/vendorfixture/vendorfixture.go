// Package vendorfixture is the test helper for the vendor fixtures kept under
// each platform package's testdata: real request and response bodies taken
// from vendor documentation and public production integrations, each with a
// .src note beside it saying where it came from.
//
// Read loads a fixture and insists on its .src note. Diff and Check compare
// the JSON shape of a simulator's answer with a fixture, so a simulator and
// the client written against it cannot drift away from the vendor together:
//
//   - every path both documents have must hold compatible JSON kinds
//     (object, array, string, number, bool; null fits any kind), and
//   - every path Tandem reads (the required list) that the fixture has must
//     exist in the simulator's answer too.
//
// Paths join object keys with "." and mark array elements with "[]", so
// "items[].noteType" is the noteType of every element of items and "[]" the
// elements of a top-level array. Array elements are merged: a path's kinds
// are the union over all elements.
package vendorfixture

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Read returns the fixture at path (relative to the test's package
// directory, e.g. "testdata/ticket-get.json") and fails the test if the
// fixture has no non-empty .src note beside it.
func Read(tb testing.TB, path string) []byte {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read fixture: %v", err)
	}
	src := SourceNote(path)
	if note, err := os.ReadFile(src); err != nil || len(bytes.TrimSpace(note)) == 0 {
		tb.Fatalf("fixture %s has no provenance note %s", path, src)
	}
	return data
}

// SourceNote names the .src note of a fixture: the fixture's name with its
// extension replaced ("ticket-get.json" -> "ticket-get.src").
func SourceNote(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".src"
}

// Mismatch is one way a simulator's answer differs from a fixture.
type Mismatch struct {
	Path    string
	Problem string
}

func (m Mismatch) String() string { return m.Path + ": " + m.Problem }

// Diff compares the shape of sim with the shape of fixture; see the package
// comment for the rules. It fails only if either document is not JSON.
func Diff(fixture, sim []byte, required []string) ([]Mismatch, error) {
	fx, err := shape(fixture)
	if err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	sm, err := shape(sim)
	if err != nil {
		return nil, fmt.Errorf("simulator answer: %w", err)
	}
	var out []Mismatch
	for _, p := range sortedKeys(fx) {
		sk, ok := sm[p]
		if !ok {
			continue
		}
		f, s := fx[p].nonNull(), sk.nonNull()
		if len(f) > 0 && len(s) > 0 && !f.overlaps(s) {
			out = append(out, Mismatch{p, fmt.Sprintf("vendor sends %s, simulator sends %s", f, s)})
		}
	}
	for _, p := range required {
		if _, inFixture := fx[p]; !inFixture {
			continue
		}
		if _, inSim := sm[p]; inSim {
			continue
		}
		problem := "vendor sends it, simulator does not"
		for _, q := range sortedKeys(sm) {
			if strings.EqualFold(q, p) {
				problem += fmt.Sprintf(" (simulator has %q)", q)
				break
			}
		}
		out = append(out, Mismatch{p, problem})
	}
	return out, nil
}

// Check runs Diff and reports the result on tb. A mismatch whose path is in
// allow is logged with the reason given there, which must say why the
// simulator may differ; any other mismatch fails the test. An allow entry
// that matches nothing fails too, so a fixed simulator drops its entry.
func Check(tb testing.TB, fixture, sim []byte, required []string, allow map[string]string) {
	tb.Helper()
	ms, err := Diff(fixture, sim, required)
	if err != nil {
		tb.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range ms {
		if reason, ok := allow[m.Path]; ok {
			used[m.Path] = true
			tb.Logf("ALLOWED simulator mismatch %s — %s", m, reason)
			continue
		}
		tb.Errorf("simulator mismatch %s", m)
	}
	for _, p := range sortedKeys(allow) {
		if !used[p] {
			tb.Errorf("allow-list entry %q matched no mismatch: the simulator agrees now, remove the entry", p)
		}
	}
	if tb.Failed() {
		tb.Logf("simulator answer: %s", sim)
	}
}

// kinds is a set of JSON kinds seen at one path.
type kinds map[string]bool

func (k kinds) nonNull() kinds {
	out := kinds{}
	for kind := range k {
		if kind != "null" {
			out[kind] = true
		}
	}
	return out
}

func (k kinds) overlaps(o kinds) bool {
	for kind := range k {
		if o[kind] {
			return true
		}
	}
	return false
}

func (k kinds) String() string {
	list := make([]string, 0, len(k))
	for kind := range k {
		list = append(list, kind)
	}
	sort.Strings(list)
	return strings.Join(list, "|")
}

// shape flattens a JSON document into path -> kinds.
func shape(doc []byte) (map[string]kinds, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	out := map[string]kinds{}
	walk(out, "", v)
	return out, nil
}

func walk(out map[string]kinds, path string, v any) {
	add := func(kind string) {
		if path == "" {
			return // the root itself is not a path
		}
		if out[path] == nil {
			out[path] = kinds{}
		}
		out[path][kind] = true
	}
	switch x := v.(type) {
	case map[string]any:
		add("object")
		for k, child := range x {
			walk(out, join(path, k), child)
		}
	case []any:
		add("array")
		for _, child := range x {
			walk(out, path+"[]", child)
		}
	case string:
		add("string")
	case json.Number:
		add("number")
	case bool:
		add("bool")
	case nil:
		add("null")
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Send sends req to a simulator as JSON and returns its answer with the body
// read, for the tests that compare a simulator's answers with fixtures.
func Send(tb testing.TB, req *http.Request) (*http.Response, []byte) {
	tb.Helper()
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp, out
}

// Time parses an RFC 3339 time from a fixture (fractional seconds allowed).
func Time(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}
