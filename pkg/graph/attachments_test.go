package graph_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestAttachmentsRoundTrip(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	ctx := ctxT(t)
	id := seededTicket(t, sim).ID

	small := bytes.Repeat([]byte("log line\n"), 1000)
	large := bytes.Repeat([]byte{0xAB, 0xCD, 0x01}, (3<<20)/3+11) // just over 3 MB: upload session
	tests := []struct {
		name string
		data []byte
	}{
		{"inline under 3 MB", small},
		{"upload session over 3 MB", large},
	}
	var added []platform.Attachment
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := c.AddAttachment(ctx, id, platform.Attachment{Name: tt.name + ".bin", ContentType: "application/octet-stream", Data: tt.data})
			if err != nil {
				t.Fatal(err)
			}
			if a.Size != int64(len(tt.data)) || a.NoteID == "" || a.TicketID != id {
				t.Fatalf("added = %+v", a)
			}
			got, err := c.GetAttachment(ctx, id, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Data, tt.data) || got.Name != tt.name+".bin" {
				t.Fatalf("downloaded %d bytes named %q", len(got.Data), got.Name)
			}
			added = append(added, a)
		})
	}
	list, err := c.ListAttachments(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != len(added) {
		t.Fatalf("listed %d attachments, want %d", len(list), len(added))
	}
	for i, a := range list {
		if a.ID != added[i].ID || a.Size != added[i].Size || a.Data != nil {
			t.Fatalf("listed[%d] = %+v, want %+v", i, a, added[i])
		}
	}
}

func TestAddAttachmentRefusedBeforeSending(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	id := seededTicket(t, sim).ID
	tests := []struct {
		name    string
		a       platform.Attachment
		mention string
	}{
		{"over 150 MB", platform.Attachment{Name: "dump.bin", Data: make([]byte, graph.MaxAttachmentSize+1)}, "up to 150 MB"},
		{"empty", platform.Attachment{Name: "empty.txt"}, "empty"},
		{"no name", platform.Attachment{Data: []byte("x")}, "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.AddAttachment(ctxT(t), id, tt.a)
			pe := platformErr(t, err, platform.ReasonInvalid)
			if !strings.Contains(pe.Message, tt.mention) {
				t.Fatalf("message %q", pe.Message)
			}
			if refused := errors.Is(err, platform.ErrFileRefused); refused != (tt.name == "over 150 MB") {
				t.Fatalf("marked as a refused file = %v: %v", refused, err)
			}
			if c.Requests() != 0 {
				t.Fatalf("sent %d requests", c.Requests())
			}
		})
	}
}

func TestGetAttachmentNotFound(t *testing.T) {
	sim := graphsim.New(t)
	c := clientFor(t, sim, sim.Integration)
	id := seededTicket(t, sim).ID
	_, err := c.GetAttachment(ctxT(t), id, "AAMkAGmissing")
	platformErr(t, err, platform.ReasonNotFound)
}
