package relay

import "testing"

// newest takes the last match the side did not know, so an identical note
// written earlier is not taken for this one; only with takeKnown does it fall
// back to the last match of all.
func TestNewestTakesTheLastUnknownMatch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		ids       []string
		known     []string
		takeKnown bool
		want      string
		ok        bool
	}{
		{"no match", nil, nil, true, "", false},
		{"the last unknown", []string{"n1", "n2", "n3"}, []string{"n1"}, false, "n3", true},
		{"an unknown before known ones", []string{"n1", "n2", "n3"}, []string{"n2", "n3"}, false, "n1", true},
		{"every match known", []string{"n1", "n2"}, []string{"n1", "n2"}, false, "", false},
		{"every match known, known taken", []string{"n1", "n2"}, []string{"n1", "n2"}, true, "n2", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := newest(tc.ids, tc.known, tc.takeKnown)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("newest(%v, known %v, %v) = %q, %v; want %q, %v", tc.ids, tc.known, tc.takeKnown, got, ok, tc.want, tc.ok)
			}
		})
	}
}
