package dynamostore

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

var _ settings.AccountStore = (*Store)(nil)

// accountItem holds only masked credentials and the secret's name: the
// credential values themselves never reach the table.
type accountItem struct {
	PK         string               `dynamodbav:"pk"`
	SK         string               `dynamodbav:"sk"`
	Platform   string               `dynamodbav:"platform"`
	Masked     map[string]string    `dynamodbav:"masked"`
	SecretName string               `dynamodbav:"secretName"`
	UpdatedAt  int64                `dynamodbav:"updatedAt"`
	LastTest   *settings.TestResult `dynamodbav:"lastTest,omitempty"`
}

func (s *Store) GetAccount(ctx context.Context, org string) (settings.Account, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(orgPK(org), "PLATFORM"), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return settings.Account{}, fmt.Errorf("get account of %s: %w", org, err)
	}
	if out.Item == nil {
		return settings.Account{}, settings.ErrNotConfigured
	}
	var it accountItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return settings.Account{}, fmt.Errorf("decode account of %s: %w", org, err)
	}
	return settings.Account{
		OrgID: org, Platform: platform.Kind(it.Platform), Masked: it.Masked, SecretName: it.SecretName,
		UpdatedAt: fromMS(it.UpdatedAt), LastTest: it.LastTest,
	}, nil
}

func (s *Store) PutAccount(ctx context.Context, a settings.Account) error {
	item, err := attributevalue.MarshalMap(accountItem{
		PK: orgPK(a.OrgID), SK: "PLATFORM", Platform: string(a.Platform), Masked: a.Masked,
		SecretName: a.SecretName, UpdatedAt: ms(a.UpdatedAt), LastTest: a.LastTest,
	})
	if err != nil {
		return fmt.Errorf("encode account of %s: %w", a.OrgID, err)
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("put account of %s: %w", a.OrgID, err)
	}
	return nil
}

func (s *Store) DeleteAccount(ctx context.Context, org string) error {
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(orgPK(org), "PLATFORM"),
	}); err != nil {
		return fmt.Errorf("delete account of %s: %w", org, err)
	}
	return nil
}
