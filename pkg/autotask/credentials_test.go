package autotask

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func validFields() platform.Credentials {
	return platform.Credentials{
		"apiUrl":          "https://webservices2.autotask.net/",
		"username":        "AB12CD34EF56@EXAMPLE.COM",
		"secret":          "s3cr3t-Value#1",
		"integrationCode": "TRACKINGID0123456789ABCDEFG",
	}
}

func with(kv ...string) platform.Credentials {
	c := validFields()
	for i := 0; i+1 < len(kv); i += 2 {
		c[kv[i]] = kv[i+1]
	}
	return c
}

func TestParseCredentialsNormalisesAPIURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://webservices2.autotask.net/", "https://webservices2.autotask.net/"},
		{"https://webservices2.autotask.net", "https://webservices2.autotask.net/"},
		{"  https://WebServices15.Autotask.net/ATServicesRest  ", "https://webservices15.autotask.net/"},
		{"https://webservices6.autotask.net/atservicesrest/v1.0/", "https://webservices6.autotask.net/"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseCredentials(with("apiUrl", tt.in), false)
			if err != nil {
				t.Fatalf("ParseCredentials: %v", err)
			}
			if got.APIURL != tt.want {
				t.Errorf("APIURL = %q, want %q", got.APIURL, tt.want)
			}
		})
	}
}

func TestParseCredentialsRejects(t *testing.T) {
	tests := []struct {
		name, field, value string
		allowPrivate       bool
		wantField          string
		wantIn             string
	}{
		{"portal url", "apiUrl", "https://ww2.autotask.net/", false, "apiUrl", "https://webservices2.autotask.net/"},
		{"portal host without scheme", "apiUrl", "ww14.autotask.net", false, "apiUrl", "https://webservices14.autotask.net/"},
		{"api host without scheme", "apiUrl", "webservices3.autotask.net", false, "apiUrl", "must begin with https://"},
		{"http", "apiUrl", "http://webservices2.autotask.net/", false, "apiUrl", "https"},
		{"foreign host", "apiUrl", "https://example.com/", false, "apiUrl", "not an Autotask API host"},
		{"path", "apiUrl", "https://webservices2.autotask.net/foo", false, "apiUrl", "without a path"},
		{"query", "apiUrl", "https://webservices2.autotask.net/?x=1", false, "apiUrl", "query"},
		{"loopback", "apiUrl", "https://127.0.0.1:8443/", false, "apiUrl", "not a public address"},
		{"metadata", "apiUrl", "http://169.254.169.254/", false, "apiUrl", "https"},
		{"non-http scheme in local mode", "apiUrl", "ftp://127.0.0.1/", true, "apiUrl", "scheme"},
		{"username without @", "username", "apiuser", false, "username", "integration key"},
		{"username with space", "username", "AB12 CD@EXAMPLE.COM", false, "username", "no spaces"},
		{"integration code with space", "integrationCode", "ABC DEF", false, "integrationCode", "spaces"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseCredentials(with(tt.field, tt.value), tt.allowPrivate)
			var ve *platform.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *platform.ValidationError", err)
			}
			if len(ve.Fields) != 1 || ve.Fields[0].Field != tt.wantField {
				t.Fatalf("fields = %v, want one for %s", ve.Fields, tt.wantField)
			}
			if !strings.Contains(ve.Fields[0].Message, tt.wantIn) {
				t.Errorf("message %q does not contain %q", ve.Fields[0].Message, tt.wantIn)
			}
		})
	}
}

func TestParseCredentialsMissingFieldsEachReported(t *testing.T) {
	_, err := ParseCredentials(platform.Credentials{}, false)
	var ve *platform.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want *platform.ValidationError", err)
	}
	got := map[string]bool{}
	for _, f := range ve.Fields {
		got[f.Field] = true
	}
	for _, f := range []string{"apiUrl", "username", "secret", "integrationCode"} {
		if !got[f] {
			t.Errorf("no FieldError for %s in %v", f, ve.Fields)
		}
	}
	if len(ve.Fields) != 4 {
		t.Errorf("got %d field errors, want 4", len(ve.Fields))
	}
}

func TestParseCredentialsAllowPrivateAcceptsSimulator(t *testing.T) {
	got, err := ParseCredentials(with("apiUrl", "http://127.0.0.1:41234"), true)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	if got.APIURL != "http://127.0.0.1:41234/" {
		t.Errorf("APIURL = %q", got.APIURL)
	}
	if _, err := ParseCredentials(with("apiUrl", "http://127.0.0.1:41234"), false); err == nil {
		t.Error("loopback http accepted without allowPrivate")
	}
}

func TestParseCredentialsTrimsPastedWhitespace(t *testing.T) {
	got, err := ParseCredentials(with("secret", " s3cr3t-Value#1\n", "username", "\tAB12CD34EF56@EXAMPLE.COM "), false)
	if err != nil {
		t.Fatalf("ParseCredentials: %v", err)
	}
	if got.Secret != "s3cr3t-Value#1" || got.Username != "AB12CD34EF56@EXAMPLE.COM" {
		t.Errorf("not trimmed: %q %q", got.Username, got.Secret)
	}
}

func TestCredentialsFormattingMasksSecrets(t *testing.T) {
	c, err := ParseCredentials(validFields(), false)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{fmt.Sprint(c), fmt.Sprintf("%v", c), fmt.Sprintf("%+v", c), fmt.Sprintf("%#v", c), fmt.Sprint(c.LogValue())} {
		for _, secret := range []string{c.Secret, c.IntegrationCode} {
			if strings.Contains(s, secret) {
				t.Errorf("formatted credentials %q reveal a secret field", s)
			}
		}
	}
}

func TestSecretFields(t *testing.T) {
	want := map[string]bool{"secret": true, "integrationCode": true}
	if len(SecretFields) != len(want) {
		t.Fatalf("SecretFields = %v", SecretFields)
	}
	for _, f := range SecretFields {
		if !want[f] {
			t.Errorf("unexpected secret field %q", f)
		}
	}
}
