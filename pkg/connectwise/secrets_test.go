package connectwise

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// TestNoCredentialInErrors drives every failure path and checks that no key
// value reaches an error message. The package does not log, so errors are
// the only text it produces.
func TestNoCredentialInErrors(t *testing.T) {
	s := connectwisesim.New(t)
	ctx := testCtx(t)
	f := s.Credentials(s.Integration)
	secrets := []string{f["privateKey"], f["publicKey"]}

	// A hostile server that echoes the Authorization header back in its errors.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/login/") {
			_, _ = w.Write([]byte(`{"Codebase":"v1/"}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"code":"Bad","message":"you sent ` + r.Header.Get("Authorization") + ` ` + secrets[0] + `","errors":[{"field":"` + secrets[1] + `","message":"x"}]}`))
	}))
	t.Cleanup(echo.Close)

	var errs []error
	collect := func(err error) {
		if err == nil {
			t.Fatal("expected a failure")
		}
		errs = append(errs, err)
	}
	one := egress.New(egress.Options{AllowPrivate: true, MaxAttempts: 1})
	build := func(edit func(platform.Credentials)) *Client {
		c := s.Credentials(s.Integration)
		edit(c)
		creds, err := ParseCredentials(c, true)
		if err != nil {
			t.Fatal(err)
		}
		return New(creds, Options{AllowPrivate: true, HTTP: one})
	}
	collect(build(func(c platform.Credentials) { c["privateKey"] = c["privateKey"] + "x" }).Test(ctx))
	collect(build(func(c platform.Credentials) { c["site"] = "http://127.0.0.1:1" }).Test(ctx))
	collect(build(func(c platform.Credentials) { c["site"] = echo.URL }).Test(ctx))
	cl := clientFor(t, s, s.Integration, Options{HTTP: one, MaxAttachmentBytes: 10})
	_, err := cl.GetTicket(ctx, "31337")
	collect(err)
	_, err = cl.CreateTicket(ctx, platform.Ticket{})
	collect(err)
	_, err = cl.AddAttachment(ctx, "1", platform.Attachment{Data: make([]byte, 11)})
	collect(err)
	s.FailNext(1, connectwisesim.Fault{Status: 429, RetryAfter: time.Minute})
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	collect(cl.Test(short))
	creds, _ := ParseCredentials(s.Credentials(s.Integration), true)
	collect(New(creds, Options{}).Test(ctx))
	for _, field := range []string{"site", "companyId", "publicKey", "clientId"} {
		c := s.Credentials(s.Integration)
		c[field] = c[field] + " :+/"
		_, err := ParseCredentials(c, false)
		collect(err)
	}

	for _, err := range errs {
		for _, secret := range secrets {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error reveals a key: %v", err)
			}
		}
	}
	// Deliveries carry no API keys either.
	for _, d := range s.Flush() {
		for _, secret := range secrets {
			if bytes.Contains(d.Body, []byte(secret)) {
				t.Fatal("a callback delivery contains an API key")
			}
		}
	}
}
