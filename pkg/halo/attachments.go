package halo

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// MaxAttachmentSize is the largest file Tandem sends to or fetches from
// Halo; a larger one is refused with platform.ErrFileRefused as the cause.
// Halo publishes no API limit (none in its swagger or guides); uploads travel
// base64-encoded inside JSON, so 20 MiB becomes ~27 MB on the wire, under the
// 30,000,000-byte default of IIS request filtering's maxAllowedContentLength
// (learn.microsoft.com/iis/configuration/system.webserver/security/
// requestfiltering/requestlimits/) that on-premise Halo runs behind.
const MaxAttachmentSize = 20 << 20

type attachmentInfo struct {
	ID       haloID   `json:"id"`
	TicketID haloID   `json:"ticket_id"`
	ActionID haloID   `json:"action_id"`
	Filename string   `json:"filename"`
	FileSize int64    `json:"filesize"`
	IsImage  flexBool `json:"isimage"`
}

func (a attachmentInfo) attachment(ticketID string) platform.Attachment {
	return platform.Attachment{
		ID:          string(a.ID),
		TicketID:    ticketID,
		NoteID:      optional(a.ActionID),
		Name:        a.Filename,
		ContentType: contentType(a.Filename),
		Size:        a.FileSize,
	}
}

func contentType(name string) string {
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// ListAttachments lists a ticket's files without downloading them.
func (c *Client) ListAttachments(ctx context.Context, ticketID string) ([]platform.Attachment, error) {
	tid, err := recordID("ticket", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, err)
	}
	var raw json.RawMessage
	q := url.Values{"ticket_id": {tid}}
	if err := c.call(ctx, http.MethodGet, "/Attachment", q, nil, &raw, "read the attachments of ticket "+tid); err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, err)
	}
	infos, err := decodeList[attachmentInfo](raw, "attachments")
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, unreadable("read attachments", err))
	}
	out := make([]platform.Attachment, 0, len(infos))
	for _, a := range infos {
		out = append(out, a.attachment(tid))
	}
	return out, nil
}

// GetAttachment downloads one file; Halo answers GET /api/Attachment/{id}
// with the bytes and names the file in Content-Disposition.
func (c *Client) GetAttachment(ctx context.Context, ticketID, attachmentID string) (platform.Attachment, error) {
	aid, err := recordID("attachment", attachmentID)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, err)
	}
	resp, err := c.send(ctx, http.MethodGet, "/Attachment/"+aid, nil, nil, "*/*", "download attachment "+aid)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAttachmentSize+1))
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, c.transportError(err, "download attachment "+aid))
	}
	if len(data) > MaxAttachmentSize {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID,
			refusedFile(fmt.Sprintf("the file is larger than the %d MiB Tandem copies between platforms", MaxAttachmentSize>>20)))
	}
	a := platform.Attachment{ID: aid, TicketID: ticketID, Size: int64(len(data)), Data: data}
	if _, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition")); err == nil {
		a.Name = params["filename"]
	}
	a.ContentType = resp.Header.Get("Content-Type")
	if a.ContentType == "" || strings.HasPrefix(a.ContentType, "application/octet-stream") {
		a.ContentType = contentType(a.Name)
	}
	return a, nil
}

// AddAttachment uploads a file to the ticket (and to the action when NoteID
// is set), refusing files over MaxAttachmentSize before sending anything.
func (c *Client) AddAttachment(ctx context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	tid, err := recordID("ticket", ticketID)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
	}
	switch {
	case strings.TrimSpace(a.Name) == "":
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, invalid("the file has no name"))
	case len(a.Data) > MaxAttachmentSize:
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID,
			refusedFile(fmt.Sprintf("%s is %d bytes; Tandem copies files up to %d MiB to Halo", a.Name, len(a.Data), MaxAttachmentSize>>20)))
	}
	ct := a.ContentType
	if ct == "" {
		ct = contentType(a.Name)
	}
	body := map[string]any{
		"ticket_id":   json.Number(tid),
		"filename":    a.Name,
		"data_base64": base64.StdEncoding.EncodeToString(a.Data),
		"isimage":     strings.HasPrefix(ct, "image/"),
	}
	if a.NoteID != "" {
		if err := setID(body, "action_id", a.NoteID, "action"); err != nil {
			return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
		}
	}
	var raw json.RawMessage
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "/Attachment", nil, []any{body}, &raw, "upload "+a.Name+" to ticket "+tid); err != nil {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
	}
	var info attachmentInfo
	if err := decodeOne(raw, &info); err != nil || info.ID == "" {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, unreadable("upload an attachment", err))
	}
	out := info.attachment(tid)
	out.ContentType, out.Size, out.Public = ct, int64(len(a.Data)), a.Public
	if out.Name == "" {
		out.Name = a.Name
	}
	return out, nil
}

// refusedFile is a file Halo is not sent or not read for its size.
func refusedFile(msg string) *platform.Error {
	e := invalid(msg)
	e.Err = platform.ErrFileRefused
	return e
}
