package dynamostore_test

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// Instances racing for the cursor key at a stage's first listing all end up
// with the one key that was stored, so a cursor signed by one instance opens
// on another.
func TestCursorKeyIsCreatedOnceUnderRace(t *testing.T) {
	s := newMinidynStore(t)
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := s.CursorKey(context.Background())
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for i, k := range keys {
		if len(k) != 32 || !bytes.Equal(k, keys[0]) {
			t.Fatalf("instance %d got key %x, instance 0 %x", i, k, keys[0])
		}
	}
	again, err := s.CursorKey(context.Background())
	if err != nil || !bytes.Equal(again, keys[0]) {
		t.Fatalf("later read: %x %v", again, err)
	}
}
