package dynamostore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// rawStore is a store on its own moto table, with the client that reaches
// the table directly.
func rawStore(t *testing.T) (*dynamostore.Store, *dynamodb.Client, string) {
	t.Helper()
	db := dynamodb.NewFromConfig(mototest.Shared(t).Config(t))
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	table := "tandem-test-" + hex.EncodeToString(b)
	s := dynamostore.New(db, table)
	if err := s.CreateTable(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, db, table
}

func rawLink(t *testing.T, db *dynamodb.Client, table, connID, key string) map[string]types.AttributeValue {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "CONN#" + connID}, "sk": &types.AttributeValueMemberS{Value: "LINK#" + key}}})
	if err != nil || out.Item == nil {
		t.Fatalf("raw link %s: %v", key, err)
	}
	return out.Item
}

// itemBytes is DynamoDB's size of an item of strings, numbers and
// binaries: attribute names plus values (a number about a byte per two
// digits, plus one).
func itemBytes(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name)
		switch v := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(v.Value)
		case *types.AttributeValueMemberB:
			n += len(v.Value)
		case *types.AttributeValueMemberN:
			n += (len(v.Value)+1)/2 + 1
		}
	}
	return n
}

// A link written the old way — one JSON document and one version, index
// items included — is still found by either ticket; its first write,
// whole or of one side, converts it, conditional on the version read.
func TestLinksWrittenBeforeSideVersionsAreReadAndConverted(t *testing.T) {
	ctx := context.Background()
	for _, write := range []string{"whole", "side"} {
		t.Run(write, func(t *testing.T) {
			s, db, table := rawStore(t)
			old := relay.Link{ConnectionID: "conn-1", Key: "acme#T1", Version: 4,
				Source:  relay.Side{Org: "acme", Platform: platform.Autotask, TicketID: "T1", Seq: 3, Snapshot: relay.Snapshot{Status: "1", Notes: []string{"n1"}}},
				Target:  relay.Side{Org: "msp", Platform: platform.Halo, TicketID: "H9", Seq: 2},
				Indexed: []string{"msp#H9"}}
			doc, _ := json.Marshal(old)
			str := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
			for _, item := range []map[string]types.AttributeValue{
				{"pk": str("CONN#conn-1"), "sk": str("LINK#acme#T1"), "doc": str(string(doc)), "version": &types.AttributeValueMemberN{Value: "4"}},
				{"pk": str("CONN#conn-1"), "sk": str("TICKET#msp#H9"), "linkKey": str("acme#T1")},
			} {
				if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
					t.Fatal(err)
				}
			}
			got, err := s.LinkByTicket(ctx, "conn-1", "msp", "H9")
			if err != nil || got.Version != 4 || got.Source.Snapshot.Status != "1" || got.Target.Seq != 2 || !slices.Equal(got.Indexed, []string{"msp#H9"}) {
				t.Fatalf("old link: %+v %v", got, err)
			}
			// A writer that read it before the conversion conflicts after.
			stale := got
			got.Target.Seq = 3
			if write == "whole" {
				_, err = s.PutLink(ctx, got)
			} else {
				_, err = s.PutSide(ctx, got, "msp")
			}
			if err != nil {
				t.Fatalf("first write: %v", err)
			}
			raw := rawLink(t, db, table, "conn-1", "acme#T1")
			if _, ok := raw["doc"]; ok {
				t.Fatalf("converted item keeps its old document: %v", raw)
			}
			if _, err := s.PutSide(ctx, stale, "acme"); !errors.Is(err, relay.ErrConflict) {
				t.Fatalf("a write from before the conversion: %v", err)
			}
			now, err := s.LinkByTicket(ctx, "conn-1", "msp", "H9")
			if err != nil || now.Target.Seq != 3 || now.Source.Snapshot.Status != "1" || now.Source.Version == 0 || now.Target.Version == 0 {
				t.Fatalf("after the conversion: %+v %v", now, err)
			}
			now.Source.Seq = 9
			if _, err := s.PutSide(ctx, now, "acme"); err != nil {
				t.Fatalf("a side write of the converted link: %v", err)
			}
		})
	}
}

// A side with a long history is stored deflated in a Binary attribute, in
// fewer write units, and reads back the same; a short one stays JSON.
func TestLargeSidesAreStoredDeflated(t *testing.T) {
	ctx := context.Background()
	s, db, table := rawStore(t)
	l := relay.Link{ConnectionID: "conn-1", Key: "acme#T1",
		Source: relay.Side{Org: "acme", Platform: platform.Autotask, TicketID: "T1", Seq: 1, Snapshot: relay.Snapshot{Summary: "Printer"}},
		Target: relay.Side{Org: "msp", Platform: platform.Halo, TicketID: "H9", Seq: 1}}
	for i := range 150 {
		l.Source.Snapshot.Notes = append(l.Source.Snapshot.Notes, fmt.Sprint(29_000_000+i*7))
		l.Target.Snapshot.Notes = append(l.Target.Snapshot.Notes, fmt.Sprint(4_100+i*3))
	}
	stored, err := s.PutLink(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	raw := rawLink(t, db, table, "conn-1", "acme#T1")
	for _, a := range []string{"s", "t"} {
		if _, ok := raw[a].(*types.AttributeValueMemberB); !ok {
			t.Errorf("side %q stored as %T, want deflated (B)", a, raw[a])
		}
	}
	plain, _ := json.Marshal(l)
	size := itemBytes(raw)
	t.Logf("link of 2 × 150 notes: %d bytes as one JSON document, %d bytes stored", len(plain), size)
	if units, plainUnits := (size+1023)/1024, (len(plain)+1023)/1024; units >= plainUnits {
		t.Errorf("stored item %d bytes (%d WRU), the JSON alone %d bytes (%d WRU)", size, units, len(plain), plainUnits)
	}
	got, err := s.LinkByKey(ctx, "conn-1", "acme#T1")
	if err != nil || !slices.Equal(got.Source.Snapshot.Notes, l.Source.Snapshot.Notes) || !slices.Equal(got.Target.Snapshot.Notes, l.Target.Snapshot.Notes) ||
		got.Version != stored.Version || got.Source.Snapshot.Summary != "Printer" || got.Key != l.Key || got.ConnectionID != l.ConnectionID {
		t.Fatalf("read back: %+v %v", got, err)
	}
	// A short side stays readable JSON.
	got.Target.Snapshot.Notes = nil
	if _, err := s.PutSide(ctx, got, "msp"); err != nil {
		t.Fatal(err)
	}
	if _, ok := rawLink(t, db, table, "conn-1", "acme#T1")["t"].(*types.AttributeValueMemberS); !ok {
		t.Error("a short side was deflated")
	}
}
