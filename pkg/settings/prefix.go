package settings

import (
	"context"
	"fmt"
	"strings"
)

// SecretNamespace starts the name of every secret Tandem keeps: credentials
// (SecretName) and webhook signing secrets (webhook.SecretName).
const SecretNamespace = "tandem/"

// PrefixedSecrets keeps each deployment stage's secrets apart when several
// stages share an AWS account: a name Tandem uses, tandem/<org>/<platform>…,
// is stored as <prefix><org>/<platform>…, e.g. tandem/prod/acme/halo, and
// infra grants each stage's functions only their own prefix. Records keep
// the names Tandem uses, so they mean the same in every stage. An empty
// prefix, or SecretNamespace itself, leaves names as they are.
func PrefixedSecrets(s SecretStore, prefix string) SecretStore {
	if prefix == "" || prefix == SecretNamespace {
		return s
	}
	return prefixed{inner: s, prefix: prefix}
}

type prefixed struct {
	inner  SecretStore
	prefix string
}

func (p prefixed) name(name string) (string, error) {
	rest, ok := strings.CutPrefix(name, SecretNamespace)
	if !ok {
		// Outside the namespace IAM grants: fail plainly rather than
		// with an AccessDenied from Secrets Manager.
		return "", fmt.Errorf("secret name %q is outside %s", name, SecretNamespace)
	}
	return p.prefix + rest, nil
}

func (p prefixed) PutSecret(ctx context.Context, name string, value []byte) error {
	n, err := p.name(name)
	if err != nil {
		return err
	}
	return p.inner.PutSecret(ctx, n, value)
}

func (p prefixed) GetSecret(ctx context.Context, name string) ([]byte, error) {
	n, err := p.name(name)
	if err != nil {
		return nil, err
	}
	return p.inner.GetSecret(ctx, n)
}

func (p prefixed) DeleteSecret(ctx context.Context, name string) error {
	n, err := p.name(name)
	if err != nil {
		return err
	}
	return p.inner.DeleteSecret(ctx, n)
}
