package graphsim

import (
	"compress/gzip"
	"net/http"
	"strings"
)

// contentDecoding undoes a request body's Content-Encoding before the API
// routes see it. Microsoft's Graph SDKs gzip every request body by default
// (kiota-http-go compression_handler.go; kiota's middleware design,
// CompressionHandler.md) and Graph accepts those bodies. For a coding the
// server does not support, the same design names 415 Unsupported Media Type
// as the answer the SDK falls back from by resending uncompressed, which is
// what RFC 9110 §15.5.16 prescribes too.
func contentDecoding(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
		case "", "identity":
		case "gzip", "x-gzip":
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				writeError(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
				return
			}
			defer zr.Close()
			r.Body = zr
			r.Header.Del("Content-Encoding")
			r.ContentLength = -1
		default:
			writeError(w, http.StatusUnsupportedMediaType, "UnsupportedMediaType", "Content-Encoding '"+enc+"' is not supported.")
			return
		}
		next.ServeHTTP(w, r)
	})
}
