package halo_test

import (
	"net/http"
	"os"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/platform"
)

func BenchmarkParseAndVerifyWebhook(b *testing.B) {
	body, err := os.ReadFile("testdata/action-added.json")
	if err != nil {
		b.Fatal(err)
	}
	req := platform.WebhookRequest{
		Header: http.Header{"Authorization": {basic(halo.WebhookUsername, "endpoint-secret-0f9e")}, "Content-Type": {"application/json"}},
		Body:   body,
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := halo.VerifyWebhook(req, "endpoint-secret-0f9e"); err != nil {
			b.Fatal(err)
		}
		if _, err := halo.ParseWebhook(req.Body); err != nil {
			b.Fatal(err)
		}
	}
}
