package connectwise

import (
	"testing"
)

func BenchmarkParseAndVerifyWebhook(b *testing.B) {
	const key = "7Gx9pQ2mZk4Lr8Vt"
	req := signedRequest(sampleDelivery(b, nil), key)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := VerifyWebhook(req, key); err != nil {
			b.Fatal(err)
		}
		if _, err := ParseWebhook(req.Body); err != nil {
			b.Fatal(err)
		}
	}
}
