package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/relay"
)

var _ relay.Progress = (*Store)(nil)

// syncSK holds a connection's latest initial sync; a new run replaces it,
// and counts of an older run no longer land (they name their run).
const syncSK = "SYNC"

// StartSync records a new initial sync, replacing the previous one.
func (s *Store) StartSync(ctx context.Context, connID string, p relay.SyncProgress) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
		"pk": str(connPK(connID)), "sk": str(syncSK), "run": str(p.Run),
		"since": str(p.Since.UTC().Format(time.RFC3339Nano)), "startedAt": str(p.StartedAt.UTC().Format(time.RFC3339Nano)),
		"listed": &types.AttributeValueMemberBOOL{Value: false},
		"total":  num(0), "done": num(0), "matched": num(0), "created": num(0), "failed": num(0),
	}})
	if err != nil {
		return fmt.Errorf("start initial sync of %s: %w", connID, err)
	}
	return nil
}

// SetSyncTotal records how many tickets the run found.
func (s *Store) SetSyncTotal(ctx context.Context, connID, run string, total int) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), syncSK),
		UpdateExpression:          aws.String("SET #total = :n, listed = :t"),
		ConditionExpression:       aws.String("#run = :run"),
		ExpressionAttributeNames:  map[string]string{"#total": "total", "#run": "run"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(int64(total)), ":t": &types.AttributeValueMemberBOOL{Value: true}, ":run": str(run)},
	})
	if conditionFailed(err) {
		return nil // a later run replaced this one
	}
	if err != nil {
		return fmt.Errorf("initial sync total of %s: %w", connID, err)
	}
	return nil
}

// CountSync adds one to a counter of the run.
func (s *Store) CountSync(ctx context.Context, connID, run string, field relay.ProgressField) error {
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), syncSK),
		UpdateExpression:          aws.String("ADD #f :one"),
		ConditionExpression:       aws.String("#run = :run"),
		ExpressionAttributeNames:  map[string]string{"#f": string(field), "#run": "run"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":run": str(run)},
	})
	if conditionFailed(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("count initial sync of %s: %w", connID, err)
	}
	return nil
}

// Sync reads the connection's latest initial sync.
func (s *Store) Sync(ctx context.Context, connID string) (relay.SyncProgress, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), syncSK), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return relay.SyncProgress{}, fmt.Errorf("get initial sync of %s: %w", connID, err)
	}
	if out.Item == nil {
		return relay.SyncProgress{}, relay.ErrNoSync
	}
	n := func(k string) int {
		v, _ := out.Item[k].(*types.AttributeValueMemberN)
		if v == nil {
			return 0
		}
		i, _ := strconv.Atoi(v.Value)
		return i
	}
	p := relay.SyncProgress{Run: getS(out.Item, "run"), Total: n("total"), Done: n("done"), Matched: n("matched"), Created: n("created"), Failed: n("failed")}
	p.Since, _ = time.Parse(time.RFC3339Nano, getS(out.Item, "since"))
	p.StartedAt, _ = time.Parse(time.RFC3339Nano, getS(out.Item, "startedAt"))
	if b, ok := out.Item["listed"].(*types.AttributeValueMemberBOOL); ok {
		p.Listed = b.Value
	}
	return p, nil
}
