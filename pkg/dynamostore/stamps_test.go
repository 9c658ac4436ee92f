package dynamostore_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tandemsync/tandem/pkg/connection"
	"github.com/tandemsync/tandem/pkg/dynamostore"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// The stamps and a ticket's links come back from one read, each link as
// LinkByTicket answers it: by the source ticket's own key, through a
// partner ticket's index item, or none.
func TestStampsAndLinksReadTogether(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	pending := connection.Connection{ID: "conn-1", Status: connection.Pending, CreatorOrg: "acme", CreatorRole: connection.Source,
		CreatedAt: time.Now(), CodeHash: "h1", CodeExpiresAt: time.Now().Add(time.Hour)}
	if err := s.CreatePending(ctx, pending); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.PutConfig(ctx, "conn-1", "acme", integration.Config{Version: int64(i + 1)}, int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	link := relay.Link{ConnectionID: "conn-1", Key: "acme#T1",
		Source: relay.Side{Org: "acme", Platform: platform.Autotask, TicketID: "T1"},
		Target: relay.Side{Org: "msp", Platform: platform.Halo}}
	stored, err := s.PutLink(ctx, link)
	if err != nil {
		t.Fatal(err)
	}
	stored.Target.TicketID = "H9"
	if stored, err = s.PutLink(ctx, stored); err != nil {
		t.Fatal(err)
	}

	orgStamp, conns, links, err := s.StampsAndLinks(ctx, "acme", []string{"conn-1", "conn-2"}, "T1")
	if err != nil {
		t.Fatal(err)
	}
	if orgStamp == 0 || conns["conn-1"] != 2 || conns["conn-2"] != 0 {
		t.Fatalf("stamps: org %d, connections %v (want the org's moved, conn-1 at 2, conn-2 absent)", orgStamp, conns)
	}
	if l := links["conn-1"]; l.Err != nil || l.Link.Version != stored.Version || l.Link.Target.TicketID != "H9" {
		t.Fatalf("source ticket's link: %+v", l)
	}
	if l, ok := links["conn-2"]; !ok || !errors.Is(l.Err, relay.ErrNoLink) {
		t.Fatalf("no link on conn-2: %+v (read %v)", l, ok)
	}

	_, _, links, err = s.StampsAndLinks(ctx, "msp", []string{"conn-1"}, "H9")
	if l := links["conn-1"]; err != nil || l.Err != nil || l.Link.Key != "acme#T1" || l.Link.Version != stored.Version {
		t.Fatalf("partner ticket's link: %+v %v", l, err)
	}
	if _, _, links, err = s.StampsAndLinks(ctx, "msp", []string{"conn-1"}, ""); err != nil || len(links) != 0 {
		t.Fatalf("without a ticket: links %v, %v", links, err)
	}
}

// countingHTTP counts the requests a Store sends, by operation.
type countingHTTP struct {
	mu  sync.Mutex
	ops []string
}

func (c *countingHTTP) Do(req *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.ops = append(c.ops, strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810."))
	c.mu.Unlock()
	return http.DefaultClient.Do(req)
}

func (c *countingHTTP) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ops := c.ops
	c.ops = nil
	return ops
}

// A partner ticket's link is found through its index item; a process that
// has seen that item (or written it) reads the link alone, in one request.
// The process that wrote the link and one that never saw it agree.
func TestPartnerTicketsLinkKeyIsRemembered(t *testing.T) {
	ctx := context.Background()
	srv := mototest.Shared(t)
	table := "tandem-test-keys-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	stores := make([]*dynamostore.Store, 2)
	counters := make([]*countingHTTP, 2)
	for i := range stores {
		cfg := srv.Config(t)
		counters[i] = &countingHTTP{}
		cfg.HTTPClient = counters[i]
		stores[i] = dynamostore.New(dynamodb.NewFromConfig(cfg), table)
	}
	if err := stores[0].CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	writer, reader := stores[0], stores[1]
	stored, err := writer.PutLink(ctx, relay.Link{ConnectionID: "conn-1", Key: "acme#T1",
		Source: relay.Side{Org: "acme", TicketID: "T1"}, Target: relay.Side{Org: "msp"}})
	if err != nil {
		t.Fatal(err)
	}
	stored.Target.TicketID = "H9"
	if stored, err = writer.PutLink(ctx, stored); err != nil {
		t.Fatal(err)
	}
	counters[0].take()
	for _, tc := range []struct {
		name  string
		store *dynamostore.Store
		c     *countingHTTP
		want  []string
	}{
		{"the writer", writer, counters[0], []string{"BatchGetItem"}},
		{"a process that never saw it", reader, counters[1], []string{"BatchGetItem", "GetItem"}},
		{"that process again", reader, counters[1], []string{"BatchGetItem"}},
	} {
		got, err := tc.store.LinkByTicket(ctx, "conn-1", "msp", "H9")
		if err != nil || got.Key != "acme#T1" || got.Version != stored.Version {
			t.Fatalf("%s: %+v %v", tc.name, got, err)
		}
		if ops := tc.c.take(); !slices.Equal(ops, tc.want) {
			t.Fatalf("%s read with %v, want %v", tc.name, ops, tc.want)
		}
	}
	// Later writes of the link are one PutItem each; the index item is not
	// written again.
	stored.Target.Seq = 5
	if _, err := reader.PutLink(ctx, stored); err != nil {
		t.Fatal(err)
	}
	if ops := counters[1].take(); !slices.Equal(ops, []string{"PutItem"}) {
		t.Fatalf("a write of a link whose tickets are indexed sent %v, want one PutItem", ops)
	}
}
