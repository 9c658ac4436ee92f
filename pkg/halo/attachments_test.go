package halo_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestAttachments(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Screenshot attached"})
	if err != nil {
		t.Fatal(err)
	}
	note, err := c.AddNote(ctx, tk.ID, platform.Note{Kind: "1", Body: "see file"})
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 1000)...)
	files := []platform.Attachment{
		{Name: "screen.png", Data: png, NoteID: note.ID},
		{Name: "log.txt", Data: []byte("line 1\nline 2\n"), ContentType: "text/plain"},
	}
	for _, f := range files {
		added, err := c.AddAttachment(ctx, tk.ID, f)
		if err != nil {
			t.Fatalf("AddAttachment %s: %v", f.Name, err)
		}
		if added.ID == "" || added.Name != f.Name || added.Size != int64(len(f.Data)) {
			t.Fatalf("added = %+v", added)
		}
	}
	list, err := c.ListAttachments(ctx, tk.ID)
	if err != nil {
		t.Fatalf("ListAttachments: %v", err)
	}
	if len(list) != 2 || list[0].Name != "screen.png" || list[0].NoteID != note.ID || list[0].ContentType != "image/png" || list[1].Size != 14 {
		t.Fatalf("list = %+v", list)
	}
	for i, a := range list {
		got, err := c.GetAttachment(ctx, tk.ID, a.ID)
		if err != nil {
			t.Fatalf("GetAttachment: %v", err)
		}
		if !bytes.Equal(got.Data, files[i].Data) || got.Name != files[i].Name || got.Size != int64(len(files[i].Data)) {
			t.Fatalf("downloaded %s: name %q size %d", a.ID, got.Name, got.Size)
		}
	}
	stored := s.Attachments(atoi(t, tk.ID))
	if len(stored) != 2 || !bytes.Equal(stored[0].Data, png) || stored[0].ActionID != atoi(t, note.ID) {
		t.Fatalf("simulator holds %d files", len(stored))
	}
	if !strings.HasPrefix(list[1].ContentType, "text/plain") {
		t.Fatalf("content type %q", list[1].ContentType)
	}
}

func TestAttachmentTooLargeIsRefusedBeforeSending(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	_, err := c.AddAttachment(context.Background(), "1000", platform.Attachment{
		Name: "huge.iso", Data: make([]byte, halo.MaxAttachmentSize+1),
	})
	pe := platformError(t, err, platform.ReasonInvalid)
	if !strings.Contains(pe.Message, "huge.iso") || !strings.Contains(pe.Message, "20 MiB") {
		t.Fatalf("message %q", pe.Message)
	}
	if !errors.Is(err, platform.ErrFileRefused) {
		t.Fatalf("an oversized file is not marked as refused: %v", err)
	}
	if s.Requests() != 0 {
		t.Fatalf("%d requests sent for a refused file", s.Requests())
	}
}

func TestAttachmentMissing(t *testing.T) {
	s := halosim.New(t, halosim.Options{})
	c := newClient(t, s, halosim.Integration)
	_, err := c.GetAttachment(context.Background(), "1000", "31337")
	platformError(t, err, platform.ReasonNotFound)
}
