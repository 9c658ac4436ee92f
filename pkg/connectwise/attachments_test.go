package connectwise

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/platform"
)

func TestAttachments(t *testing.T) {
	s := connectwisesim.New(t)
	cl := clientFor(t, s, s.Integration, Options{MaxAttachmentBytes: 1 << 20})
	ctx := testCtx(t)
	tk, err := cl.CreateTicket(ctx, platform.Ticket{Summary: "Files"})
	if err != nil {
		t.Fatal(err)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 3000)...)
	files := []platform.Attachment{
		{Name: "screenshot.png", ContentType: "image/png", Data: png, Public: true},
		{Name: `C:\Users\jo\notes "draft".txt`, ContentType: "text/plain", Data: []byte("internal notes")},
	}
	var ids []string
	for _, f := range files {
		got, err := cl.AddAttachment(ctx, tk.ID, f)
		if err != nil {
			t.Fatalf("AddAttachment %s: %v", f.Name, err)
		}
		if got.ID == "" || got.Size != int64(len(f.Data)) || got.Public != f.Public || got.TicketID != tk.ID {
			t.Fatalf("added = %+v", got)
		}
		ids = append(ids, got.ID)
	}
	docs := s.Documents(mustID(t, tk.ID))
	if len(docs) != 2 || docs[0].Private || !docs[1].Private || docs[1].FileName != `notes "draft".txt` {
		t.Fatalf("stored documents = %+v", docs)
	}

	list, err := cl.ListAttachments(ctx, tk.ID)
	if err != nil {
		t.Fatalf("ListAttachments: %v", err)
	}
	if len(list) != 2 || list[0].Name != "screenshot.png" || list[0].ContentType != "image/png" || !list[0].Public || list[1].Public {
		t.Fatalf("list = %+v", list)
	}

	got, err := cl.GetAttachment(ctx, tk.ID, ids[0])
	if err != nil {
		t.Fatalf("GetAttachment: %v", err)
	}
	if !bytes.Equal(got.Data, png) || got.ContentType != "image/png" || got.Size != int64(len(png)) {
		t.Fatalf("downloaded %d bytes, %s", len(got.Data), got.ContentType)
	}

	_, err = cl.GetAttachment(ctx, tk.ID, "123456")
	platformErr(t, err, platform.ReasonNotFound)
}

func TestAttachmentSizeLimits(t *testing.T) {
	s := connectwisesim.New(t)
	big := bytes.Repeat([]byte("x"), 2048)
	uploader := clientFor(t, s, s.Integration, Options{})
	ctx := testCtx(t)
	tk, err := uploader.CreateTicket(ctx, platform.Ticket{Summary: "Big"})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := uploader.AddAttachment(ctx, tk.ID, platform.Attachment{Name: "big.bin", Data: big})
	if err != nil {
		t.Fatal(err)
	}

	small := clientFor(t, s, s.Integration, Options{MaxAttachmentBytes: 1024})
	before := s.Requests()
	_, err = small.AddAttachment(ctx, tk.ID, platform.Attachment{Name: "big.bin", Data: big})
	pe := platformErr(t, err, platform.ReasonInvalid)
	if !strings.Contains(pe.Message, "up to") || !strings.Contains(pe.Message, "big.bin") || s.Requests() != before {
		t.Fatalf("oversized upload: %v (requests %d → %d)", err, before, s.Requests())
	}
	_, errGet := small.GetAttachment(ctx, tk.ID, stored.ID)
	platformErr(t, errGet, platform.ReasonInvalid)
	for _, err := range []error{err, errGet} {
		if !errors.Is(err, platform.ErrFileRefused) {
			t.Errorf("an oversized file is not marked as refused: %v", err)
		}
	}
}

func TestDefaultAttachmentLimit(t *testing.T) {
	cl := New(Credentials{}, Options{})
	_, err := cl.AddAttachment(testCtx(t), "1", platform.Attachment{Name: "huge", Data: make([]byte, DefaultMaxAttachmentBytes+1)})
	platformErr(t, err, platform.ReasonInvalid)
	if cl.Requests() != 0 {
		t.Fatal("oversized attachment was sent")
	}
}
