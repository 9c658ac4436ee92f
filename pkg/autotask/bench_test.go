package autotask

import (
	"net/http"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

// BenchmarkParseAndVerifyWebhook is the webhook function's per-delivery
// work: verify the signature of one realistic ticket update, then parse it.
func BenchmarkParseAndVerifyWebhook(b *testing.B) {
	const secret = "whsec-0123456789"
	req := platform.WebhookRequest{
		Header: http.Header{"X-Hook-Signature": {signFor(secret, sampleDelivery)}},
		Body:   []byte(sampleDelivery),
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(req.Body)))
	for b.Loop() {
		if err := VerifyWebhook(req, secret); err != nil {
			b.Fatal(err)
		}
		if _, err := ParseWebhook(req.Body); err != nil {
			b.Fatal(err)
		}
	}
}
