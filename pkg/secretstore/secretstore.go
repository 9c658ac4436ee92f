// Package secretstore keeps credential secrets in AWS Secrets Manager. The
// in-memory store of the local runner and the unit tests is
// secretstoretest.Memory; both pass the same contract test
// (secretstoretest.RunContract).
package secretstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
)

// ErrNotFound means no secret has that name.
var ErrNotFound = errors.New("secret not found")

// SecretsManager stores secrets in AWS Secrets Manager.
type SecretsManager struct{ sm *secretsmanager.Client }

// NewSecretsManager wraps a client.
func NewSecretsManager(c *secretsmanager.Client) *SecretsManager { return &SecretsManager{sm: c} }

// PutSecret creates the secret or stores a new version of it.
func (s *SecretsManager) PutSecret(ctx context.Context, name string, value []byte) error {
	_, err := s.sm.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{SecretId: aws.String(name), SecretBinary: value})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		_, err = s.sm.CreateSecret(ctx, &secretsmanager.CreateSecretInput{
			Name:         aws.String(name),
			SecretBinary: value,
			Description:  aws.String("Tandem platform credentials"),
			Tags:         []types.Tag{{Key: aws.String("app"), Value: aws.String("tandem")}},
		})
	}
	if err != nil {
		// The SDK error names the secret but never carries its value.
		return fmt.Errorf("put secret %s: %w", name, err)
	}
	return nil
}

// GetSecret reads the current version.
func (s *SecretsManager) GetSecret(ctx context.Context, name string) ([]byte, error) {
	out, err := s.sm.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(name)})
	var nf *types.ResourceNotFoundException
	if errors.As(err, &nf) {
		return nil, fmt.Errorf("get secret %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get secret %s: %w", name, err)
	}
	if out.SecretBinary != nil {
		return out.SecretBinary, nil
	}
	return []byte(aws.ToString(out.SecretString)), nil
}

// DeleteSecret removes the secret at once. Credentials can be regenerated at
// the platform, and a recovery window would block saving the same platform
// again for days.
func (s *SecretsManager) DeleteSecret(ctx context.Context, name string) error {
	_, err := s.sm.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{
		SecretId: aws.String(name), ForceDeleteWithoutRecovery: aws.Bool(true),
	})
	var nf *types.ResourceNotFoundException
	if err != nil && !errors.As(err, &nf) {
		return fmt.Errorf("delete secret %s: %w", name, err)
	}
	return nil
}
