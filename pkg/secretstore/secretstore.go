// Package secretstore keeps credential secrets: AWS Secrets Manager in
// production, memory for the local runner. Both pass the same contract test.
package secretstore

import (
	"context"
	"errors"
	"fmt"
	"sync"

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

// Memory keeps secrets in process memory, for the local runner and unit
// tests. Safe for concurrent use.
type Memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty store.
func NewMemory() *Memory { return &Memory{m: map[string][]byte{}} }

func (s *Memory) PutSecret(_ context.Context, name string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[name] = append([]byte(nil), value...)
	return nil
}

func (s *Memory) GetSecret(_ context.Context, name string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[name]
	if !ok {
		return nil, fmt.Errorf("get secret %s: %w", name, ErrNotFound)
	}
	return append([]byte(nil), v...), nil
}

func (s *Memory) DeleteSecret(_ context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, name)
	return nil
}

// Len is the number of stored secrets.
func (s *Memory) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.m)
}
