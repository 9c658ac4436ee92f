package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/sweep"
)

var _ sweep.Marks = (*Store)(nil)

// activePK holds a copy of every active connection, written and removed in
// the same transaction as the connection's status, so the sweep's schedule
// lists them with a query instead of a scan.
const activePK = "ACTIVE"

func sweepSK(org string) string { return "SWEEP#" + org }

// activeIndex is the transaction item that keeps c's copy under activePK in
// step with its status.
func (s *Store) activeIndex(c connection.Connection) (*types.TransactWriteItem, error) {
	switch c.Status {
	case connection.Active:
		m, err := attributevalue.MarshalMap(toItem(c, activePK, "CONN#"+c.ID))
		if err != nil {
			return nil, err
		}
		return &types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: m}}, nil
	case connection.Ended:
		return &types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(activePK, "CONN#"+c.ID)}}, nil
	}
	return nil, nil
}

// armInitialSync is the transaction item that owes the source side of a
// connection being activated its automatic initial sync (sweep.Mark
// Activation): written with the activation, so no sweep can run between
// the two, and costing accept no request of its own — nor a call to any
// platform, so a partner that is down cannot fail it.
func (s *Store) armInitialSync(c connection.Connection) (types.TransactWriteItem, error) {
	at := fromMS(ms(c.AcceptedAt)) // as the connection keeps it
	doc, err := json.Marshal(sweep.Mark{Activation: &at})
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encode sweep mark: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
		"pk": str(connPK(c.ID)), "sk": str(sweepSK(c.OrgOf(connection.Source))), "doc": str(string(doc)),
	}}}, nil
}

// ActiveConnections lists every active connection.
func (s *Store) ActiveConnections(ctx context.Context) ([]connection.Connection, error) {
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(activePK)},
	})
	var out []connection.Connection
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list active connections: %w", err)
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

// Mark reads one connection side's sweep state.
func (s *Store) Mark(ctx context.Context, connID, org string) (sweep.Mark, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: key(connPK(connID), sweepSK(org)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return sweep.Mark{}, fmt.Errorf("get sweep mark of %s on %s: %w", org, connID, err)
	}
	var m sweep.Mark
	if out.Item == nil {
		return m, nil
	}
	if err := json.Unmarshal([]byte(getS(out.Item, "doc")), &m); err != nil {
		return sweep.Mark{}, fmt.Errorf("decode sweep mark of %s on %s: %w", org, connID, err)
	}
	return m, nil
}

// PutMark stores one connection side's sweep state. One sweep runs per side
// at a time (its messages share a FIFO group), so the last write wins.
func (s *Store) PutMark(ctx context.Context, connID, org string, m sweep.Mark) error {
	doc, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode sweep mark: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
		"pk": str(connPK(connID)), "sk": str(sweepSK(org)), "doc": str(string(doc)),
	}})
	if err != nil {
		return fmt.Errorf("put sweep mark of %s on %s: %w", org, connID, err)
	}
	return nil
}

// BackfillActiveIndex writes the active-connection index entry of every
// active connection that lacks one — connections activated before the
// index existed, which the sweep's schedule would otherwise never see —
// and returns how many it wrote. It is safe to run at any time and any
// number of times: each entry is written in a transaction that requires
// the connection to be still active and the entry to be missing, so a
// connection ended meanwhile is left out and an existing entry is left
// alone. It scans the whole table, so it is an operator's one-off (tandem
// backfill-active), not part of any request.
func (s *Store) BackfillActiveIndex(ctx context.Context) (int, error) {
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String("sk = :meta AND #status = :active"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":meta": str("CONN"), ":active": str(string(connection.Active))},
	})
	added := 0
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return added, fmt.Errorf("scan for active connections: %w", err)
		}
		for _, raw := range page.Items {
			var it connItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return added, fmt.Errorf("decode connection: %w", err)
			}
			ok, err := s.indexActive(ctx, it.connection())
			if err != nil {
				return added, err
			}
			if ok {
				added++
			}
		}
	}
	return added, nil
}

// indexActive writes c's index entry if c is still active and the entry is
// missing; false when either condition stopped it.
func (s *Store) indexActive(ctx context.Context, c connection.Connection) (bool, error) {
	entry, err := attributevalue.MarshalMap(toItem(c, activePK, "CONN#"+c.ID))
	if err != nil {
		return false, fmt.Errorf("encode index entry of %s: %w", c.ID, err)
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{
			TableName: aws.String(s.table), Key: key(connPK(c.ID), "CONN"),
			ConditionExpression:       aws.String("#status = :active"),
			ExpressionAttributeNames:  map[string]string{"#status": "status"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":active": str(string(connection.Active))},
		}},
		{Put: &types.Put{TableName: aws.String(s.table), Item: entry, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("index active connection %s: %w", c.ID, err)
	}
	return true, nil
}
