package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/webhook"
)

var _ webhook.Store = (*Store)(nil)

// Endpoints are written three times in one transaction: by id for the
// webhook function, under the organisation for listing and removal, and
// under the platform for the renewal schedule of expiring subscriptions.
func (s *Store) PutEndpoint(ctx context.Context, e webhook.Endpoint) error {
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode endpoint: %w", err)
	}
	item := func(pk, sk string) types.TransactWriteItem {
		return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
			"pk": str(pk), "sk": str(sk), "doc": str(string(doc)),
		}}}
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		item("HOOK#"+e.ID, "HOOK"), item(orgPK(e.OrgID), "HOOK#"+e.ID), item(platformHooksPK(e.Platform), "HOOK#"+e.ID),
	}})
	if err != nil {
		return fmt.Errorf("put endpoint %s: %w", e.ID, err)
	}
	return nil
}

// GetEndpoint reads strongly consistently: Graph validates a subscription's
// URL while the installer's POST /subscriptions is in flight, moments after
// the endpoint was written, and an eventually consistent read could miss it.
func (s *Store) GetEndpoint(ctx context.Context, id string) (webhook.Endpoint, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key("HOOK#"+id, "HOOK"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return webhook.Endpoint{}, fmt.Errorf("get endpoint: %w", err)
	}
	if out.Item == nil {
		return webhook.Endpoint{}, webhook.ErrUnknownEndpoint
	}
	var e webhook.Endpoint
	if err := json.Unmarshal([]byte(getS(out.Item, "doc")), &e); err != nil {
		return webhook.Endpoint{}, fmt.Errorf("decode endpoint: %w", err)
	}
	return e, nil
}

func (s *Store) EndpointsOf(ctx context.Context, org string) ([]webhook.Endpoint, error) {
	eps, err := s.endpointsUnder(ctx, orgPK(org))
	if err != nil {
		return nil, fmt.Errorf("list endpoints of %s: %w", org, err)
	}
	return eps, nil
}

func platformHooksPK(k platform.Kind) string { return "HOOKS#" + string(k) }

var _ webhook.ExpiringStore = (*Store)(nil)

// EndpointsOfPlatform lists every organisation's endpoints on one platform.
func (s *Store) EndpointsOfPlatform(ctx context.Context, kind platform.Kind) ([]webhook.Endpoint, error) {
	eps, err := s.endpointsUnder(ctx, platformHooksPK(kind))
	if err != nil {
		return nil, fmt.Errorf("list %s endpoints: %w", kind, err)
	}
	return eps, nil
}

// endpointsUnder reads every page of one partition's endpoint items.
func (s *Store) endpointsUnder(ctx context.Context, pk string) ([]webhook.Endpoint, error) {
	var eps []webhook.Endpoint
	var start map[string]types.AttributeValue
	for {
		out, err := s.db.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(s.table),
			KeyConditionExpression:    aws.String("pk = :pk AND begins_with(sk, :p)"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk), ":p": str("HOOK#")},
			// A reinstall right after an install must see it, to replace it.
			ConsistentRead:    aws.Bool(true),
			ExclusiveStartKey: start,
		})
		if err != nil {
			return nil, err
		}
		for _, it := range out.Items {
			var e webhook.Endpoint
			if err := json.Unmarshal([]byte(getS(it, "doc")), &e); err != nil {
				return nil, fmt.Errorf("decode endpoint: %w", err)
			}
			eps = append(eps, e)
		}
		if len(out.LastEvaluatedKey) == 0 {
			return eps, nil
		}
		start = out.LastEvaluatedKey
	}
}

func (s *Store) DeleteEndpoint(ctx context.Context, e webhook.Endpoint) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key("HOOK#"+e.ID, "HOOK")}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(orgPK(e.OrgID), "HOOK#"+e.ID)}},
		{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(platformHooksPK(e.Platform), "HOOK#"+e.ID)}},
	}})
	if err != nil {
		return fmt.Errorf("delete endpoint %s: %w", e.ID, err)
	}
	return nil
}
