package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
)

// cursorSigner seals a listing's position into an opaque cursor bound to
// the listing it came from (the caller's organisation, the connection or
// "all", the filters): a cursor that was altered, or is replayed on another
// listing or by another organisation, is refused rather than followed.
type cursorSigner struct {
	keys CursorKeys
	mu   sync.Mutex
	key  []byte
}

var errBadCursor = &Error{Status: http.StatusBadRequest, Code: "invalid_cursor",
	Message: "the cursor is not one this listing returned (it was changed, or the filters differ): list again without it"}

func (s *cursorSigner) mac(ctx context.Context, pos string, bound []string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.key == nil {
		k, err := s.keys.CursorKey(ctx)
		if err != nil {
			return nil, fmt.Errorf("cursor key: %w", err)
		}
		s.key = k
	}
	m := hmac.New(sha256.New, s.key)
	// Each field is length-prefixed, so no two listings sign alike.
	for _, f := range append([]string{pos}, bound...) {
		fmt.Fprintf(m, "%d:%s", len(f), f)
	}
	return m.Sum(nil), nil
}

func (s *cursorSigner) seal(ctx context.Context, pos string, bound []string) (string, error) {
	sum, err := s.mac(ctx, pos, bound)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	return enc.EncodeToString([]byte(pos)) + "." + enc.EncodeToString(sum), nil
}

func (s *cursorSigner) open(ctx context.Context, cursor string, bound []string) (string, error) {
	enc := base64.RawURLEncoding
	p, m, ok := strings.Cut(cursor, ".")
	if !ok || len(cursor) > 256 {
		return "", errBadCursor
	}
	pos, err1 := enc.DecodeString(p)
	got, err2 := enc.DecodeString(m)
	if err1 != nil || err2 != nil {
		return "", errBadCursor
	}
	want, err := s.mac(ctx, string(pos), bound)
	if err != nil {
		return "", err
	}
	if !hmac.Equal(got, want) {
		return "", errBadCursor
	}
	return string(pos), nil
}
