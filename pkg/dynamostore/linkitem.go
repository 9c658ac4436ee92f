package dynamostore

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/relay"
)

// A link item holds each side in an attribute of its own, with a version
// of its own, so that a side is written without the other (PutSide):
//
//	pk=CONN#<id> sk=LINK#<key>   the connection and the link's key
//	lv                           the link's version (relay.Link.Version), moved by writes of the whole link
//	s, t                         the source and target side documents (sideDoc), JSON: S, or B when deflated
//	sv, tv                       the sides' versions, moved by every write of that side
//
// Keys, versions and everything a condition reads are plain attributes; a
// side document is deflated when that makes it smaller (DynamoDB's
// developer guide, "Best practices for storing large items and
// attributes", suggests compressing large attribute values into a Binary
// attribute: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-use-s3-too.html).
// A write costs a unit per KB of the larger of the item before and after,
// so a link with a long history of notes costs less to write.
//
// Links written before (one JSON document "doc" and "version") are still
// read; the first write after converts the item, conditional on the
// version it read.

// sideDoc is one side's document: the side and the tickets of its
// organisation the link is indexed under (relay.Link.Indexed).
type sideDoc struct {
	relay.Side
	Indexed []string `json:"indexed,omitempty"`
}

// minDeflate is the smallest document worth deflating: below it, the
// deflated form is seldom smaller, and a write costs a whole unit anyway.
const minDeflate = 256

var (
	deflaters = sync.Pool{New: func() any { w, _ := flate.NewWriter(nil, flate.BestSpeed); return w }}
	inflaters = sync.Pool{New: func() any { return flate.NewReader(nil) }}
)

// encodeSide is the attribute value of one side: its JSON, deflated when
// that is smaller. The side's version is its own attribute.
func encodeSide(side relay.Side, indexed []string) (types.AttributeValue, error) {
	side.Version = 0
	var mine []string
	for _, name := range indexed {
		if strings.HasPrefix(name, side.Org+"#") {
			mine = append(mine, name)
		}
	}
	doc, err := json.Marshal(sideDoc{Side: side, Indexed: mine})
	if err != nil {
		return nil, err
	}
	if len(doc) < minDeflate {
		return str(string(doc)), nil
	}
	var buf bytes.Buffer
	w := deflaters.Get().(*flate.Writer)
	defer deflaters.Put(w)
	w.Reset(&buf)
	if _, err := w.Write(doc); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	if buf.Len() >= len(doc) {
		return str(string(doc)), nil
	}
	return &types.AttributeValueMemberB{Value: buf.Bytes()}, nil
}

// decodeSide reads a side attribute written by encodeSide.
func decodeSide(v types.AttributeValue) (sideDoc, error) {
	var raw []byte
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		raw = []byte(v.Value)
	case *types.AttributeValueMemberB:
		r := inflaters.Get().(io.ReadCloser)
		defer inflaters.Put(r)
		if err := r.(flate.Resetter).Reset(bytes.NewReader(v.Value), nil); err != nil {
			return sideDoc{}, err
		}
		var err error
		if raw, err = io.ReadAll(r); err != nil {
			return sideDoc{}, err
		}
	default:
		return sideDoc{}, fmt.Errorf("side attribute of type %T", v)
	}
	var d sideDoc
	err := json.Unmarshal(raw, &d)
	return d, err
}

func getN(item map[string]types.AttributeValue, k string) int64 {
	if v, ok := item[k].(*types.AttributeValueMemberN); ok {
		n, _ := strconv.ParseInt(v.Value, 10, 64)
		return n
	}
	return 0
}

func decodeLink(item map[string]types.AttributeValue) (relay.Link, error) {
	if _, old := item["doc"]; old {
		var l relay.Link
		if err := json.Unmarshal([]byte(getS(item, "doc")), &l); err != nil {
			return relay.Link{}, fmt.Errorf("decode link %s: %w", getS(item, "sk"), err)
		}
		// Side versions stay 0: the next write converts the item.
		l.Source.Version, l.Target.Version = 0, 0
		return l, nil
	}
	src, err := decodeSide(item["s"])
	if err != nil {
		return relay.Link{}, fmt.Errorf("decode link %s, source side: %w", getS(item, "sk"), err)
	}
	tgt, err := decodeSide(item["t"])
	if err != nil {
		return relay.Link{}, fmt.Errorf("decode link %s, target side: %w", getS(item, "sk"), err)
	}
	l := relay.Link{
		ConnectionID: strings.TrimPrefix(getS(item, "pk"), "CONN#"),
		Key:          strings.TrimPrefix(getS(item, "sk"), "LINK#"),
		Source:       src.Side, Target: tgt.Side,
		Version: getN(item, "lv"),
		Indexed: append(slices.Clone(src.Indexed), tgt.Indexed...),
	}
	l.Source.Version, l.Target.Version = getN(item, "sv"), getN(item, "tv")
	return l, nil
}

// converts reports whether l was read from an item written before sides
// had versions of their own (decodeLink leaves them 0; every item written
// since has both at 1 or more).
func converts(l relay.Link) bool {
	return l.Version > 0 && l.Source.Version == 0 && l.Target.Version == 0
}

// indexing returns l's Indexed with the ticket of each of sides that the
// link is not indexed under yet, and those sides.
func indexing(l relay.Link, sides ...relay.Side) ([]string, []relay.Side) {
	indexed := slices.Clone(l.Indexed)
	var fresh []relay.Side
	for _, side := range sides {
		name := side.Org + "#" + side.TicketID
		if side.TicketID == "" || name == l.Key || slices.Contains(indexed, name) {
			continue
		}
		fresh = append(fresh, side)
		indexed = append(indexed, name)
	}
	return indexed, fresh
}

// PutLink writes the whole link, conditional on the versions the caller
// read: the link's and both sides' (an absent item for version 0; the old
// "version" for an item written before sides had their own). A ticket the
// link is not indexed under yet (a side's ticket id set for the first
// time, or moved to a follow-up) gets its index item — a pointer to the
// link's key, which never changes — in the same transaction; every other
// write is one conditional PutItem. A source ticket needs no index item:
// its link's key is its own. Index items are never rewritten, so the link
// is written once per write, not in a transaction that doubles its units.
func (s *Store) PutLink(ctx context.Context, l relay.Link) (relay.Link, error) {
	prev := l
	var fresh []relay.Side
	l.Indexed, fresh = indexing(l, l.Source, l.Target)
	l.Version++
	l.Source.Version++
	l.Target.Version++
	if converts(prev) {
		l.Source.Version, l.Target.Version = 1, 1
	}
	src, err := encodeSide(l.Source, l.Indexed)
	if err != nil {
		return relay.Link{}, fmt.Errorf("encode link %s: %w", l.Key, err)
	}
	tgt, err := encodeSide(l.Target, l.Indexed)
	if err != nil {
		return relay.Link{}, fmt.Errorf("encode link %s: %w", l.Key, err)
	}
	put := &types.Put{TableName: aws.String(s.table), Item: map[string]types.AttributeValue{
		"pk": str(connPK(l.ConnectionID)), "sk": str(linkSK(l.Key)), "lv": num(l.Version),
		"s": src, "t": tgt, "sv": num(l.Source.Version), "tv": num(l.Target.Version),
	}}
	switch {
	case prev.Version == 0:
		put.ConditionExpression = aws.String("attribute_not_exists(pk)")
	case converts(prev):
		put.ConditionExpression = aws.String("version = :v")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{":v": num(prev.Version)}
	default:
		put.ConditionExpression = aws.String("lv = :v AND sv = :sv AND tv = :tv")
		put.ExpressionAttributeValues = map[string]types.AttributeValue{
			":v": num(prev.Version), ":sv": num(prev.Source.Version), ":tv": num(prev.Target.Version)}
	}
	if len(fresh) == 0 {
		_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: put.TableName, Item: put.Item,
			ConditionExpression: put.ConditionExpression, ExpressionAttributeValues: put.ExpressionAttributeValues})
	} else {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: append([]types.TransactWriteItem{{Put: put}}, s.indexPuts(l, fresh)...)})
	}
	return s.written(l, fresh, err)
}

var _ relay.SideWriter = (*Store)(nil)

// PutSide writes org's side of l alone: one conditional UpdateItem of
// that side's attribute and version, so a write of the other side since
// the caller's read does not make it conflict. A ticket new to the side
// is indexed in the same transaction, as PutLink does. An item written
// before sides had their own versions is converted by a whole write.
func (s *Store) PutSide(ctx context.Context, l relay.Link, org string) (relay.Link, error) {
	if l.Version == 0 || converts(l) {
		return s.PutLink(ctx, l)
	}
	mine, _ := l.SideOf(org)
	var fresh []relay.Side
	l.Indexed, fresh = indexing(l, *mine)
	prev := mine.Version
	mine.Version++
	doc, err := encodeSide(*mine, l.Indexed)
	if err != nil {
		return relay.Link{}, fmt.Errorf("encode link %s: %w", l.Key, err)
	}
	attr, ver := "s", "sv"
	if mine == &l.Target {
		attr, ver = "t", "tv"
	}
	upd := &types.Update{
		TableName:                aws.String(s.table),
		Key:                      key(connPK(l.ConnectionID), linkSK(l.Key)),
		UpdateExpression:         aws.String("SET #d = :d, #v = :n"),
		ConditionExpression:      aws.String("#v = :prev"),
		ExpressionAttributeNames: map[string]string{"#d": attr, "#v": ver},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":d": doc, ":n": num(mine.Version), ":prev": num(prev)},
	}
	if len(fresh) == 0 {
		_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: upd.TableName, Key: upd.Key,
			UpdateExpression: upd.UpdateExpression, ConditionExpression: upd.ConditionExpression,
			ExpressionAttributeNames: upd.ExpressionAttributeNames, ExpressionAttributeValues: upd.ExpressionAttributeValues})
	} else {
		_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
			TransactItems: append([]types.TransactWriteItem{{Update: upd}}, s.indexPuts(l, fresh)...)})
	}
	return s.written(l, fresh, err)
}

// indexPuts are the index items of sides' tickets, each naming l's key.
func (s *Store) indexPuts(l relay.Link, sides []relay.Side) []types.TransactWriteItem {
	var items []types.TransactWriteItem
	for _, side := range sides {
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table),
			Item: map[string]types.AttributeValue{
				"pk": str(connPK(l.ConnectionID)), "sk": str(ticketSK(side.Org, side.TicketID)), "linkKey": str(l.Key),
			},
		}})
	}
	return items
}

// written answers a link write: l as stored, or the conflict or failure
// err says; the process remembers the link key of each ticket it indexed.
func (s *Store) written(l relay.Link, indexed []relay.Side, err error) (relay.Link, error) {
	if conditionFailed(err) {
		return relay.Link{}, fmt.Errorf("put link %s: %w", l.Key, relay.ErrConflict)
	}
	if err != nil {
		return relay.Link{}, fmt.Errorf("put link %s: %w", l.Key, err)
	}
	for _, side := range indexed {
		s.linkKeys.Put(linkKeyCache(l.ConnectionID, side.Org, side.TicketID), l.Key)
	}
	return l, nil
}
