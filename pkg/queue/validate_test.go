package queue_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/tandemsync/tandem/pkg/queue"
)

func TestValidate(t *testing.T) {
	ok := queue.Message{Group: "org-1:ticket-7", DedupID: queue.DedupID("x"), Body: []byte("{\"note\":\"héllo\tworld\"}\n")}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid message refused: %v", err)
	}
	at := func(edit func(*queue.Message)) queue.Message { m := ok; edit(&m); return m }
	for name, m := range map[string]queue.Message{
		"no group":        at(func(m *queue.Message) { m.Group = "" }),
		"space in group":  at(func(m *queue.Message) { m.Group = "org 1" }),
		"long dedup id":   at(func(m *queue.Message) { m.DedupID = string(bytes.Repeat([]byte("d"), 129)) }),
		"no dedup id":     at(func(m *queue.Message) { m.DedupID = "" }),
		"empty body":      at(func(m *queue.Message) { m.Body = nil }),
		"NUL in body":     at(func(m *queue.Message) { m.Body = []byte("a\x00b") }),
		"invalid UTF-8":   at(func(m *queue.Message) { m.Body = []byte{'a', 0xff} }),
		"body over limit": at(func(m *queue.Message) { m.Body = bytes.Repeat([]byte("x"), queue.MaxBodyBytes+1) }),
	} {
		if err := m.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if err := at(func(m *queue.Message) { m.Body = bytes.Repeat([]byte("x"), queue.MaxBodyBytes) }).Validate(); err != nil {
		t.Errorf("body at the limit refused: %v", err)
	}
	if err := at(func(m *queue.Message) { m.Body = bytes.Repeat([]byte("x"), queue.MaxBodyBytes+1) }).Validate(); !errors.Is(err, queue.ErrTooLarge) {
		t.Errorf("oversized body: %v, want ErrTooLarge", err)
	}
}
