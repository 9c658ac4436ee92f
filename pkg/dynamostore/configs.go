package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/integration"
)

var _ configuration.Store = (*Store)(nil)

// configItem keeps the document as JSON: integration.Config's JSON tags are
// its contract with the API, and one encoding means a field added there is
// stored without touching this adapter. The version is a separate number so
// the conditional write can compare it.
type configItem struct {
	PK       string `dynamodbav:"pk"`
	SK       string `dynamodbav:"sk"`
	Org      string `dynamodbav:"org"`
	Version  int64  `dynamodbav:"version"`
	Document string `dynamodbav:"document"`
}

func configSK(org string) string { return "CONFIG#" + org }

func (s *Store) GetConfig(ctx context.Context, connID, org string) (integration.Config, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), configSK(org)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return integration.Config{}, fmt.Errorf("get configuration of %s for %s: %w", connID, org, err)
	}
	if out.Item == nil {
		return integration.Config{}, nil
	}
	var it configItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return integration.Config{}, fmt.Errorf("decode configuration of %s for %s: %w", connID, org, err)
	}
	var cfg integration.Config
	if err := json.Unmarshal([]byte(it.Document), &cfg); err != nil {
		return integration.Config{}, fmt.Errorf("decode configuration of %s for %s: %w", connID, org, err)
	}
	// The attribute the condition checks is the truth.
	cfg.Version = it.Version
	return cfg, nil
}

func (s *Store) PutConfig(ctx context.Context, connID, org string, cfg integration.Config, expectedVersion int64) error {
	doc, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode configuration of %s for %s: %w", connID, org, err)
	}
	item, err := attributevalue.MarshalMap(configItem{
		PK: connPK(connID), SK: configSK(org), Org: org, Version: cfg.Version, Document: string(doc),
	})
	if err != nil {
		return fmt.Errorf("encode configuration of %s for %s: %w", connID, org, err)
	}
	in := &types.Put{TableName: aws.String(s.table), Item: item}
	if expectedVersion == 0 {
		in.ConditionExpression = aws.String("attribute_not_exists(pk)")
	} else {
		in.ConditionExpression = aws.String("version = :expected")
		in.ExpressionAttributeValues = map[string]types.AttributeValue{
			":expected": &types.AttributeValueMemberN{Value: strconv.FormatInt(expectedVersion, 10)},
		}
	}
	// The connection's stamp moves with the configuration, so warm sync
	// functions drop their copy on their next event (StampsAndLinks).
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: in}, bump(s.table, connPK(connID)),
	}})
	if err != nil {
		if conditionFailed(err) {
			return fmt.Errorf("put configuration of %s for %s at version %d: %w", connID, org, expectedVersion, configuration.ErrVersionConflict)
		}
		return fmt.Errorf("put configuration of %s for %s: %w", connID, org, err)
	}
	return nil
}
