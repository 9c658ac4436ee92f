package connectwise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

func plainHMAC(body []byte, key string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestSignKnownAnswer pins the algorithm to a value computed independently
// (python3: base64(hmac(sha256(key).digest(), body, sha256).digest())).
func TestSignKnownAnswer(t *testing.T) {
	got := base64.StdEncoding.EncodeToString(sign([]byte(`{"ID":1}`), "secret"))
	if got != knownSignature {
		t.Fatalf("sign = %s, want %s", got, knownSignature)
	}
}

const knownSignature = "P4fzi2Mk/ZJ26ddnC2+RyR0XCiyXwhehKIQEAZpEp8k="
