package localrun_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/localrun"
)

// block returns the fenced code block that follows marker in the README.
func block(t *testing.T, readme, marker string) string {
	t.Helper()
	i := strings.Index(readme, "<!-- "+marker+" -->")
	if i < 0 {
		t.Fatalf("README has no %q block", marker)
	}
	rest := readme[i:]
	start := strings.Index(rest, "```")
	body := rest[start:]
	body = body[strings.Index(body, "\n")+1:]
	return body[:strings.Index(body, "```")]
}

func readme(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The README's walk-through, run as written (only the address differs)
// against the same runner make dev starts.
func TestReadmeWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is needed to run the README walk-through: apt-get install curl")
	}
	r, err := localrun.Start(context.Background(), localrun.Options{Addr: "127.0.0.1:0", Simulators: true, WrapHTTP: contracted(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	script := strings.Replace(block(t, readme(t), "walkthrough"), "API=http://127.0.0.1:8080", "API="+r.URL, 1)
	if !strings.Contains(script, "API="+r.URL) {
		t.Fatal("the walk-through no longer sets API=http://127.0.0.1:8080")
	}
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("walk-through failed: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{`"status":"Connection tested"`, `"status":"active","partnerOrgId":"acme"`, `"role":"target"`, `"role":"source"`} {
		if !strings.Contains(got, want) {
			t.Errorf("walk-through output lacks %s:\n%s", want, got)
		}
	}
	if strings.Count(got, `"active":[{`) != 2 {
		t.Errorf("both organisations should list the connection active:\n%s", got)
	}
}

// The README's configuration example is the demo's, and it decodes as the
// API decodes it.
func TestReadmeConfigExample(t *testing.T) {
	customer, msp := localrun.DemoConfigs()
	for marker, want := range map[string]integration.Config{"demo-config:msp": msp, "demo-config:customer": customer} {
		dec := json.NewDecoder(strings.NewReader(block(t, readme(t), marker)))
		dec.DisallowUnknownFields()
		var got integration.Config
		if err := dec.Decode(&got); err != nil {
			t.Fatalf("%s: %v", marker, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s in the README differs from localrun.DemoConfigs:\n got %+v\nwant %+v", marker, got, want)
		}
	}
}
