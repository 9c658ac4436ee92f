package integration

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// loadConfig decodes a testdata document strictly, so a misspelt key in the
// README example fails here instead of being silently ignored.
func loadConfig(t testing.TB, name string) Config {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var cfg Config
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return cfg
}

var (
	haloTarget     = Side{Role: Target, Platform: platform.Halo, Partner: platform.Autotask}
	autotaskSource = Side{Role: Source, Platform: platform.Autotask, Partner: platform.Halo}
)

// TestExampleConfigsValidate proves the README examples are valid against
// realistic catalogs of both platforms and survive a JSON round trip.
func TestExampleConfigsValidate(t *testing.T) {
	for _, tc := range []struct {
		file          string
		side          Side
		mine, partner Catalog
	}{
		{"autotask-halo-target.json", haloTarget, haloCatalog(), autotaskCatalog()},
		{"autotask-halo-source.json", autotaskSource, autotaskCatalog(), haloCatalog()},
	} {
		t.Run(tc.file, func(t *testing.T) {
			cfg := loadConfig(t, tc.file)
			if err := Validate(cfg, tc.side, tc.mine, tc.partner); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			out, err := json.Marshal(cfg)
			if err != nil {
				t.Fatal(err)
			}
			var back Config
			if err := json.Unmarshal(out, &back); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, cfg) {
				t.Fatalf("round trip changed the document:\n got %+v\nwant %+v", back, cfg)
			}
		})
	}
}
