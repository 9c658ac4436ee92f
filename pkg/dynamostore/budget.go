package dynamostore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/budget"
)

var _ budget.Counter = (*Store)(nil)

// callsRetention keeps an hour's count past the 24 hours the usage page
// shows, for a day of slack in TTL deletion and time zones.
const callsRetention = 48 * time.Hour

// callsHourLayout sorts as the hours do, so a range of hours is a range of
// sort keys.
const callsHourLayout = "2006-01-02T15Z"

func callsSK(hour time.Time) string { return "CALLS#" + hour.UTC().Format(callsHourLayout) }

// AddCalls adds n to org's count of hour with one atomic ADD, which creates
// the item on first use.
func (s *Store) AddCalls(ctx context.Context, org string, hour time.Time, n int64) error {
	hour = budget.HourOf(hour)
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(orgPK(org), callsSK(hour)),
		UpdateExpression:          aws.String("ADD calls :n SET #ttl = :ttl"),
		ExpressionAttributeNames:  map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": num(n), ":ttl": num(hour.Add(callsRetention).Unix())},
	})
	if err != nil {
		return fmt.Errorf("add platform calls of %s: %w", org, err)
	}
	return nil
}

// Calls queries org's hours in [from, to): one request for a day's page.
func (s *Store) Calls(ctx context.Context, org string, from, to time.Time) ([]budget.Hour, error) {
	from, to = budget.HourOf(from), budget.HourOf(to)
	if !to.After(from) {
		return nil, nil
	}
	var out []budget.Hour
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :from AND :last"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(orgPK(org)), ":from": str(callsSK(from)), ":last": str(callsSK(to.Add(-time.Hour))),
		},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read platform calls of %s: %w", org, err)
		}
		for _, it := range page.Items {
			sk, _ := it["sk"].(*types.AttributeValueMemberS)
			n, _ := it["calls"].(*types.AttributeValueMemberN)
			if sk == nil || n == nil {
				continue
			}
			hour, err := time.Parse(callsHourLayout, strings.TrimPrefix(sk.Value, "CALLS#"))
			if err != nil {
				return nil, fmt.Errorf("platform calls of %s: bad hour %q: %w", org, sk.Value, err)
			}
			calls, err := strconv.ParseInt(n.Value, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("platform calls of %s at %s: %w", org, sk.Value, err)
			}
			if calls != 0 {
				out = append(out, budget.Hour{Start: hour.UTC(), Calls: calls})
			}
		}
	}
	return out, nil
}
