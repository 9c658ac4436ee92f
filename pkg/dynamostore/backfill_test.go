package dynamostore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/mototest"
)

// Connections activated before the active-connection index existed have no
// entry in it; the backfill writes exactly those, only for connections
// still active, and a second run writes nothing.
func TestBackfillActiveIndex(t *testing.T) {
	ctx := context.Background()
	db := dynamodb.NewFromConfig(mototest.Shared(t).Config(t))
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	table := "tandem-test-" + hex.EncodeToString(b)
	s := dynamostore.New(db, table)
	if err := s.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	activate := func(id string) connection.Connection {
		c := connection.Connection{ID: id, ContractName: id, Status: connection.Pending, CreatorOrg: "org-a", CreatorName: "A",
			CreatorRole: connection.Source, CreatedAt: t0, CodeHash: "h-" + id, CodeExpiresAt: t0.Add(connection.CodeLifetime)}
		if err := s.CreatePending(ctx, c); err != nil {
			t.Fatal(err)
		}
		c.Status, c.AcceptorOrg, c.AcceptorName, c.AcceptedAt, c.CodeHash = connection.Active, "org-b", "B", t0.Add(time.Hour), ""
		if err := s.Activate(ctx, c, "h-"+id); err != nil {
			t.Fatal(err)
		}
		return c
	}
	// What an activation before the index looked like: no entry.
	dropEntry := func(id string) {
		if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "ACTIVE"}, "sk": &types.AttributeValueMemberS{Value: "CONN#" + id},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	activate("indexed")
	old := activate("old")
	dropEntry("old")
	ended := activate("ended")
	dropEntry("ended")
	ended.Status, ended.EndedAt, ended.EndedBy = connection.Ended, t0.Add(2*time.Hour), "org-a"
	if err := s.End(ctx, ended, connection.Active); err != nil {
		t.Fatal(err)
	}
	pending := connection.Connection{ID: "pending", Status: connection.Pending, CreatorOrg: "org-a", CreatorRole: connection.Source,
		CreatedAt: t0, CodeHash: "h-pending", CodeExpiresAt: t0.Add(connection.CodeLifetime)}
	if err := s.CreatePending(ctx, pending); err != nil {
		t.Fatal(err)
	}

	ids := func() []string {
		list, err := s.ActiveConnections(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range list {
			out = append(out, c.ID)
		}
		slices.Sort(out)
		return out
	}
	if got := ids(); !slices.Equal(got, []string{"indexed"}) {
		t.Fatalf("before the backfill the sweep sees %v, want only the indexed connection", got)
	}
	for run, want := range []int{1, 0} {
		added, err := s.BackfillActiveIndex(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if added != want {
			t.Fatalf("run %d added %d entries, want %d", run+1, added, want)
		}
		if got := ids(); !slices.Equal(got, []string{"indexed", "old"}) {
			t.Fatalf("after run %d the sweep sees %v, want indexed and old", run+1, got)
		}
	}
	list, err := s.ActiveConnections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.ID == "old" && (c.AcceptorOrg != old.AcceptorOrg || !c.AcceptedAt.Equal(old.AcceptedAt) || c.CreatorRole != connection.Source) {
			t.Fatalf("backfilled entry %+v does not copy the connection %+v", c, old)
		}
	}
}
