package vendorfixture

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	fixture := `{"item":{"id":1,"status":5,"title":"x","udf":[],"due":null,"extra":true},
		"items":[{"id":1,"n":"a"},{"id":2,"n":null}],"list":[1,2]}`
	tests := []struct {
		name     string
		sim      string
		required []string
		want     []string
	}{
		{"same shape", `{"item":{"id":7,"status":1,"title":"y","udf":[{"name":"a"}],"due":"2020"},"items":[{"id":3,"n":"b"}],"list":[]}`,
			[]string{"item.id", "item.status", "items[].n"}, nil},
		{"number sent as string", `{"item":{"id":"7","status":1,"title":"y"}}`, []string{"item.id"},
			[]string{"item.id: vendor sends number, simulator sends string"}},
		{"null fits any kind", `{"item":{"id":null,"due":{"a":1}},"items":[{"n":null}]}`, nil, nil},
		{"required key missing", `{"item":{"id":1}}`, []string{"item.status", "item.notInFixture"},
			[]string{"item.status: vendor sends it, simulator does not"}},
		{"other case hinted", `{"item":{"ID":1}}`, []string{"item.id"},
			[]string{`item.id: vendor sends it, simulator does not (simulator has "item.ID")`}},
		{"array element kinds", `{"items":[{"id":1,"n":7}],"list":["a"]}`, nil,
			[]string{"items[].n: vendor sends string, simulator sends number", "list[]: vendor sends number, simulator sends string"}},
		{"object where array", `{"item":{"udf":{}}}`, nil, []string{"item.udf: vendor sends array, simulator sends object"}},
		{"top-level array", `[{"id":1}]`, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ms, err := Diff([]byte(fixture), []byte(tt.sim), tt.required)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, m := range ms {
				got = append(got, m.String())
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Diff = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := Diff([]byte(`{`), []byte(`{}`), nil); err == nil {
		t.Error("Diff accepted a fixture that is not JSON")
	}
}

func TestTopLevelArrayPaths(t *testing.T) {
	ms, err := Diff([]byte(`[{"id":1,"board":{"id":2}}]`), []byte(`[{"id":"1"}]`), []string{"[].board.id"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.String())
	}
	want := []string{"[].id: vendor sends number, simulator sends string", "[].board.id: vendor sends it, simulator does not"}
	if !slices.Equal(got, want) {
		t.Errorf("Diff = %q, want %q", got, want)
	}
}

// TestEveryVendorFixtureHasProvenance walks the testdata of every platform
// package — a package with a simulator beside it, <name>/<name>sim — (fuzz
// corpora excepted) and requires a .src note beside each JSON, XML, text or
// e-mail body, saying whether it was captured or written (Origin:) and where
// it came from (Source: or Based on:). Each platform package keeps at least
// five vendor fixtures (issue 10).
func TestEveryVendorFixtureHasProvenance(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "*", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	perPackage := map[string]int{}
	for _, dir := range dirs {
		pkg := filepath.Dir(dir)
		if _, err := os.Stat(filepath.Join(pkg, filepath.Base(pkg)+"sim")); err != nil {
			continue // not a platform package: its testdata holds no vendor bodies
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && d.Name() == "fuzz" {
				return filepath.SkipDir
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".json", ".xml", ".txt", ".eml":
			default:
				return nil
			}
			perPackage[filepath.Base(filepath.Dir(dir))]++
			note, err := os.ReadFile(SourceNote(path))
			switch {
			case err != nil:
				t.Errorf("%s: no provenance note %s", path, SourceNote(path))
			case !strings.Contains(string(note), "Source:") && !strings.Contains(string(note), "Based on:"):
				t.Errorf("%s: the note does not say where the fixture came from (no Source: or Based on: line)", SourceNote(path))
			case !strings.Contains(string(note), "Origin:"):
				t.Errorf("%s: the note does not say whether the fixture was captured or written (no Origin: line)", SourceNote(path))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, pkg := range []string{"autotask", "connectwise", "halo", "graph"} {
		if perPackage[pkg] < 5 {
			t.Errorf("pkg/%s/testdata holds %d vendor fixtures, want at least 5", pkg, perPackage[pkg])
		}
	}
}
