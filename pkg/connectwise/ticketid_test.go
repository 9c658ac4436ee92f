package connectwise

import (
	"net/http"
	"testing"
)

// ConnectWise record ids start at 1: a callback whose only id is 0 (or
// negative) names no ticket and is refused, wherever the id sits.
func TestCallbackTicketIDMustBePositive(t *testing.T) {
	for name, edit := range map[string]func(d map[string]any){
		"envelope 0":            func(d map[string]any) { d["ID"] = 0; d["Entity"] = nil },
		"envelope \"0\"":        func(d map[string]any) { d["ID"] = "0"; d["Entity"] = nil },
		"envelope -1":           func(d map[string]any) { d["ID"] = -1; d["Entity"] = nil },
		"entity 0, no envelope": func(d map[string]any) { delete(d, "ID"); d["Entity"] = `{"id":0}` },
	} {
		if evs, err := ParseWebhook(sampleDelivery(t, edit)); err == nil {
			t.Errorf("%s: parsed as %+v, want an error", name, evs)
		}
	}
	evs, err := ParseWebhook(sampleDelivery(t, func(d map[string]any) { d["ID"] = 1; d["Entity"] = nil }))
	if err != nil || len(evs) != 1 || evs[0].TicketID != "1" {
		t.Fatalf("ID 1: %+v, %v", evs, err)
	}
}

// A header key in another case with no value (a hand-built request, not a
// real delivery) reads as absent instead of panicking.
func TestHeaderWithNoValueIsAbsent(t *testing.T) {
	h := http.Header{"x-content-signature": {}, "X-Other": {"v"}}
	if v := headerValue(h, "X-Content-Signature"); v != "" {
		t.Fatalf("headerValue = %q, want empty", v)
	}
	if v := headerValue(http.Header{"x-content-signature": {"sig"}}, "X-Content-Signature"); v != "sig" {
		t.Fatalf("lower-case key: %q, want sig", v)
	}
}
