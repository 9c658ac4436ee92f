package autotask

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestAddNotePublicAndPrivate(t *testing.T) {
	sim, c := newSim(t)
	tid := sim.SeedTicket("Seeded", 1, 2)
	ctx := ctxTimeout(t, 5*time.Second)
	tests := []struct {
		name        string
		in          platform.Note
		wantPublish int
		wantTitle   string
		wantKind    string
	}{
		{"public note", platform.Note{Body: "We replaced the toner.\nPlease test.", Public: true}, 1, "We replaced the toner.", "3"},
		{"private note with type and title", platform.Note{Title: "Internal", Body: "Customer is grumpy", Kind: "2"}, 2, "Internal", "2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.AddNote(ctx, itoa(tid), tt.in)
			if err != nil {
				t.Fatalf("AddNote: %v", err)
			}
			if got.ID == "" || got.TicketID != itoa(tid) || got.Body != tt.in.Body || got.Public != tt.in.Public ||
				got.Title != tt.wantTitle || got.Kind != tt.wantKind || got.CreatedAt.IsZero() {
				t.Errorf("note = %+v", got)
			}
			notes := sim.Notes(tid)
			if last := notes[len(notes)-1]; last.Publish != tt.wantPublish || itoa(last.ID) != got.ID || last.CreatorResourceID != sim.Integration.ResourceID {
				t.Errorf("stored note = %+v, want publish %d, id %s, by the integration", last, tt.wantPublish, got.ID)
			}
		})
	}
}

func TestAddNoteErrors(t *testing.T) {
	sim, c := newSim(t)
	tid := itoa(sim.SeedTicket("Seeded", 1, 2))
	ctx := ctxTimeout(t, 5*time.Second)
	tests := []struct {
		name     string
		ticket   string
		note     platform.Note
		want     platform.Reason
		requests int64
	}{
		{"missing ticket", "424242", platform.Note{Body: "hello"}, platform.ReasonNotFound, 1},
		{"empty body", tid, platform.Note{}, platform.ReasonInvalid, 0},
		{"over 32000 characters", tid, platform.Note{Body: strings.Repeat("é", 32001)}, platform.ReasonInvalid, 0},
		{"note type that is a label", tid, platform.Note{Body: "x", Kind: "Task Notes"}, platform.ReasonInvalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := c.Requests()
			_, err := c.AddNote(ctx, tt.ticket, tt.note)
			wantReason(t, err, tt.want)
			if c.Requests()-before != tt.requests {
				t.Errorf("sent %d requests, want %d", c.Requests()-before, tt.requests)
			}
		})
	}
}

func TestListNotesFollowsPagesOldestFirst(t *testing.T) {
	sim := autotasksim.New(t, autotasksim.Options{PageSize: 2})
	c := clientFor(t, sim.Credentials(sim.Integration))
	agent := clientFor(t, sim.Credentials(sim.Agent))
	ctx := ctxTimeout(t, 10*time.Second)
	tid := itoa(sim.SeedTicket("Seeded", 1, 2))
	other := itoa(sim.SeedTicket("Other", 1, 2))
	var added []platform.Note
	for i := range 5 {
		n, err := agent.AddNote(ctx, tid, platform.Note{Body: "note " + strconv.Itoa(i), Public: i%2 == 0})
		if err != nil {
			t.Fatalf("AddNote: %v", err)
		}
		added = append(added, n)
	}
	if _, err := c.AddNote(ctx, other, platform.Note{Body: "elsewhere"}); err != nil {
		t.Fatal(err)
	}

	before := c.Requests()
	got, err := c.ListNotes(ctx, tid, time.Time{})
	if err != nil {
		t.Fatalf("ListNotes: %v", err)
	}
	if n := c.Requests() - before; n != 3 {
		t.Errorf("pages fetched = %d, want 3 (5 notes, 2 per page)", n)
	}
	if len(got) != len(added) {
		t.Fatalf("got %d notes, want %d", len(got), len(added))
	}
	for i := range got {
		if got[i].ID != added[i].ID || got[i].Body != added[i].Body || got[i].Public != added[i].Public || got[i].AuthorID != itoa(sim.Agent.ResourceID) {
			t.Errorf("note %d = %+v, want %+v", i, got[i], added[i])
		}
	}

	// The server's creation time is the truth: AddNote answers without a
	// read-back, so its CreatedAt is only the client's clock.
	since := got[3].CreatedAt
	recent, err := c.ListNotes(ctx, tid, since)
	if err != nil {
		t.Fatalf("ListNotes since: %v", err)
	}
	ids := map[string]bool{}
	for _, n := range recent {
		ids[n.ID] = true
		if n.CreatedAt.Before(since) {
			t.Errorf("note %s created %v is before %v", n.ID, n.CreatedAt, since)
		}
	}
	if !ids[added[3].ID] || !ids[added[4].ID] {
		t.Errorf("since %v lost recent notes: %v", since, recent)
	}
	none, err := c.ListNotes(ctx, tid, time.Now().Add(time.Hour))
	if err != nil || len(none) != 0 {
		t.Errorf("future since = %v, %v", none, err)
	}
}

func TestAttachments(t *testing.T) {
	sim, c := newSim(t)
	ctx := ctxTimeout(t, 10*time.Second)
	tid := itoa(sim.SeedTicket("Seeded", 1, 2))
	data := bytes.Repeat([]byte("log line\n"), 1000)

	added, err := c.AddAttachment(ctx, tid, platform.Attachment{Name: `C:\logs\server.log`, Data: data, Public: true, ContentType: "text/plain"})
	if err != nil {
		t.Fatalf("AddAttachment: %v", err)
	}
	if added.ID == "" || added.Name != "server.log" || added.Size != int64(len(data)) || added.Data != nil {
		t.Errorf("added = %+v", added)
	}
	if _, err := c.AddAttachment(ctx, tid, platform.Attachment{Name: "photo.png", Data: []byte{0x89, 'P', 'N', 'G'}}); err != nil {
		t.Fatalf("AddAttachment png: %v", err)
	}

	list, err := c.ListAttachments(ctx, tid)
	if err != nil {
		t.Fatalf("ListAttachments: %v", err)
	}
	if len(list) != 2 || list[0].ID != added.ID || list[0].Name != "server.log" || !list[0].Public || list[0].Size != int64(len(data)) ||
		list[0].Data != nil || list[1].Public || list[1].ContentType != "image/png" {
		t.Errorf("list = %+v", list)
	}

	got, err := c.GetAttachment(ctx, tid, added.ID)
	if err != nil {
		t.Fatalf("GetAttachment: %v", err)
	}
	if !bytes.Equal(got.Data, data) || got.Name != "server.log" || got.ContentType != "text/plain" {
		t.Errorf("downloaded %d bytes, name %q type %q", len(got.Data), got.Name, got.ContentType)
	}
	if sa := sim.Attachments(mustID(t, tid)); len(sa) != 2 || sa[0].Publish != 1 || sa[1].Publish != 2 {
		t.Errorf("simulator attachments = %+v", sa)
	}

	_, err = c.GetAttachment(ctx, tid, "999999")
	wantReason(t, err, platform.ReasonNotFound)
}

func TestAttachmentOverLimitRefusedBeforeSending(t *testing.T) {
	t.Parallel() // base64 of 6 MB is slow under -race
	sim, c := newSim(t)
	tid := itoa(sim.SeedTicket("Seeded", 1, 2))
	before := c.Requests()
	_, err := c.AddAttachment(ctxTimeout(t, 5*time.Second), tid, platform.Attachment{Name: "big.iso", Data: make([]byte, MaxAttachmentSize+1)})
	pe := wantReason(t, err, platform.ReasonInvalid)
	if !strings.Contains(pe.Message, "at most 6 MB") || !strings.Contains(pe.Message, "big.iso") {
		t.Errorf("message = %q", pe.Message)
	}
	if !errors.Is(err, platform.ErrFileRefused) {
		t.Errorf("an oversized file is not marked as refused (the sync would log it failed, not skipped): %v", err)
	}
	if c.Requests() != before {
		t.Error("an oversized attachment was sent")
	}
	// Exactly at the limit is accepted by both sides.
	if _, err := c.AddAttachment(ctxTimeout(t, time.Minute), tid, platform.Attachment{Name: "edge.bin", Data: make([]byte, MaxAttachmentSize)}); err != nil {
		t.Errorf("6 MB attachment: %v", err)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
