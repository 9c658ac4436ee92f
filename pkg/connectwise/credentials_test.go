package connectwise

import (
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func validFields() platform.Credentials {
	return platform.Credentials{
		"site": "na", "companyId": "contoso", "publicKey": "Pub1234567890abc",
		"privateKey": "Priv0987654321xyz", "clientId": "1A2B3C4D-1a2b-1a2b-1a2b-1a2b3c4d5e6f",
	}
}

func TestParseCredentialsNormalisesSite(t *testing.T) {
	cases := []struct{ site, want string }{
		{"na", "https://api-na.myconnectwise.net"},
		{"EU", "https://api-eu.myconnectwise.net"},
		{" au ", "https://api-au.myconnectwise.net"},
		{"na.myconnectwise.net", "https://api-na.myconnectwise.net"},
		{"https://eu.myconnectwise.net/v4_6_release/ConnectWise.aspx", "https://api-eu.myconnectwise.net"},
		{"api-au.myconnectwise.net", "https://api-au.myconnectwise.net"},
		{"https://sandbox-na.myconnectwise.net", "https://sandbox-na.myconnectwise.net"},
		{"https://CW.Example.com/", "https://cw.example.com"},
	}
	for _, c := range cases {
		t.Run(c.site, func(t *testing.T) {
			f := validFields()
			f["site"] = c.site
			got, err := ParseCredentials(f, false)
			if err != nil {
				t.Fatalf("ParseCredentials: %v", err)
			}
			if got.Site != c.want {
				t.Fatalf("site = %q, want %q", got.Site, c.want)
			}
			if got.ClientID != "1a2b3c4d-1a2b-1a2b-1a2b-1a2b3c4d5e6f" {
				t.Fatalf("client id not normalised: %q", got.ClientID)
			}
		})
	}
}

func TestParseCredentialsRefusals(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(platform.Credentials)
		fields []string // expected FieldError fields, in order
		hint   string   // a phrase the first message must contain
	}{
		{"all missing", func(c platform.Credentials) { clear(c) },
			[]string{FieldSite, FieldCompanyID, FieldPublicKey, FieldPrivateKey, FieldClientID}, "na, eu or au"},
		{"http site", func(c platform.Credentials) { c["site"] = "http://cw.example.com" }, []string{FieldSite}, "https"},
		{"loopback site", func(c platform.Credentials) { c["site"] = "https://127.0.0.1:8443" }, []string{FieldSite}, "public"},
		{"port other than https's", func(c platform.Credentials) { c["site"] = "https://cw.example.com:8443" }, []string{FieldSite}, "port 8443"},
		{"metadata address", func(c platform.Credentials) { c["site"] = "https://169.254.169.254" }, []string{FieldSite}, "public"},
		{"private address", func(c platform.Credentials) { c["site"] = "10.1.2.3" }, []string{FieldSite}, "public"},
		{"userinfo", func(c platform.Credentials) { c["site"] = "https://me:pw@cw.example.com" }, []string{FieldSite}, "user name"},
		{"company with plus", func(c platform.Credentials) { c["companyId"] = "contoso+x" }, []string{FieldCompanyID}, "login screen"},
		{"key with space", func(c platform.Credentials) { c["publicKey"] = "abc def" }, []string{FieldPublicKey}, "space"},
		{"same keys", func(c platform.Credentials) { c["privateKey"] = c["publicKey"] }, []string{FieldPrivateKey}, "same as the public"},
		{"client id not a guid", func(c platform.Credentials) { c["clientId"] = "my-integration" }, []string{FieldClientID}, "GUID"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := validFields()
			c.edit(f)
			_, err := ParseCredentials(f, false)
			var ve *platform.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *platform.ValidationError", err)
			}
			if len(ve.Fields) != len(c.fields) {
				t.Fatalf("fields = %v, want %v", ve.Fields, c.fields)
			}
			for i, fe := range ve.Fields {
				if fe.Field != c.fields[i] {
					t.Fatalf("field %d = %s, want %s", i, fe.Field, c.fields[i])
				}
			}
			if !strings.Contains(ve.Fields[0].Message, c.hint) {
				t.Fatalf("message %q does not contain %q", ve.Fields[0].Message, c.hint)
			}
			for _, v := range []string{"Pub1234567890abc", "Priv0987654321xyz"} {
				if strings.Contains(err.Error(), v) {
					t.Fatalf("error reveals a key: %v", err)
				}
			}
		})
	}
}

func TestParseCredentialsLocalMode(t *testing.T) {
	f := validFields()
	f["site"] = "http://127.0.0.1:8080/ignored/path"
	got, err := ParseCredentials(f, true)
	if err != nil {
		t.Fatalf("local mode refused the simulator URL: %v", err)
	}
	if got.Site != "http://127.0.0.1:8080" {
		t.Fatalf("site = %q", got.Site)
	}
}

func TestSecretFields(t *testing.T) {
	if len(SecretFields) != 1 || SecretFields[0] != FieldPrivateKey {
		t.Fatalf("SecretFields = %v", SecretFields)
	}
}
