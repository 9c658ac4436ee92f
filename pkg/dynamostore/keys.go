package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CursorKey returns the key that signs the sync log's paging cursors. Every
// instance of every function of a stage must sign alike, so the first one
// to need it creates it (a conditional put: one racer wins, the others read
// the winner's). It never leaves the table and the API; a cursor only
// continues a listing the caller could read anyway, so the key guards the
// cursor's integrity, not any data.
func (s *Store) CursorKey(ctx context.Context) ([]byte, error) {
	k := key("KEY#log-cursor", "KEY")
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("read cursor key: %w", err)
	}
	if out.Item == nil {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("make cursor key: %w", err)
		}
		_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				"pk": k["pk"], "sk": k["sk"], "key": str(base64.StdEncoding.EncodeToString(b)),
			},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		if err != nil && !conditionFailed(err) {
			return nil, fmt.Errorf("store cursor key: %w", err)
		}
		if err == nil {
			return b, nil
		}
		if out, err = s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(true)}); err != nil {
			return nil, fmt.Errorf("read cursor key: %w", err)
		}
	}
	b, err := base64.StdEncoding.DecodeString(getS(out.Item, "key"))
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("cursor key is malformed")
	}
	return b, nil
}
