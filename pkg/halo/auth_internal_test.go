package halo

import (
	"context"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
)

// The token is reused until shortly before expires_in runs out, then
// replaced before a request could leave with it.
func TestTokenRefreshedBeforeExpiry(t *testing.T) {
	s := halosim.New(t, halosim.Options{TokenLifetime: 10 * time.Minute})
	creds, err := ParseCredentials(s.Credentials(halosim.Integration), true)
	if err != nil {
		t.Fatal(err)
	}
	c := New(creds, Options{HTTP: egress.New(egress.Options{AllowPrivate: true})})
	now := time.Now()
	c.now = func() time.Time { return now }
	ctx := context.Background()
	steps := []struct {
		advance  time.Duration
		requests int64 // total after the call
	}{
		{0, 2},                         // token + read
		{8 * time.Minute, 3},           // still valid: read only
		{time.Minute + time.Second, 5}, // inside the one-minute margin: new token + read
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if err := c.Test(ctx); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if c.Requests() != st.requests {
			t.Fatalf("step %d: %d requests, want %d", i, c.Requests(), st.requests)
		}
	}
}
