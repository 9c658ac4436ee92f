package api

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRepeatedKey(t *testing.T) {
	cases := []struct{ body, want string }{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"role":"source","ROLE":"target"}`, "ROLE"},
		{`{"a":{"b":1},"c":{"b":2}}`, ""},          // the same key in two objects
		{`{"a":{"b":1,"B":2}}`, "B"},               // nested
		{`{"a":[{"x":1},{"x":2}]}`, ""},            // objects in an array are separate
		{`{"a":[{"x":1,"x":2}]}`, "x"},             // ...but each is checked
		{`{"a":["a","a"],"b":"a"}`, ""},            // string values are not keys
		{`{"a":{},"b":[],"a2":[[]],"c":null}`, ""}, // empty containers
		{`{"k":[1,{"k":2}],"K":3}`, "K"},           // back in the outer object after an array
		{`{"\u0061":1,"a":2}`, "a"},                // an escaped spelling is the same key
		{`[{"a":1},{"a":1}]`, ""},                  // top-level array
		{`{"a":1,`, ""},                            // broken JSON is the decoder's to report
		{`{"credentials":{"secret":"x","Secret":"y"}}`, "Secret"},
	}
	for _, tc := range cases {
		if got := repeatedKey([]byte(tc.body)); got != tc.want {
			t.Errorf("repeatedKey(%s) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

// FuzzRepeatedKey checks that the answer does not depend on layout: the same
// document indented or compacted has the same repeated key, or none.
func FuzzRepeatedKey(f *testing.F) {
	for _, s := range []string{`{"a":1,"A":2}`, `{"a":[{"b":{"c":1}}],"d":"e"}`, `[1,"x",{"y":null}]`, `{"a":{"a":{"a":1}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got := repeatedKey(body)
		if !json.Valid(body) {
			return
		}
		var indented, compact bytes.Buffer
		if err := json.Indent(&indented, body, "", "  "); err != nil {
			t.Fatal(err)
		}
		if err := json.Compact(&compact, body); err != nil {
			t.Fatal(err)
		}
		if a, b := repeatedKey(indented.Bytes()), repeatedKey(compact.Bytes()); a != got || b != got {
			t.Fatalf("layout changed the answer: %q, indented %q, compact %q", got, a, b)
		}
	})
}

func TestDisplayNameIsPlainAndBounded(t *testing.T) {
	cases := []struct{ claim, want string }{
		{"  Acme Ltd ", "Acme Ltd"},
		{"Acme\u202eLtd", "AcmeLtd"},
		{"Acme\x00\nLtd", "AcmeLtd"},
		{"\u200b\u2066", ""},
		{"Ünïcödé GmbH", "Ünïcödé GmbH"},
		{strings.Repeat("é", 300), strings.Repeat("é", maxOrgName)},
	}
	for _, tc := range cases {
		if got := displayName(tc.claim); got != tc.want {
			t.Errorf("displayName(%q) = %q, want %q", tc.claim, got, tc.want)
		}
	}
}
