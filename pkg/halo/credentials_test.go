package halo_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
)

const (
	testClientID = "6f1c2a9e-3b7d-4c5e-9a1f-2d8e7b6c5a40"
	testSecret   = "s3cr3t-value-never-shown"
)

func creds(url, tenant string) platform.Credentials {
	return platform.Credentials{"url": url, "tenant": tenant, "clientId": testClientID, "clientSecret": testSecret}
}

func TestParseCredentialsNormalisesURL(t *testing.T) {
	cases := []struct {
		name, url, tenant, wantBase, wantToken string
	}{
		{"bare", "https://acme.halopsa.com", "", "https://acme.halopsa.com", "https://acme.halopsa.com/auth/token"},
		{"api suffix", "https://acme.halopsa.com/api/", "", "https://acme.halopsa.com", "https://acme.halopsa.com/auth/token"},
		{"auth suffix", "https://acme.halopsa.com/auth", "", "https://acme.halopsa.com", "https://acme.halopsa.com/auth/token"},
		{"token url pasted", "https://acme.halopsa.com/auth/token", "", "https://acme.halopsa.com", "https://acme.halopsa.com/auth/token"},
		{"no scheme, capitals", "  ACME.HaloPSA.com/API ", "", "https://acme.halopsa.com", "https://acme.halopsa.com/auth/token"},
		{"hosted tenant", "https://acme.halopsa.com", "acme", "https://acme.halopsa.com", "https://acme.halopsa.com/auth/token?tenant=acme"},
		{"on-premise path", "https://support.example.com/halo/api", "", "https://support.example.com/halo", "https://support.example.com/halo/auth/token"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := halo.ParseCredentials(creds(tc.url, tc.tenant), false)
			if err != nil {
				t.Fatalf("ParseCredentials: %v", err)
			}
			if c.BaseURL != tc.wantBase || c.TokenURL() != tc.wantToken || c.APIURL() != tc.wantBase+"/api" {
				t.Fatalf("got base %q token %q api %q", c.BaseURL, c.TokenURL(), c.APIURL())
			}
			if c.ClientSecret != testSecret || c.ClientID != testClientID {
				t.Fatal("client id or secret altered")
			}
		})
	}
}

func TestParseCredentialsRefuses(t *testing.T) {
	cases := []struct {
		name         string
		in           platform.Credentials
		allowPrivate bool
		fields       []string // one FieldError each, in order
		mention      string   // part of the first message
	}{
		{"all missing", platform.Credentials{}, false, []string{"url", "clientId", "clientSecret"}, "https://acme.halopsa.com"},
		{"plain http", creds("http://acme.halopsa.com", ""), false, []string{"url"}, "https"},
		{"loopback (SSRF)", creds("https://127.0.0.1:8443", ""), false, []string{"url"}, "public address"},
		{"private address allowed in local mode", creds("http://169.254.169.254/latest", ""), true, nil, ""},
		{"private address (SSRF)", creds("https://10.0.0.5", ""), false, []string{"url"}, "public address"},
		{"user info", creds("https://me:pw@acme.halopsa.com", ""), false, []string{"url"}, "user name"},
		{"query", creds("https://acme.halopsa.com/?x=1", ""), false, []string{"url"}, "without anything after"},
		{"tenant is a URL", creds("https://acme.halopsa.com", "https://acme.halopsa.com"), false, []string{"tenant"}, "instanceinfo"},
		{"client id copied in edit mode", platform.Credentials{"url": "https://acme.halopsa.com", "clientId": "Tandem app", "clientSecret": "x"}, false, []string{"clientId"}, "not in edit mode"},
		{"secret blank", platform.Credentials{"url": "https://acme.halopsa.com", "clientId": testClientID, "clientSecret": "  "}, false, []string{"clientSecret"}, "generate a new one"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := halo.ParseCredentials(tc.in, tc.allowPrivate)
			if tc.fields == nil {
				// Local mode deliberately lets private addresses through.
				if err != nil {
					t.Fatalf("local mode refused: %v", err)
				}
				return
			}
			var ve *platform.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error %v is not a *platform.ValidationError", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.fields) {
				t.Fatalf("fields = %v, want %v", got, tc.fields)
			}
			if !strings.Contains(ve.Fields[0].Message, tc.mention) {
				t.Fatalf("message %q does not mention %q", ve.Fields[0].Message, tc.mention)
			}
			if strings.Contains(err.Error(), testSecret) {
				t.Fatal("validation error contains the secret")
			}
		})
	}
}

func TestParseCredentialsLocalMode(t *testing.T) {
	c, err := halo.ParseCredentials(creds("http://127.0.0.1:8080/api", ""), true)
	if err != nil {
		t.Fatalf("local mode: %v", err)
	}
	if c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("base = %q", c.BaseURL)
	}
}

func TestSecretFieldsNameTheSecret(t *testing.T) {
	if len(halo.SecretFields) != 1 || halo.SecretFields[0] != halo.FieldClientSecret {
		t.Fatalf("SecretFields = %v", halo.SecretFields)
	}
}

func TestCredentialsNeverPrintTheSecret(t *testing.T) {
	c, err := halo.ParseCredentials(creds("https://acme.halopsa.com", "acme"), false)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("creds", "c", c)
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), buf.String()} {
		if strings.Contains(s, testSecret) {
			t.Fatalf("secret printed: %s", s)
		}
	}
}
