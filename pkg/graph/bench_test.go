package graph_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/platform"
)

// BenchmarkParseAndVerifyWebhook is the webhook function's per-delivery
// work for one realistic new-mail notification.
func BenchmarkParseAndVerifyWebhook(b *testing.B) {
	req := platform.WebhookRequest{
		Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}},
		Query:  url.Values{},
		Body:   []byte(sampleDelivery),
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := graph.VerifyWebhook(req, "secretClientValue"); err != nil {
			b.Fatal(err)
		}
		evs, err := graph.ParseWebhook(req.Body)
		if err != nil || len(evs) != 1 {
			b.Fatal(err)
		}
	}
}
