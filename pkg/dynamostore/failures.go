package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/relay"
)

var _ relay.Failures = (*Store)(nil)

func failureSK(id string) string  { return "FAILURE#" + id }
func heldPrefix(id string) string { return "HELD#" + id + "#" }

// AddFailure stores f, once: a redelivered command's failure is the same
// record.
func (s *Store) AddFailure(ctx context.Context, f relay.Failure) error {
	doc, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("encode failure: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk": str(connPK(f.ConnectionID)), "sk": str(failureSK(f.ID)), "doc": str(string(doc)), "held": num(0),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if conditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("put failure %s: %w", f.ID, err)
	}
	return nil
}

func decodeFailure(item map[string]types.AttributeValue) (relay.Failure, error) {
	var f relay.Failure
	if err := json.Unmarshal([]byte(getS(item, "doc")), &f); err != nil {
		return f, fmt.Errorf("decode failure: %w", err)
	}
	if n, ok := item["held"].(*types.AttributeValueMemberN); ok {
		f.Held, _ = strconv.Atoi(n.Value)
	}
	return f, nil
}

func (s *Store) Failure(ctx context.Context, connID, id string) (relay.Failure, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), failureSK(id)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return relay.Failure{}, fmt.Errorf("get failure %s: %w", id, err)
	}
	if out.Item == nil {
		return relay.Failure{}, relay.ErrNoFailure
	}
	return decodeFailure(out.Item)
}

// query lists the items of a connection whose sort key starts with prefix.
func (s *Store) query(ctx context.Context, connID, prefix string) ([]map[string]types.AttributeValue, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(connPK(connID)), ":prefix": str(prefix),
		},
		ConsistentRead: aws.Bool(true),
	})
	var out []map[string]types.AttributeValue
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
	}
	return out, nil
}

func (s *Store) Failures(ctx context.Context, connID string) ([]relay.Failure, error) {
	items, err := s.query(ctx, connID, "FAILURE#")
	if err != nil {
		return nil, fmt.Errorf("list failures of %s: %w", connID, err)
	}
	out := make([]relay.Failure, 0, len(items))
	for _, it := range items {
		f, err := decodeFailure(it)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b relay.Failure) int { return a.At.Compare(b.At) })
	return out, nil
}

// Hold numbers cmd with the failure's counter, so the held commands list
// in the order they came.
func (s *Store) Hold(ctx context.Context, connID, failureID string, cmd relay.Command) error {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), failureSK(failureID)),
		UpdateExpression:          aws.String("ADD held :one"),
		ConditionExpression:       aws.String("attribute_exists(pk)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if conditionFailed(err) {
		return fmt.Errorf("hold behind %s: %w", failureID, relay.ErrNoFailure)
	}
	if err != nil {
		return fmt.Errorf("hold behind %s: %w", failureID, err)
	}
	n := out.Attributes["held"].(*types.AttributeValueMemberN).Value
	seq, _ := strconv.Atoi(n)
	doc, err := json.Marshal(cmd)
	if err != nil {
		return fmt.Errorf("encode held command: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
		"pk": str(connPK(connID)), "sk": str(fmt.Sprintf("%s%010d", heldPrefix(failureID), seq)), "doc": str(string(doc)),
	}})
	if err != nil {
		return fmt.Errorf("hold behind %s: %w", failureID, err)
	}
	return nil
}

func (s *Store) Held(ctx context.Context, connID, failureID string) ([]relay.Command, error) {
	items, err := s.query(ctx, connID, heldPrefix(failureID))
	if err != nil {
		return nil, fmt.Errorf("list held behind %s: %w", failureID, err)
	}
	out := make([]relay.Command, 0, len(items))
	for _, it := range items {
		var c relay.Command
		if err := json.Unmarshal([]byte(getS(it, "doc")), &c); err != nil {
			return nil, fmt.Errorf("decode held command: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

func (s *Store) DeleteFailure(ctx context.Context, connID, id string) error {
	items, err := s.query(ctx, connID, heldPrefix(id))
	if err != nil {
		return fmt.Errorf("list held behind %s: %w", id, err)
	}
	keys := [][2]string{{connPK(connID), failureSK(id)}}
	for _, it := range items {
		keys = append(keys, [2]string{connPK(connID), getS(it, "sk")})
	}
	for _, k := range keys {
		if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(k[0], k[1])}); err != nil {
			return fmt.Errorf("delete %s: %w", k[1], err)
		}
	}
	return nil
}
