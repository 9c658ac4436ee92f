package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/relay"
)

var _ relay.Store = (*Store)(nil)

// logRetention keeps sync log entries long enough to investigate a month's
// complaints; older ones expire through TTL.
const logRetention = 90 * 24 * time.Hour

func linkSK(key string) string             { return "LINK#" + key }
func ticketSK(org, ticketID string) string { return "TICKET#" + org + "#" + ticketID }
func str(v string) types.AttributeValue    { return &types.AttributeValueMemberS{Value: v} }
func num(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func getS(item map[string]types.AttributeValue, k string) string {
	if v, ok := item[k].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (s *Store) LinkByTicket(ctx context.Context, connID, org, ticketID string) (relay.Link, error) {
	idx, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), ticketSK(org, ticketID)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return relay.Link{}, fmt.Errorf("find link of %s/%s: %w", org, ticketID, err)
	}
	if idx.Item == nil {
		return relay.Link{}, relay.ErrNoLink
	}
	if doc := getS(idx.Item, "doc"); doc != "" {
		// The index item carries the link (PutLink writes both in one
		// transaction): one read instead of two.
		var l relay.Link
		if err := json.Unmarshal([]byte(doc), &l); err != nil {
			return relay.Link{}, fmt.Errorf("decode link of %s/%s: %w", org, ticketID, err)
		}
		return l, nil
	}
	// An index item written before it carried the link.
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), linkSK(getS(idx.Item, "linkKey"))), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return relay.Link{}, fmt.Errorf("get link of %s/%s: %w", org, ticketID, err)
	}
	if out.Item == nil {
		return relay.Link{}, relay.ErrNoLink
	}
	var l relay.Link
	if err := json.Unmarshal([]byte(getS(out.Item, "doc")), &l); err != nil {
		return relay.Link{}, fmt.Errorf("decode link of %s/%s: %w", org, ticketID, err)
	}
	return l, nil
}

// PutLink writes the link document and its ticket index items in one
// transaction, conditional on the version the caller read. Each index item
// carries a copy of the document, so LinkByTicket reads one item; the link
// item keeps the version the condition checks.
func (s *Store) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	prev := l.Version
	l.Version++
	doc, err := json.Marshal(l)
	if err != nil {
		return relay.Link{}, fmt.Errorf("encode link %s: %w", l.Key, err)
	}
	put := &types.Put{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk": str(connPK(l.ConnectionID)), "sk": str(linkSK(l.Key)), "doc": str(string(doc)), "version": num(l.Version),
		},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}
	if prev != 0 {
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(prev)}
	}
	items := []types.TransactWriteItem{{Put: put}}
	for _, side := range []relay.Side{l.Source, l.Target} {
		if side.TicketID == "" {
			continue
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				"pk": str(connPK(l.ConnectionID)), "sk": str(ticketSK(side.Org, side.TicketID)), "linkKey": str(l.Key),
				"doc": str(string(doc)),
			},
		}})
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if conditionFailed(err) {
		return relay.Link{}, fmt.Errorf("put link %s: %w", l.Key, relay.ErrConflict)
	}
	if err != nil {
		return relay.Link{}, fmt.Errorf("put link %s: %w", l.Key, err)
	}
	return l, nil
}

var _ relay.LinkLedger = (*Store)(nil)

// DoneWithLink reads the command's ledger item and the link's index item
// (which carries the link) in one consistent BatchGetItem.
func (s *Store) DoneWithLink(ctx context.Context, id, connID, org, ticketID string) (bool, relay.Link, error, error) {
	ledger, index := key("CMD#"+id, "CMD"), key(connPK(connID), ticketSK(org, ticketID))
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: []map[string]types.AttributeValue{ledger, index}, ConsistentRead: aws.Bool(true)}}
	var done bool
	var idx map[string]types.AttributeValue
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 5 {
			return false, relay.Link{}, nil, fmt.Errorf("read command ledger %s: keys left unprocessed", id)
		}
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return false, relay.Link{}, nil, fmt.Errorf("read command ledger %s and its link: %w", id, err)
		}
		for _, item := range out.Responses[s.table] {
			if getS(item, "pk") == "CMD#"+id {
				done = true
			} else {
				idx = item
			}
		}
		pending = out.UnprocessedKeys
	}
	if done {
		return true, relay.Link{}, nil, nil
	}
	if idx == nil {
		return false, relay.Link{}, relay.ErrNoLink, nil
	}
	doc := getS(idx, "doc")
	if doc == "" {
		// An index item written before it carried the link.
		l, err := s.LinkByTicket(ctx, connID, org, ticketID)
		return false, l, err, nil
	}
	var l relay.Link
	if err := json.Unmarshal([]byte(doc), &l); err != nil {
		return false, relay.Link{}, fmt.Errorf("decode link of %s/%s: %w", org, ticketID, err), nil
	}
	return false, l, nil, nil
}

func (s *Store) Done(ctx context.Context, id string) (bool, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key("CMD#"+id, "CMD"), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("read command ledger %s: %w", id, err)
	}
	return out.Item != nil, nil
}

func (s *Store) MarkDone(ctx context.Context, id string, expires time.Time) error {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item:      map[string]types.AttributeValue{"pk": str("CMD#" + id), "sk": str("CMD"), "ttl": num(expires.Unix())},
	})
	if err != nil {
		return fmt.Errorf("write command ledger %s: %w", id, err)
	}
	return nil
}

func (s *Store) AppendLog(ctx context.Context, e relay.LogEntry) error {
	item, err := logItem(e)
	if err != nil {
		return err
	}
	if _, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: item}); err != nil {
		return fmt.Errorf("append sync log: %w", err)
	}
	return nil
}

func logItem(e relay.LogEntry) (map[string]types.AttributeValue, error) {
	doc, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encode log entry: %w", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	// The random suffix keeps two entries of the same instant apart.
	sk := "LOG#" + relay.LogPosition(e.At, hex.EncodeToString(b))
	return map[string]types.AttributeValue{
		"pk": str(connPK(e.ConnectionID)), "sk": str(sk), "doc": str(string(doc)),
		"ttl": num(e.At.Add(logRetention).Unix()),
	}, nil
}

var _ relay.DoneLogger = (*Store)(nil)

// MarkDoneWithLog writes the ledger mark and the log entry in one
// BatchWriteItem: both are unconditional puts, so a batch (one write unit
// per KB each) is cheaper than a transaction (two), and a mark written
// without its entry — a batch is not atomic — costs only that line of the
// log, as two separate puts could before.
func (s *Store) MarkDoneWithLog(ctx context.Context, id string, expires time.Time, e relay.LogEntry) error {
	entry, err := logItem(e)
	if err != nil {
		return err
	}
	pending := map[string][]types.WriteRequest{s.table: {
		{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{"pk": str("CMD#" + id), "sk": str("CMD"), "ttl": num(expires.Unix())}}},
		{PutRequest: &types.PutRequest{Item: entry}},
	}}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 5 {
			return fmt.Errorf("write command ledger %s and its log entry: items left unprocessed", id)
		}
		if attempt > 0 {
			// Unprocessed items mean throttling: back off before the rest.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
		out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return fmt.Errorf("write command ledger %s and its log entry: %w", id, err)
		}
		pending = out.UnprocessedItems
	}
	return nil
}

// QueryLog reads the connection's log newest first within the query's
// period and before its position (the sort key's range), and keeps the
// entries that meet the rest of the query, up to one more than the page.
func (s *Store) QueryLog(ctx context.Context, connID string, q relay.LogQuery) ([]relay.LogEntry, error) {
	lo, hi := relay.PeriodBounds(q)
	// "LOG#~" sorts after every position, whose first byte is a digit.
	if hi == "" {
		hi = "~"
	}
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND sk BETWEEN :lo AND :hi"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(connPK(connID)), ":lo": str("LOG#" + lo), ":hi": str("LOG#" + hi),
		},
		ScanIndexForward: aws.Bool(false),
	})
	want := q.Limit + 1
	var out []relay.LogEntry
	for p.HasMorePages() && len(out) < want {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("read sync log of %s: %w", connID, err)
		}
		for _, item := range page.Items {
			pos := strings.TrimPrefix(getS(item, "sk"), "LOG#")
			// BETWEEN includes its upper bound, which is exclusive here.
			if pos >= hi || len(out) >= want {
				continue
			}
			var e relay.LogEntry
			if err := json.Unmarshal([]byte(getS(item, "doc")), &e); err != nil {
				return nil, fmt.Errorf("decode sync log entry: %w", err)
			}
			e.Position = pos
			if q.Matches(e) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}
