package relay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/filestore/filestoretest"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/queue"
	"github.com/tandemsync/tandem/pkg/relay"
)

// fileFake adds attachments to fakeClient; limit, when set, refuses larger
// uploads the way the platform clients do.
type fileFake struct {
	*fakeClient
	files map[string][]platform.Attachment
	limit int
}

func (f *fileFake) ListAttachments(_ context.Context, id string) ([]platform.Attachment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []platform.Attachment
	for _, a := range f.files[id] {
		a.Data = nil
		out = append(out, a)
	}
	return out, nil
}

func (f *fileFake) GetAttachment(_ context.Context, ticketID, id string) (platform.Attachment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.files[ticketID] {
		if a.ID == id {
			return a, nil
		}
	}
	return platform.Attachment{}, &platform.Error{Reason: platform.ReasonNotFound, Message: "no attachment " + id}
}

func (f *fileFake) AddAttachment(_ context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limit > 0 && len(a.Data) > f.limit {
		return platform.Attachment{}, fmt.Errorf("add attachment: %w", &platform.Error{Reason: platform.ReasonInvalid,
			Message: fmt.Sprintf("%s is %d bytes; the platform accepts at most %d", a.Name, len(a.Data), f.limit), Err: platform.ErrFileRefused})
	}
	f.next++
	a.ID, a.TicketID, a.Size = "F"+strconv.Itoa(f.next), ticketID, int64(len(a.Data))
	f.files[ticketID] = append(f.files[ticketID], a)
	return a, nil
}

type filePlatforms map[string]*fileFake

func (p filePlatforms) Kind(ctx context.Context, org string) (platform.Kind, error) {
	return platforms{}.Kind(ctx, org)
}

func (p filePlatforms) Client(_ context.Context, org string) (platform.Client, error) {
	return p[org], nil
}

// fileFixture is the engine fixture with attachments on both sides, the
// customer's outbound attachment sync on, and files (nil: no file store).
func fileFixture(t *testing.T, files relay.Files, tune func(*relay.Engine)) (*fixture, *fileFake, *fileFake) {
	t.Helper()
	f := newFixture(t)
	src := &fileFake{fakeClient: f.src, files: map[string][]platform.Attachment{}}
	dst := &fileFake{fakeClient: f.dst, files: map[string][]platform.Attachment{}}
	cfgs := f.engine.Configs.(configs)
	cust := cfgs["cust"]
	cust.Outbound.Attachments = true
	cfgs["cust"] = cust
	e := *f.engine
	e.Platforms, e.Files = filePlatforms{"cust": src, "msp": dst}, files
	if tune != nil {
		tune(&e)
	}
	f.engine = relay.NewEngine(e)
	f.escalate(t)
	return f, src, dst
}

// attachWithNote puts a file on the customer's ticket with a note and hands
// the note's event to the engine.
func attachWithNote(t *testing.T, f *fixture, src *fileFake, name string, data []byte) {
	t.Helper()
	n := len(f.src.notes["A1"]) + 1
	noteID := "n" + strconv.Itoa(n)
	f.src.notes["A1"] = append(f.src.notes["A1"], platform.Note{ID: noteID, TicketID: "A1", Kind: "note", Body: "see " + name, Public: true})
	src.files["A1"] = append(src.files["A1"], platform.Attachment{ID: "a" + strconv.Itoa(n), TicketID: "A1", NoteID: noteID, Name: name, Size: int64(len(data)), Data: data, Public: true})
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "note-" + noteID}); err != nil {
		t.Fatal(err)
	}
}

func queued(t *testing.T, f *fixture) []relay.Command {
	t.Helper()
	var out []relay.Command
	for _, msgs := range f.sent {
		for _, m := range msgs {
			if len(m.Body) > queue.MaxBodyBytes {
				t.Fatalf("a %d-byte message would not fit a queue", len(m.Body))
			}
			var env relay.Envelope
			if err := json.Unmarshal(m.Body, &env); err != nil {
				t.Fatal(err)
			}
			out = append(out, *env.Command)
		}
	}
	return out
}

func logged(t *testing.T, f *fixture, outcome relay.Outcome) []relay.LogEntry {
	t.Helper()
	all, err := f.store.Log(context.Background(), "conn-1", "", 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []relay.LogEntry
	for _, e := range all {
		if e.Outcome == outcome {
			out = append(out, e)
		}
	}
	return out
}

// A file larger than a queue message travels by reference: the source
// stores it under a key derived from the command, the command carries only
// the key, the target reads it, and the object is deleted once applied.
func TestLargeFileTravelsThroughTheFileStore(t *testing.T) {
	files := filestoretest.NewMemory()
	f, src, dst := fileFixture(t, files, nil)
	data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18) // 1 MiB
	attachWithNote(t, f, src, "capture.pcap", data)

	var fileCmd relay.Command
	for _, c := range queued(t, f) {
		if c.FileKey != "" {
			fileCmd = c
		}
	}
	if fileCmd.FileKey != "attachments/conn-1/"+fileCmd.ID || len(fileCmd.Data) != 0 {
		t.Fatalf("command carries key %q and %d inline bytes; want the key of its id and none", fileCmd.FileKey, len(fileCmd.Data))
	}
	if keys := files.Keys(); len(keys) != 1 || keys[0] != fileCmd.FileKey {
		t.Fatalf("stored %v before delivery", keys)
	}
	f.deliver(t)
	got := dst.files["T1"]
	if len(got) != 1 || !bytes.Equal(got[0].Data, data) || got[0].Name != "capture.pcap" {
		t.Fatalf("partner files %+v", got)
	}
	if keys := files.Keys(); len(keys) != 0 {
		t.Fatalf("stored content left after the target applied it: %v", keys)
	}
}

// A file the receiving platform refuses is one skipped entry naming the
// file and the platform's reason; the command is not retried and its stored
// content is deleted.
func TestFileRefusedByThePartnerIsSkipped(t *testing.T) {
	files := filestoretest.NewMemory()
	f, src, dst := fileFixture(t, files, nil)
	dst.limit = 512 << 10
	attachWithNote(t, f, src, "dump.bin", make([]byte, 600<<10))
	cmds := queued(t, f)
	f.deliver(t)
	skipped := logged(t, f, relay.Skipped)
	if len(skipped) != 1 || !strings.Contains(skipped[0].What, `"dump.bin"`) || !strings.Contains(skipped[0].Reason, "at most 524288") || skipped[0].Org != "msp" {
		t.Fatalf("skipped entries %+v", skipped)
	}
	if len(dst.files["T1"]) != 0 || len(files.Keys()) != 0 {
		t.Fatalf("partner files %v, stored %v", dst.files["T1"], files.Keys())
	}
	// A redelivered command is already recorded: no second entry.
	for _, c := range cmds {
		if err := f.engine.Handle(context.Background(), relay.Envelope{Org: "msp", Command: &c}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(logged(t, f, relay.Skipped)); n != 1 {
		t.Fatalf("%d skipped entries after a redelivery", n)
	}
}

// Files that cannot travel at all are skipped at the source with the
// reason, once: the note still crosses, and a later note does not log the
// file again.
func TestFileThatCannotTravelIsSkippedOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		files  relay.Files
		tune   func(*relay.Engine)
		size   int
		reason string
	}{
		{"larger than a message, no file store", nil, nil, 200 << 10, "TANDEM_FILES_BUCKET"},
		{"larger than Tandem copies", filestoretest.NewMemory(), func(e *relay.Engine) { e.MaxAttachment = 1 << 20 }, 2 << 20, "up to 1 MB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, src, dst := fileFixture(t, tc.files, tc.tune)
			attachWithNote(t, f, src, "video.mp4", make([]byte, tc.size))
			f.deliver(t)
			if len(dst.files["T1"]) != 0 || len(f.dst.notes["T1"]) != 1 {
				t.Fatalf("partner files %d, notes %d; want the note alone", len(dst.files["T1"]), len(f.dst.notes["T1"]))
			}
			attachWithNote(t, f, src, "small.txt", []byte("ok"))
			f.deliver(t)
			skipped := logged(t, f, relay.Skipped)
			if len(skipped) != 1 || skipped[0].What != `attachment "video.mp4"` || !strings.Contains(skipped[0].Reason, tc.reason) {
				t.Fatalf("skipped entries %+v", skipped)
			}
			if len(dst.files["T1"]) != 1 {
				t.Fatalf("the later small file did not cross: %+v", dst.files["T1"])
			}
		})
	}
}

// Content gone from the store (kept a day) is a permanent failure, logged
// once, never a retry into the dead-letter queue.
func TestExpiredFileContentFailsForGood(t *testing.T) {
	files := filestoretest.NewMemory()
	f, src, _ := fileFixture(t, files, nil)
	attachWithNote(t, f, src, "scan.pdf", make([]byte, 300<<10))
	for _, k := range files.Keys() {
		_ = files.Delete(context.Background(), k)
	}
	f.deliver(t)
	failed := logged(t, f, relay.Failed)
	if len(failed) != 1 || !strings.Contains(failed[0].What, "scan.pdf") || !strings.Contains(failed[0].Reason, "no longer stored") {
		t.Fatalf("failed entries %+v", failed)
	}
}
