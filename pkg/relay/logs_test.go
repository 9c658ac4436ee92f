package relay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"

	"github.com/tandemsync/tandem/pkg/filestore/filestoretest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

type logLine struct {
	Level, Msg string
}

func logLines(t *testing.T, buf *bytes.Buffer) []logLine {
	t.Helper()
	var out []logLine
	dec := json.NewDecoder(buf)
	for dec.More() {
		var l logLine
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func levelsOf(lines []logLine) map[string]string {
	out := map[string]string{}
	for _, l := range lines {
		out[l.Msg] = l.Level
	}
	return out
}

// appendLogFails is a store whose sync log cannot be written.
type appendLogFails struct{ relay.Store }

func (appendLogFails) AppendLog(context.Context, relay.LogEntry) error {
	return errors.New("dynamodb: ProvisionedThroughputExceededException")
}

// The operator's log says a write applied at INFO and one that failed for
// good at WARN, so alarms on warnings see only failures; a sync log entry
// that cannot be stored is an ERROR, and nothing else is.
func TestSyncOutcomesAreLoggedAtTheirLevel(t *testing.T) {
	t.Run("applied and failed", func(t *testing.T) {
		var buf bytes.Buffer
		f := newFixture(t)
		e := *f.engine
		e.Log = slog.New(slog.NewJSONHandler(&buf, nil))
		f.engine = relay.NewEngine(e)
		f.escalate(t)
		f.src.tickets["A1"] = platform.Ticket{ID: "A1", Summary: "Printer", Status: "1", Queue: "L2"}
		if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "u"}); err != nil {
			t.Fatal(err)
		}
		f.dst.failNext = &platform.Error{Reason: platform.ReasonInvalid, Status: 400, Message: "status not on this workflow"}
		f.deliver(t)
		got := levelsOf(logLines(t, &buf))
		want := map[string]string{"sync applied": "INFO", "sync failed": "WARN"}
		if len(got) != len(want) || got["sync applied"] != "INFO" || got["sync failed"] != "WARN" {
			t.Fatalf("log levels %v, want %v", got, want)
		}
	})
	t.Run("sync log not stored", func(t *testing.T) {
		var buf bytes.Buffer
		f := newFixture(t)
		e := *f.engine
		e.Log = slog.New(slog.NewJSONHandler(&buf, nil))
		e.Store = appendLogFails{f.store}
		f.engine = relay.NewEngine(e)
		f.escalate(t)
		if got := levelsOf(logLines(t, &buf)); got["sync log not written"] != "ERROR" {
			t.Fatalf("log levels %v, want the unstored sync log entry as an ERROR", got)
		}
	})
}

// deleteFails is a file store that cannot delete.
type deleteFails struct{ relay.Files }

func (deleteFails) Delete(context.Context, string) error { return errors.New("s3: AccessDenied") }

// Stored file content that cannot be deleted after its command is applied is
// left to the store's expiry with a WARN line; content deleted says nothing.
func TestUndeletedFileContentIsAWarning(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files relay.Files
		warns bool
	}{
		{"deleted", filestoretest.NewMemory(), false},
		{"delete refused", deleteFails{filestoretest.NewMemory()}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			f, src, dst := fileFixture(t, tc.files, func(e *relay.Engine) {
				e.Log = slog.New(slog.NewJSONHandler(&buf, nil))
				e.MaxInlineAttachment = 16
			})
			attachWithNote(t, f, src, "capture.pcap", bytes.Repeat([]byte("x"), 64))
			f.deliver(t)
			if len(dst.files["T1"]) != 1 {
				t.Fatalf("partner files %+v", dst.files["T1"])
			}
			var warned bool
			for _, l := range logLines(t, &buf) {
				warned = warned || l.Level == "WARN"
			}
			if warned != tc.warns {
				t.Fatalf("warning logged: %v, want %v", warned, tc.warns)
			}
		})
	}
}
