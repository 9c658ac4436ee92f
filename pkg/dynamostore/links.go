package dynamostore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
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

// LinkByTicket reads, in one consistent BatchGetItem, the link keyed by the
// ticket (a source ticket's link has its key) and the ticket's index item.
// The index item, when there is one, names the link: a partner ticket's,
// or a follow-up's that took a side over, needs a second read of the link
// it names. An index item of a source ticket's own link (written before
// links were keyed this way) names that same link.
func (s *Store) LinkByTicket(ctx context.Context, connID, org, ticketID string) (relay.Link, error) {
	items, err := s.batchGet(ctx, s.linkKeysOf(connID, org, ticketID)...)
	if err != nil {
		return relay.Link{}, fmt.Errorf("find link of %s/%s: %w", org, ticketID, err)
	}
	return s.resolveLink(ctx, connID, org, ticketID, items)
}

// maxCachedLinkKeys bounds the link keys one process remembers (about
// 100 bytes each).
const maxCachedLinkKeys = 20_000

// The link key a ticket's index item names never changes: an index item
// is written once, when a link first names the ticket, and neither it nor
// the link is ever deleted. So a process may remember it for as long as it
// likes, and a partner ticket it has seen costs one read, not two.
func linkKeyCache(connID, org, ticketID string) string {
	return connID + "\x00" + org + "\x00" + ticketID
}

// linkKeysOf are the items LinkByTicket reads: the link keyed by the ticket
// and the ticket's index item, or the link the index item is known to name.
func (s *Store) linkKeysOf(connID, org, ticketID string) []map[string]types.AttributeValue {
	if k, ok := s.linkKeys.Get(linkKeyCache(connID, org, ticketID)); ok {
		return []map[string]types.AttributeValue{key(connPK(connID), linkSK(k))}
	}
	return []map[string]types.AttributeValue{key(connPK(connID), linkSK(org+"#"+ticketID)), key(connPK(connID), ticketSK(org, ticketID))}
}

// resolveLink finds the link of org's ticket among the items read with
// linkKeysOf (and any others), reading the link an index item names when
// it is not among them.
func (s *Store) resolveLink(ctx context.Context, connID, org, ticketID string, items []map[string]types.AttributeValue) (relay.Link, error) {
	own := org + "#" + ticketID
	want := own
	if k, ok := s.linkKeys.Get(linkKeyCache(connID, org, ticketID)); ok {
		want = k
	}
	pk := connPK(connID)
	var link, idx map[string]types.AttributeValue
	for _, it := range items {
		if getS(it, "pk") != pk {
			continue
		}
		switch getS(it, "sk") {
		case linkSK(want):
			link = it
		case ticketSK(org, ticketID):
			idx = it
		}
	}
	switch {
	case idx != nil && getS(idx, "linkKey") != own:
		s.linkKeys.Put(linkKeyCache(connID, org, ticketID), getS(idx, "linkKey"))
		if link == nil || want != getS(idx, "linkKey") {
			return s.LinkByKey(ctx, connID, getS(idx, "linkKey"))
		}
	case link == nil:
		return relay.Link{}, relay.ErrNoLink
	}
	return decodeLink(link)
}

// LinkByKey reads the link with the key a command carries.
func (s *Store) LinkByKey(ctx context.Context, connID, linkKey string) (relay.Link, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), linkSK(linkKey)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return relay.Link{}, fmt.Errorf("get link %s: %w", linkKey, err)
	}
	if out.Item == nil {
		return relay.Link{}, relay.ErrNoLink
	}
	return decodeLink(out.Item)
}

// batchGet reads keys in one consistent BatchGetItem (retrying what comes
// back unprocessed) and returns the items found.
func (s *Store) batchGet(ctx context.Context, keys ...map[string]types.AttributeValue) ([]map[string]types.AttributeValue, error) {
	var found []map[string]types.AttributeValue
	pending := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 5 {
			return nil, errors.New("keys left unprocessed")
		}
		out, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, err
		}
		found = append(found, out.Responses[s.table]...)
		pending = out.UnprocessedKeys
	}
	return found, nil
}

var _ relay.LinkLedger = (*Store)(nil)

// DoneWithLink reads the command's ledger item and the link it writes to,
// by the link's key, in one consistent BatchGetItem.
func (s *Store) DoneWithLink(ctx context.Context, id, connID, linkKey string) (bool, relay.Link, error, error) {
	items, err := s.batchGet(ctx, key("CMD#"+id, "CMD"), key(connPK(connID), linkSK(linkKey)))
	if err != nil {
		return false, relay.Link{}, nil, fmt.Errorf("read command ledger %s and its link: %w", id, err)
	}
	var link map[string]types.AttributeValue
	for _, item := range items {
		if getS(item, "pk") == "CMD#"+id {
			return true, relay.Link{}, nil, nil
		}
		link = item
	}
	if link == nil {
		return false, relay.Link{}, relay.ErrNoLink, nil
	}
	l, err := decodeLink(link)
	return false, l, err, nil
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
