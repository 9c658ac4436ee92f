package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/relay"
)

var _ connection.Store = (*Store)(nil)

type connItem struct {
	PK            string `dynamodbav:"pk"`
	SK            string `dynamodbav:"sk"`
	ID            string `dynamodbav:"id"`
	ContractName  string `dynamodbav:"contractName"`
	Status        string `dynamodbav:"status"`
	CreatorOrg    string `dynamodbav:"creatorOrg"`
	CreatorName   string `dynamodbav:"creatorName"`
	CreatorRole   string `dynamodbav:"creatorRole"`
	AcceptorOrg   string `dynamodbav:"acceptorOrg,omitempty"`
	AcceptorName  string `dynamodbav:"acceptorName,omitempty"`
	CreatedAt     int64  `dynamodbav:"createdAt"`
	AcceptedAt    int64  `dynamodbav:"acceptedAt,omitempty"`
	EndedAt       int64  `dynamodbav:"endedAt,omitempty"`
	EndedBy       string `dynamodbav:"endedBy,omitempty"`
	CodeHash      string `dynamodbav:"codeHash,omitempty"`
	CodeExpiresAt int64  `dynamodbav:"codeExpiresAt"`
}

type codeItem struct {
	PK           string `dynamodbav:"pk"`
	SK           string `dynamodbav:"sk"`
	ConnectionID string `dynamodbav:"connectionId"`
	ExpiresAt    int64  `dynamodbav:"expiresAt"`
	TTL          int64  `dynamodbav:"ttl"`
}

func connPK(id string) string   { return "CONN#" + id }
func orgPK(org string) string   { return "ORG#" + org }
func codePK(hash string) string { return "CODE#" + hash }

// Times are kept as Unix milliseconds so conditions can compare them.
func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func toItem(c connection.Connection, pk, sk string) connItem {
	return connItem{
		PK: pk, SK: sk, ID: c.ID, ContractName: c.ContractName, Status: string(c.Status),
		CreatorOrg: c.CreatorOrg, CreatorName: c.CreatorName, CreatorRole: string(c.CreatorRole),
		AcceptorOrg: c.AcceptorOrg, AcceptorName: c.AcceptorName,
		CreatedAt: ms(c.CreatedAt), AcceptedAt: ms(c.AcceptedAt), EndedAt: ms(c.EndedAt), EndedBy: c.EndedBy,
		CodeHash: c.CodeHash, CodeExpiresAt: ms(c.CodeExpiresAt),
	}
}

func (it connItem) connection() connection.Connection {
	return connection.Connection{
		ID: it.ID, ContractName: it.ContractName, Status: connection.Status(it.Status),
		CreatorOrg: it.CreatorOrg, CreatorName: it.CreatorName, CreatorRole: connection.Role(it.CreatorRole),
		AcceptorOrg: it.AcceptorOrg, AcceptorName: it.AcceptorName,
		CreatedAt: fromMS(it.CreatedAt), AcceptedAt: fromMS(it.AcceptedAt), EndedAt: fromMS(it.EndedAt), EndedBy: it.EndedBy,
		CodeHash: it.CodeHash, CodeExpiresAt: fromMS(it.CodeExpiresAt),
	}
}

// puts returns the meta item and one membership copy per known side.
func (s *Store) puts(c connection.Connection, metaCond *string, values map[string]types.AttributeValue) ([]types.TransactWriteItem, error) {
	meta, err := attributevalue.MarshalMap(toItem(c, connPK(c.ID), "CONN"))
	if err != nil {
		return nil, err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: meta,
		ConditionExpression: metaCond, ExpressionAttributeNames: namesFor(metaCond), ExpressionAttributeValues: values,
	}}}
	for _, org := range []string{c.CreatorOrg, c.AcceptorOrg} {
		if org == "" {
			continue
		}
		m, err := attributevalue.MarshalMap(toItem(c, orgPK(org), "CONN#"+c.ID))
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m}})
	}
	idx, err := s.activeIndex(c)
	if err != nil {
		return nil, err
	}
	if idx != nil {
		items = append(items, *idx)
	}
	for _, org := range []string{c.CreatorOrg, c.AcceptorOrg} {
		if org != "" {
			// Warm sync functions keep the org's connection list while
			// this stamp stays where it was (StampsAndLinks).
			items = append(items, bump(s.table, orgPK(org)))
		}
	}
	return items, nil
}

const stampSK = "STAMP"

// bump adds one to the stamp item of pk (created at 1).
func bump(table, pk string) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(table), Key: key(pk, stampSK),
		UpdateExpression:          aws.String("ADD v :one"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1)},
	}}
}

// maxBatchKeys is BatchGetItem's limit.
const maxBatchKeys = 100

// StampsAndLinks reads the stamp of org's connection list and of each
// connection's configurations, and, when ticketID is set, the link of org's
// ticket on each of connIDs (as LinkByTicket answers), in one
// BatchGetItem: an event's one read before its platform calls. An absent
// stamp reads 0. Every write that changes what the stamps cover moves them
// in its own transaction (puts, PutConfig), so equal stamps mean an
// unchanged list or configuration. A link
// whose ticket's index item names another link's key (a partner ticket's)
// costs a second read. Connections beyond what one request holds are left
// out of links, for the caller to read as usual.
func (s *Store) StampsAndLinks(ctx context.Context, org string, connIDs []string, ticketID string) (int64, map[string]int64, map[string]relay.LinkRead, error) {
	keys := []map[string]types.AttributeValue{key(orgPK(org), stampSK)}
	for _, id := range connIDs {
		keys = append(keys, key(connPK(id), stampSK))
	}
	var linked []string
	for _, id := range connIDs {
		if ticketID == "" || len(keys)+2 > maxBatchKeys {
			break
		}
		keys = append(keys, s.linkKeysOf(id, org, ticketID)...)
		linked = append(linked, id)
	}
	items, err := s.batchGet(ctx, keys...)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("read stamps of %s: %w", org, err)
	}
	got := map[string]int64{}
	for _, item := range items {
		if getS(item, "sk") != stampSK {
			continue
		}
		if v, _ := item["v"].(*types.AttributeValueMemberN); v != nil {
			n, _ := strconv.ParseInt(v.Value, 10, 64)
			got[getS(item, "pk")] = n
		}
	}
	conns := make(map[string]int64, len(connIDs))
	for _, id := range connIDs {
		conns[id] = got[connPK(id)]
	}
	links := make(map[string]relay.LinkRead, len(linked))
	for _, id := range linked {
		l, err := s.resolveLink(ctx, id, org, ticketID, items)
		if err != nil && !errors.Is(err, relay.ErrNoLink) {
			return 0, nil, nil, fmt.Errorf("find link of %s/%s: %w", org, ticketID, err)
		}
		links[id] = relay.LinkRead{Link: l, Err: err}
	}
	return got[orgPK(org)], conns, links, nil
}

func namesFor(cond *string) map[string]string {
	if cond == nil || !strings.Contains(*cond, "#st") {
		return nil
	}
	return map[string]string{"#st": "status"}
}

func (s *Store) codePut(c connection.Connection) (types.TransactWriteItem, error) {
	item, err := attributevalue.MarshalMap(codeItem{
		PK: codePK(c.CodeHash), SK: "CODE", ConnectionID: c.ID,
		ExpiresAt: ms(c.CodeExpiresAt), TTL: c.CodeExpiresAt.Unix(),
	})
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	}}, nil
}

func (s *Store) codeDelete(hash, connID string) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(s.table), Key: key(codePK(hash), "CODE"),
		ConditionExpression:       aws.String("connectionId = :cid"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":cid": &types.AttributeValueMemberS{Value: connID}},
	}}
}

func (s *Store) transact(ctx context.Context, op string, items []types.TransactWriteItem) error {
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	if conditionFailed(err) {
		return fmt.Errorf("%s: %w", op, connection.ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

func (s *Store) CreatePending(ctx context.Context, c connection.Connection) error {
	items, err := s.puts(c, aws.String("attribute_not_exists(pk)"), nil)
	if err != nil {
		return err
	}
	code, err := s.codePut(c)
	if err != nil {
		return err
	}
	return s.transact(ctx, "create pending connection", append(items, code))
}

func (s *Store) ByCodeHash(ctx context.Context, hash string) (connection.Connection, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(codePK(hash), "CODE"), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return connection.Connection{}, fmt.Errorf("get code: %w", err)
	}
	if out.Item == nil {
		return connection.Connection{}, connection.ErrNotFound
	}
	var ci codeItem
	if err := attributevalue.UnmarshalMap(out.Item, &ci); err != nil {
		return connection.Connection{}, fmt.Errorf("decode code: %w", err)
	}
	return s.Get(ctx, ci.ConnectionID)
}

func (s *Store) Get(ctx context.Context, id string) (connection.Connection, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(id), "CONN"), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return connection.Connection{}, fmt.Errorf("get connection %s: %w", id, err)
	}
	if out.Item == nil {
		return connection.Connection{}, connection.ErrNotFound
	}
	var it connItem
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return connection.Connection{}, fmt.Errorf("decode connection %s: %w", id, err)
	}
	return it.connection(), nil
}

func (s *Store) ListForOrg(ctx context.Context, org string) ([]connection.Connection, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:              aws.String(s.table),
		KeyConditionExpression: aws.String("pk = :pk AND begins_with(sk, :prefix)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk":     &types.AttributeValueMemberS{Value: orgPK(org)},
			":prefix": &types.AttributeValueMemberS{Value: "CONN#"},
		},
		ConsistentRead: aws.Bool(true),
	})
	var out []connection.Connection
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list connections of %s: %w", org, err)
		}
		for _, raw := range page.Items {
			var it connItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, fmt.Errorf("decode connection: %w", err)
			}
			out = append(out, it.connection())
		}
	}
	return out, nil
}

func (s *Store) Activate(ctx context.Context, next connection.Connection, hash string) error {
	items, err := s.puts(next,
		aws.String("#st = :pending AND codeHash = :hash AND codeExpiresAt > :now"),
		map[string]types.AttributeValue{
			":pending": &types.AttributeValueMemberS{Value: string(connection.Pending)},
			":hash":    &types.AttributeValueMemberS{Value: hash},
			":now":     &types.AttributeValueMemberN{Value: strconv.FormatInt(ms(next.AcceptedAt), 10)},
		})
	if err != nil {
		return err
	}
	arm, err := s.armInitialSync(next)
	if err != nil {
		return err
	}
	return s.transact(ctx, "activate connection "+next.ID, append(items, s.codeDelete(hash, next.ID), arm))
}

func (s *Store) ReplaceCode(ctx context.Context, next connection.Connection, oldHash string) error {
	items, err := s.puts(next, aws.String("#st = :pending AND codeHash = :hash"),
		map[string]types.AttributeValue{
			":pending": &types.AttributeValueMemberS{Value: string(connection.Pending)},
			":hash":    &types.AttributeValueMemberS{Value: oldHash},
		})
	if err != nil {
		return err
	}
	code, err := s.codePut(next)
	if err != nil {
		return err
	}
	return s.transact(ctx, "replace code of "+next.ID, append(items, s.codeDelete(oldHash, next.ID), code))
}

func (s *Store) End(ctx context.Context, next connection.Connection, prev connection.Status) error {
	cur, err := s.Get(ctx, next.ID)
	if err != nil {
		return err
	}
	if cur.Status != prev {
		return fmt.Errorf("end connection %s: %w", next.ID, connection.ErrConflict)
	}
	// Conditioning on the code hash too means a code replaced since the read
	// cannot survive the end.
	cond := "#st = :prev AND attribute_not_exists(codeHash)"
	values := map[string]types.AttributeValue{":prev": &types.AttributeValueMemberS{Value: string(prev)}}
	if cur.CodeHash != "" {
		cond = "#st = :prev AND codeHash = :hash"
		values[":hash"] = &types.AttributeValueMemberS{Value: cur.CodeHash}
	}
	items, err := s.puts(next, aws.String(cond), values)
	if err != nil {
		return err
	}
	if cur.CodeHash != "" {
		items = append(items, s.codeDelete(cur.CodeHash, next.ID))
	}
	return s.transact(ctx, "end connection "+next.ID, items)
}

func failSK(window time.Time) string { return "FAIL#" + window.UTC().Format(time.RFC3339) }

func (s *Store) AddAcceptAttempts(ctx context.Context, org string, window, expires time.Time, delta int) (int, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      key(orgPK(org), failSK(window)),
		UpdateExpression:         aws.String("ADD n :delta SET #ttl = :ttl"),
		ExpressionAttributeNames: map[string]string{"#ttl": "ttl"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":delta": &types.AttributeValueMemberN{Value: strconv.Itoa(delta)},
			":ttl":   &types.AttributeValueMemberN{Value: strconv.FormatInt(expires.Unix(), 10)},
		},
		ReturnValues: types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("count accept attempt: %w", err)
	}
	var v struct {
		N int `dynamodbav:"n"`
	}
	if err := attributevalue.UnmarshalMap(out.Attributes, &v); err != nil {
		return 0, fmt.Errorf("decode accept attempt count: %w", err)
	}
	return v.N, nil
}
