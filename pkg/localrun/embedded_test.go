package localrun_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"reflect"
	"strconv"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	minidyn "github.com/truora/minidyn/server"

	"github.com/tandemsync/tandem/pkg/localrun"
	"github.com/tandemsync/tandem/pkg/mototest"
)

// The embedded store runs TransactWriteItems as single-item operations with
// an undo log instead of minidyn's whole-table copy. Each case runs on it, on
// minidyn's own transactions over a loopback server, and on moto_server, and
// the three must agree on the error, the cancellation reasons (with the
// returned item) and every item afterwards.
func TestEmbeddedTransactionsAgreeWithMinidynAndMoto(t *testing.T) {
	embedded, stop := localrun.EmbeddedDynamoDB()
	t.Cleanup(stop)
	srv := httptest.NewServer(minidyn.NewServer())
	t.Cleanup(srv.Close)
	plain := dynamodb.NewFromConfig(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		BaseEndpoint: aws.String(srv.URL),
	}, func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true })
	moto := dynamodb.NewFromConfig(mototest.Shared(t).Config(t))
	stores := []struct {
		name string
		db   *dynamodb.Client
	}{{"embedded", embedded}, {"minidyn", plain}, {"moto", moto}}

	n := func(v int) types.AttributeValue { return &types.AttributeValueMemberN{Value: strconv.Itoa(v)} }
	k := func(pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "x"}}
	}
	item := func(pk string, v int) map[string]types.AttributeValue {
		it := k(pk)
		it["n"] = n(v)
		return it
	}
	put := func(table, pk string, v int, cond string) types.TransactWriteItem {
		p := &types.Put{TableName: &table, Item: item(pk, v)}
		if cond != "" {
			p.ConditionExpression = &cond
		}
		return types.TransactWriteItem{Put: p}
	}
	incr := func(table, pk string, cond map[string]int, old bool) types.TransactWriteItem {
		u := &types.Update{TableName: &table, Key: k(pk), UpdateExpression: aws.String("ADD n :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n(1)}}
		if want, ok := cond["n"]; ok {
			u.ConditionExpression = aws.String("n = :want")
			u.ExpressionAttributeValues[":want"] = n(want)
		}
		if old {
			u.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
		}
		return types.TransactWriteItem{Update: u}
	}
	del := func(table, pk string) types.TransactWriteItem {
		return types.TransactWriteItem{Delete: &types.Delete{TableName: &table, Key: k(pk)}}
	}
	check := func(table, pk string, want int) types.TransactWriteItem {
		return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: &table, Key: k(pk),
			ConditionExpression: aws.String("n = :want"), ExpressionAttributeValues: map[string]types.AttributeValue{":want": n(want)}}}
	}
	const absent = "attribute_not_exists(pk)"

	cases := []struct {
		name  string
		items func(table string) []types.TransactWriteItem
		// what all three must show
		err     string   // "" (applied), TransactionCanceledException or ValidationException
		reasons []string // cancellation reason codes
		after   map[string]int
	}{
		{"every write applies", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{put(tb, "b", 2, absent), incr(tb, "a", map[string]int{"n": 1}, false), del(tb, "c")}
		}, "", nil, map[string]int{"a": 2, "b": 2, "d": 4}},
		{"the last condition fails: the put, update and delete before it are undone", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{put(tb, "b", 2, ""), incr(tb, "a", nil, false), del(tb, "c"), put(tb, "d", 9, absent)}
		}, "TransactionCanceledException", []string{"None", "None", "None", "ConditionalCheckFailed"}, map[string]int{"a": 1, "c": 3, "d": 4}},
		{"an update that created its item is undone", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{incr(tb, "e", nil, false), put(tb, "d", 9, absent)}
		}, "TransactionCanceledException", []string{"None", "ConditionalCheckFailed"}, map[string]int{"a": 1, "c": 3, "d": 4}},
		{"the first condition fails and returns the old item", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{incr(tb, "a", map[string]int{"n": 5}, true), put(tb, "b", 2, "")}
		}, "TransactionCanceledException", []string{"ConditionalCheckFailed", "None"}, map[string]int{"a": 1, "c": 3, "d": 4}},
		{"a condition check that holds", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{check(tb, "a", 1), put(tb, "b", 2, "")}
		}, "", nil, map[string]int{"a": 1, "b": 2, "c": 3, "d": 4}},
		{"a condition check that fails", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{put(tb, "b", 2, ""), check(tb, "a", 5)}
		}, "TransactionCanceledException", []string{"None", "ConditionalCheckFailed"}, map[string]int{"a": 1, "c": 3, "d": 4}},
		{"two operations on one item", func(tb string) []types.TransactWriteItem {
			return []types.TransactWriteItem{put(tb, "a", 7, ""), incr(tb, "a", nil, false)}
		}, "ValidationException", nil, map[string]int{"a": 1, "c": 3, "d": 4}},
	}
	ctx := context.Background()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, s := range stores {
				table := fmt.Sprintf("embedded-tx-%d", i)
				createTable(t, s.db, table)
				for pk, v := range map[string]int{"a": 1, "c": 3, "d": 4} {
					if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item(pk, v)}); err != nil {
						t.Fatal(err)
					}
				}
				_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: c.items(table)})
				var code string
				var apiErr interface{ ErrorCode() string } // smithy.APIError
				if errors.As(err, &apiErr) {
					code = apiErr.ErrorCode()
				} else if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if code != c.err {
					t.Errorf("%s: error %q (%v), want %q", s.name, code, err, c.err)
				}
				var tce *types.TransactionCanceledException
				var reasons []string
				if errors.As(err, &tce) {
					for j, r := range tce.CancellationReasons {
						reasons = append(reasons, aws.ToString(r.Code))
						if aws.ToString(r.Code) != "ConditionalCheckFailed" {
							continue
						}
						old := c.items(table)[j].Update
						switch {
						case old != nil && old.ReturnValuesOnConditionCheckFailure != "" && !reflect.DeepEqual(r.Item, item("a", 1)):
							t.Errorf("%s: reason's item %v, want the stored item", s.name, r.Item)
						case (old == nil || old.ReturnValuesOnConditionCheckFailure == "") && r.Item != nil:
							t.Errorf("%s: reason's item %v, none asked for", s.name, r.Item)
						}
					}
				}
				if !reflect.DeepEqual(reasons, c.reasons) {
					t.Errorf("%s: reasons %v, want %v", s.name, reasons, c.reasons)
				}
				if got := scanCounts(t, s.db, table); !reflect.DeepEqual(got, c.after) {
					t.Errorf("%s: items after %v, want %v", s.name, got, c.after)
				}
			}
		})
	}
}

// No request sees a transaction half applied: while writers move one unit
// from x to y in transactions, readers fetch both in one BatchGetItem and
// must always find the sum unchanged.
func TestEmbeddedTransactionsAreIsolated(t *testing.T) {
	db, stop := localrun.EmbeddedDynamoDB()
	t.Cleanup(stop)
	const table = "embedded-isolation"
	createTable(t, db, table)
	ctx := context.Background()
	key := func(pk string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: "x"}}
	}
	for _, pk := range []string{"x", "y"} {
		it := key(pk)
		it["n"] = &types.AttributeValueMemberN{Value: "1000"}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	move := func(pk, by string) types.TransactWriteItem {
		return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: key(pk),
			UpdateExpression: aws.String("ADD n :by"), ExpressionAttributeValues: map[string]types.AttributeValue{":by": &types.AttributeValueMemberN{Value: by}}}}
	}
	var writers, readers sync.WaitGroup
	done := make(chan struct{})
	for range 4 {
		writers.Go(func() {
			for range 100 {
				if _, err := db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{move("x", "-1"), move("y", "1")}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				out, err := db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
					table: {Keys: []map[string]types.AttributeValue{key("x"), key("y")}, ConsistentRead: aws.Bool(true)}}})
				if err != nil {
					t.Error(err)
					return
				}
				sum := 0
				for _, it := range out.Responses[table] {
					v, _ := strconv.Atoi(it["n"].(*types.AttributeValueMemberN).Value)
					sum += v
				}
				if sum != 2000 {
					t.Errorf("read a half-applied transaction: x + y = %d", sum)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	if got := scanCounts(t, db, table); got["x"] != 600 || got["y"] != 1400 {
		t.Fatalf("after 400 moves: %v, want x 600 and y 1400", got)
	}
}

func createTable(t *testing.T, db *dynamodb.Client, table string) {
	t.Helper()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: &table, BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// scanCounts is every item of the table as pk → n.
func scanCounts(t *testing.T, db *dynamodb.Client, table string) map[string]int {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: &table, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, it := range out.Items {
		v, _ := strconv.Atoi(it["n"].(*types.AttributeValueMemberN).Value)
		got[it["pk"].(*types.AttributeValueMemberS).Value] = v
	}
	return got
}
