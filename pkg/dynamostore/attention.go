package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/relay"
)

var (
	_ relay.Attentions = (*Store)(nil)
	_ relay.Watches    = (*Store)(nil)
)

func attentionSK(id string) string { return "ATTN#" + id }
func watchSK(org string) string    { return "WATCH#" + org }

func nanos(t time.Time) types.AttributeValue { return num(t.UnixNano()) }

func getTime(item map[string]types.AttributeValue, k string) time.Time {
	n, ok := item[k].(*types.AttributeValueMemberN)
	if !ok {
		return time.Time{}
	}
	v, _ := strconv.ParseInt(n.Value, 10, 64)
	return time.Unix(0, v).UTC()
}

func getInt(item map[string]types.AttributeValue, k string) int {
	n, ok := item[k].(*types.AttributeValueMemberN)
	if !ok {
		return 0
	}
	v, _ := strconv.Atoi(n.Value)
	return v
}

// RaiseAttention is one atomic update: the first raise creates the item,
// later ones add to its count and move its last-seen time, so concurrent
// events make one item.
func (s *Store) RaiseAttention(ctx context.Context, a relay.Attention) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode attention item: %w", err)
	}
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(connPK(a.ConnectionID), attentionSK(a.ID)),
		UpdateExpression:         aws.String("SET doc = :doc, firstSeen = if_not_exists(firstSeen, :first), lastSeen = :last ADD #n :n"),
		ExpressionAttributeNames: map[string]string{"#n": "count"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":doc": str(string(doc)), ":first": nanos(a.FirstSeen), ":last": nanos(a.LastSeen), ":n": num(int64(a.Count)),
		},
	})
	if err != nil {
		return fmt.Errorf("raise attention %s: %w", a.ID, err)
	}
	return nil
}

func (s *Store) ClearAttention(ctx context.Context, connID, id string) error {
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(connPK(connID), attentionSK(id))}); err != nil {
		return fmt.Errorf("clear attention %s: %w", id, err)
	}
	return nil
}

func (s *Store) Attention(ctx context.Context, connID string) ([]relay.Attention, error) {
	items, err := s.query(ctx, connID, "ATTN#")
	if err != nil {
		return nil, fmt.Errorf("list attention of %s: %w", connID, err)
	}
	out := make([]relay.Attention, 0, len(items))
	for _, it := range items {
		var a relay.Attention
		if err := json.Unmarshal([]byte(getS(it, "doc")), &a); err != nil {
			return nil, fmt.Errorf("decode attention item: %w", err)
		}
		a.FirstSeen, a.LastSeen, a.Count = getTime(it, "firstSeen"), getTime(it, "lastSeen"), getInt(it, "count")
		out = append(out, a)
	}
	relay.SortAttention(out)
	return out, nil
}

func (s *Store) NoteMissed(ctx context.Context, connID, org string, at time.Time) (relay.Watch, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(connPK(connID), watchSK(org)),
		UpdateExpression:          aws.String("SET firstMissed = if_not_exists(firstMissed, :at), lastMissed = :at ADD missed :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":at": nanos(at), ":one": num(1)},
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return relay.Watch{}, fmt.Errorf("note missed change of %s on %s: %w", org, connID, err)
	}
	return decodeWatch(out.Attributes), nil
}

func decodeWatch(item map[string]types.AttributeValue) relay.Watch {
	return relay.Watch{First: getTime(item, "firstMissed"), Last: getTime(item, "lastMissed"), Count: getInt(item, "missed")}
}

func (s *Store) Watch(ctx context.Context, connID, org string) (relay.Watch, bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(connPK(connID), watchSK(org))})
	if err != nil {
		return relay.Watch{}, false, fmt.Errorf("webhook watch of %s on %s: %w", org, connID, err)
	}
	if out.Item == nil {
		return relay.Watch{}, false, nil
	}
	return decodeWatch(out.Item), true, nil
}

func (s *Store) DeleteWatch(ctx context.Context, connID, org string) error {
	if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(s.table), Key: key(connPK(connID), watchSK(org))}); err != nil {
		return fmt.Errorf("delete webhook watch of %s on %s: %w", org, connID, err)
	}
	return nil
}
