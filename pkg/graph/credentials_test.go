package graph_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/platform"
)

const (
	tenantGUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"
	clientGUID = "4a1aa1d5-c567-49d0-ad0b-cd957a47f842"
	secretVal  = "Xy8Q~abcdefghijklmnopqrstuvwxyz0123456789"
)

func validRaw() platform.Credentials {
	return platform.Credentials{
		"tenantId": tenantGUID, "clientId": clientGUID, "clientSecret": secretVal, "mailbox": "support@contoso.com",
	}
}

func TestParseCredentialsNormalises(t *testing.T) {
	raw := platform.Credentials{
		"tenantId": "  Contoso.OnMicrosoft.com ", "clientId": strings.ToUpper(clientGUID),
		"clientSecret": " " + secretVal + "\n", "mailbox": " Support@Contoso.com ",
	}
	c, err := graph.ParseCredentials(raw, false)
	if err != nil {
		t.Fatal(err)
	}
	want := graph.Credentials{TenantID: "contoso.onmicrosoft.com", ClientID: clientGUID, ClientSecret: secretVal, Mailbox: "support@contoso.com"}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("got %+v, want %+v", c, want)
	}
}

func TestParseCredentialsErrors(t *testing.T) {
	tests := []struct {
		name         string
		edit         func(platform.Credentials)
		allowPrivate bool
		fields       []string // fields expected to fail, in order
		mention      string   // text the first message must contain
	}{
		{"all missing", func(c platform.Credentials) { clear(c) }, false, []string{"tenantId", "clientId", "clientSecret", "mailbox"}, "Directory (tenant) ID"},
		{"tenant alias common", func(c platform.Credentials) { c["tenantId"] = "common" }, false, []string{"tenantId"}, "your own tenant"},
		{"tenant garbage", func(c platform.Credentials) { c["tenantId"] = "not a tenant" }, false, []string{"tenantId"}, "verified domain"},
		{"client id not guid", func(c platform.Credentials) { c["clientId"] = "my-app" }, false, []string{"clientId"}, "Application (client) ID"},
		{"secret id pasted", func(c platform.Credentials) { c["clientSecret"] = "0b5f1e36-7c84-4a4e-9e3b-0d5c3b1f8f2a" }, false, []string{"clientSecret"}, "Secret ID"},
		{"mailbox with display name", func(c platform.Credentials) { c["mailbox"] = "Support <support@contoso.com>" }, false, []string{"mailbox"}, "plain e-mail address"},
		{"mailbox without domain", func(c platform.Credentials) { c["mailbox"] = "support" }, false, []string{"mailbox"}, "e-mail address"},
		{"graph url in production", func(c platform.Credentials) { c["graphUrl"] = "http://127.0.0.1:8080/v1.0" }, false, []string{"graphUrl"}, "local test mode"},
		{"login url with bad scheme", func(c platform.Credentials) { c["loginUrl"] = "ftp://127.0.0.1/" }, true, []string{"loginUrl"}, "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := validRaw()
			tt.edit(raw)
			_, err := graph.ParseCredentials(raw, tt.allowPrivate)
			var ve *platform.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %v, want *platform.ValidationError", err)
			}
			var got []string
			for _, f := range ve.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %v, want %v", got, tt.fields)
			}
			if !strings.Contains(ve.Fields[0].Message, tt.mention) {
				t.Fatalf("message %q does not mention %q", ve.Fields[0].Message, tt.mention)
			}
			if secret := raw["clientSecret"]; secret != "" && strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
}

func TestParseCredentialsLocalOverrides(t *testing.T) {
	raw := validRaw()
	raw["loginUrl"] = "http://127.0.0.1:9999/"
	raw["graphUrl"] = "http://127.0.0.1:9999/v1.0"
	c, err := graph.ParseCredentials(raw, true)
	if err != nil {
		t.Fatal(err)
	}
	if c.LoginURL != "http://127.0.0.1:9999" || c.GraphURL != "http://127.0.0.1:9999/v1.0" {
		t.Fatalf("overrides = %q %q", c.LoginURL, c.GraphURL)
	}
}

func TestSecretFields(t *testing.T) {
	if !slices.Equal(graph.SecretFields, []string{"clientSecret"}) {
		t.Fatalf("SecretFields = %v", graph.SecretFields)
	}
}
