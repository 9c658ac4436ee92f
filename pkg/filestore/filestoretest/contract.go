package filestoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/relay"
)

// RunContract checks the behaviour every relay.Files must have. The store
// newStore returns may be shared (moto_server lives for the whole test
// binary): the contract uses keys of its own.
func RunContract(t *testing.T, newStore func(t *testing.T) relay.Files) {
	ctx := context.Background()
	s := newStore(t)
	key := fmt.Sprintf("attachments/conn-contract-%d/cmd", time.Now().UnixNano())

	if _, err := s.Get(ctx, key); !errors.Is(err, relay.ErrNoFile) {
		t.Fatalf("get before put: %v, want ErrNoFile", err)
	}
	// A file larger than any queue message, with every byte value.
	big := make([]byte, 5<<20)
	for i := range big {
		big[i] = byte(i * 7)
	}
	if err := s.Put(ctx, key, big); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, key)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("get = %d bytes, %v; want the %d bytes put", len(got), err, len(big))
	}
	// A redelivered command writes the same key again: the last write wins.
	if err := s.Put(ctx, key, []byte("second")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, key); err != nil || string(got) != "second" {
		t.Fatalf("get after rewrite = %q, %v", got, err)
	}
	// What Get returns is the caller's: changing it changes nothing stored.
	got, _ = s.Get(ctx, key)
	got[0] = 'X'
	if again, _ := s.Get(ctx, key); string(again) != "second" {
		t.Fatalf("stored content changed through a returned slice: %q", again)
	}
	if err := s.Put(ctx, key+"-empty", nil); err != nil {
		t.Fatalf("put empty: %v", err)
	}
	if got, err := s.Get(ctx, key+"-empty"); err != nil || len(got) != 0 {
		t.Fatalf("get empty = %q, %v", got, err)
	}
	for _, k := range []string{key, key + "-empty"} {
		if err := s.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, k); !errors.Is(err, relay.ErrNoFile) {
			t.Fatalf("get after delete: %v, want ErrNoFile", err)
		}
	}
	if err := s.Delete(ctx, key+"-never-stored"); err != nil {
		t.Fatalf("deleting a missing key: %v", err)
	}
}
