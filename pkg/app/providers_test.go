package app_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/app/allplatforms"
	"github.com/tandemsync/tandem/pkg/platform"
)

// A credential under a key the platform does not declare is refused, not
// stored: stored, it would be shown back unmasked (a client secret pasted
// under a misspelt key, say).
func TestUndeclaredCredentialKeysAreRefused(t *testing.T) {
	p := app.NewPlatforms(allplatforms.Providers, true)
	const pasted = "a-client-secret-pasted-under-the-wrong-key"
	creds := platform.Credentials{"url": "https://acme.halopsa.com", "tenant": "acme", "clientId": "0a1b2c3d-0000-4000-8000-0a1b2c3d4e5f", "clientSecret": "s3cr3t-value", "client_secret": pasted}
	_, _, err := p.Validate(platform.Halo, creds)
	var ve *platform.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields) != 1 || ve.Fields[0].Field != "client_secret" {
		t.Fatalf("Validate = %v, want one field error naming client_secret", err)
	}
	if strings.Contains(err.Error(), pasted) {
		t.Fatalf("the refusal quotes the value: %v", err)
	}
	delete(creds, "client_secret")
	if _, _, err := p.Validate(platform.Halo, creds); err != nil {
		t.Fatalf("the declared fields alone are refused: %v", err)
	}
}
