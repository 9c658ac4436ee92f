package relay_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/relay"
)

// A file belongs to its note: when the note stays on the customer's side (its
// kind is not among the customer's outbound actions), its file stays too,
// rather than crossing as a file of no note.
func TestFileOfANoteThatStaysDoesNotCross(t *testing.T) {
	f, src, dst := fileFixture(t, nil, nil)
	f.src.notes["A1"] = append(f.src.notes["A1"],
		platform.Note{ID: "n1", TicketID: "A1", Kind: "internal", Body: "payroll attached"},
		platform.Note{ID: "n2", TicketID: "A1", Kind: "note", Body: "see the log", Public: true})
	src.files["A1"] = append(src.files["A1"],
		platform.Attachment{ID: "a1", TicketID: "A1", NoteID: "n1", Name: "payroll.xlsx", Size: 3, Data: []byte("pay")},
		platform.Attachment{ID: "a2", TicketID: "A1", NoteID: "n2", Name: "app.log", Size: 3, Data: []byte("log")})
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventNoteCreated, TicketID: "A1", DeliveryID: "n"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	var names []string
	for _, a := range dst.files["T1"] {
		names = append(names, a.Name)
	}
	if len(names) != 1 || names[0] != "app.log" {
		t.Fatalf("partner files %v, want only app.log (payroll.xlsx's note stays with the customer)", names)
	}
}

// A file exactly as large as a queue message may carry travels inline, with
// no file store.
func TestFileAtTheInlineLimitTravelsInline(t *testing.T) {
	const limit = 4096
	f, src, dst := fileFixture(t, nil, func(e *relay.Engine) { e.MaxInlineAttachment = limit })
	data := bytes.Repeat([]byte("x"), limit)
	attachWithNote(t, f, src, "exact.bin", data)
	f.deliver(t)
	if got := dst.files["T1"]; len(got) != 1 || !bytes.Equal(got[0].Data, data) {
		t.Fatalf("partner files %+v, want exact.bin", got)
	}
}

// namelessDownloads serves files without their name, as some platforms'
// download endpoints answer (the name is only in the listing).
type namelessDownloads struct{ *fileFake }

func (n namelessDownloads) GetAttachment(ctx context.Context, ticketID, id string) (platform.Attachment, error) {
	a, err := n.fileFake.GetAttachment(ctx, ticketID, id)
	a.Name = ""
	return a, err
}

// A file keeps the name it is listed under when its download has none.
func TestFileWithoutANameInItsDownloadKeepsItsListedName(t *testing.T) {
	f, src, dst := fileFixture(t, nil, nil)
	e := *f.engine
	e.Platforms = clientsByOrg{"cust": namelessDownloads{src}, "msp": dst}
	f.engine = relay.NewEngine(e)
	attachWithNote(t, f, src, "report.pdf", []byte("%PDF"))
	f.deliver(t)
	if got := dst.files["T1"]; len(got) != 1 || got[0].Name != "report.pdf" {
		t.Fatalf("partner files %+v, want report.pdf", got)
	}
}

// A file larger than Tandem copies is logged with its size in MB.
func TestTooLargeFileIsLoggedWithItsSize(t *testing.T) {
	f, src, _ := fileFixture(t, nil, func(e *relay.Engine) { e.MaxAttachment = 2 << 20 })
	attachWithNote(t, f, src, "dump.bin", bytes.Repeat([]byte("x"), 3<<20))
	f.deliver(t)
	skipped := logged(t, f, relay.Skipped)
	const want = "the file is 3.0 MB; Tandem copies files of up to 2 MB"
	if len(skipped) != 1 || skipped[0].Reason != want {
		t.Fatalf("skipped %+v, want one entry saying %q", skipped, want)
	}
}

// Files travel with notes: a file put on the ticket with no note waits for
// the next note (Autotask fires no webhook for a file alone), so a status
// change does not carry it.
func TestFileWithoutANoteWaitsForTheNextNote(t *testing.T) {
	f, src, dst := fileFixture(t, nil, nil)
	src.files["A1"] = append(src.files["A1"], platform.Attachment{ID: "a1", TicketID: "A1", Name: "photo.jpg", Size: 3, Data: []byte("jpg"), Public: true})
	a1 := f.src.tickets["A1"]
	a1.Status = "1"
	f.src.tickets["A1"] = a1
	if err := f.engine.HandleEvent(context.Background(), "cust", platform.Event{Type: platform.EventTicketUpdated, TicketID: "A1", DeliveryID: "u"}); err != nil {
		t.Fatal(err)
	}
	f.deliver(t)
	if got := f.dst.tickets["T1"].Status; got != "progress" {
		t.Fatalf("partner status %q, want progress", got)
	}
	if n := len(dst.files["T1"]); n != 0 {
		t.Fatalf("a status change carried %d files", n)
	}
	attachWithNote(t, f, src, "notes.txt", []byte("txt"))
	f.deliver(t)
	var names []string
	for _, a := range dst.files["T1"] {
		names = append(names, a.Name)
	}
	if len(names) != 2 {
		t.Fatalf("partner files %v after the next note, want photo.jpg and notes.txt", names)
	}
}
