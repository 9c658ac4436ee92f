package connectwise

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// document is ConnectWise's system document, which is how files attach to
// tickets (recordType=Ticket, recordId=ticket id).
type document struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	FileName   string `json:"fileName"`
	Size       int64  `json:"size"`
	PublicFlag bool   `json:"publicFlag"`
	LinkFlag   bool   `json:"linkFlag"`
	URLFlag    bool   `json:"urlFlag"`
}

// ListAttachments lists the ticket's uploaded files. Documents that are only
// links (to a URL or a local path) carry no data to sync and are left out.
func (c *Client) ListAttachments(ctx context.Context, ticketID string) ([]platform.Attachment, error) {
	tid, err := parseID("ticket", ticketID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, err)
	}
	q := url.Values{"recordType": {"Ticket"}, "recordId": {strconv.FormatInt(tid, 10)}}
	docs, err := getAll[document](ctx, c, "/system/documents", q)
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, err)
	}
	out := make([]platform.Attachment, 0, len(docs))
	for _, d := range docs {
		if d.LinkFlag || d.URLFlag {
			continue
		}
		out = append(out, fromDocument(d, ticketID))
	}
	return out, nil
}

// GetAttachment reads a document's metadata and downloads its content,
// refusing files above the attachment limit rather than holding them.
func (c *Client) GetAttachment(ctx context.Context, ticketID, attachmentID string) (platform.Attachment, error) {
	a, err := c.getAttachment(ctx, ticketID, attachmentID)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s of ticket %s: %w", attachmentID, ticketID, err)
	}
	return a, nil
}

func (c *Client) getAttachment(ctx context.Context, ticketID, attachmentID string) (platform.Attachment, error) {
	id, err := parseID("attachment", attachmentID)
	if err != nil {
		return platform.Attachment{}, err
	}
	p := "/system/documents/" + strconv.FormatInt(id, 10)
	var d document
	if _, err := c.call(ctx, http.MethodGet, p, nil, nil, &d); err != nil {
		return platform.Attachment{}, err
	}
	a := fromDocument(d, ticketID)
	if a.Size > c.opts.MaxAttachmentBytes {
		return platform.Attachment{}, c.tooLarge(a.Name, a.Size)
	}
	base, err := c.base(ctx)
	if err != nil {
		return platform.Attachment{}, err
	}
	resp, err := c.send(ctx, http.MethodGet, base+p+"/download", "", nil, true)
	if err != nil {
		return platform.Attachment{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxAttachmentBytes+1))
	if err != nil {
		return platform.Attachment{}, c.transportError(err)
	}
	if resp.StatusCode/100 != 2 {
		return platform.Attachment{}, c.statusError(resp.StatusCode, resp.Header, data)
	}
	if int64(len(data)) > c.opts.MaxAttachmentBytes {
		return platform.Attachment{}, c.tooLarge(a.Name, int64(len(data)))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		a.ContentType = ct
	}
	a.Data = data
	a.Size = int64(len(data))
	return a, nil
}

// AddAttachment uploads a file as a multipart document on the ticket. A
// non-public attachment is uploaded with privateFlag so the customer portal
// does not show it.
func (c *Client) AddAttachment(ctx context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	out, err := c.addAttachment(ctx, ticketID, a)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
	}
	return out, nil
}

func (c *Client) addAttachment(ctx context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	tid, err := parseID("ticket", ticketID)
	if err != nil {
		return platform.Attachment{}, err
	}
	if int64(len(a.Data)) > c.opts.MaxAttachmentBytes {
		return platform.Attachment{}, c.tooLarge(a.Name, int64(len(a.Data)))
	}
	name := path.Base(strings.ReplaceAll(a.Name, "\\", "/"))
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fields := [][2]string{
		{"recordType", "Ticket"},
		{"recordId", strconv.FormatInt(tid, 10)},
		{"title", name},
		{"privateFlag", strconv.FormatBool(!a.Public)},
	}
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return platform.Attachment{}, c.fail(platform.ReasonInvalid, 0, "The upload could not be built.", err)
		}
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", mime.FormatMediaType("form-data", map[string]string{"name": "file", "filename": name}))
	h.Set("Content-Type", ct)
	part, err := mw.CreatePart(h)
	if err == nil {
		_, err = part.Write(a.Data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return platform.Attachment{}, c.fail(platform.ReasonInvalid, 0, "The upload could not be built.", err)
	}
	base, err := c.base(ctx)
	if err != nil {
		return platform.Attachment{}, err
	}
	var d document
	if _, err := c.exchange(egress.NotIdempotent(ctx), http.MethodPost, base+"/system/documents", mw.FormDataContentType(), buf.Bytes(), &d); err != nil {
		return platform.Attachment{}, err
	}
	out := fromDocument(d, ticketID)
	out.ContentType = ct
	out.Public = a.Public
	if out.Size == 0 {
		out.Size = int64(len(a.Data))
	}
	return out, nil
}

// tooLarge refuses a file over MaxAttachmentBytes, with
// platform.ErrFileRefused as the cause so the sync logs it as skipped.
func (c *Client) tooLarge(name string, size int64) error {
	return c.fail(platform.ReasonInvalid, 0, fmt.Sprintf(
		"%s is %.1f MB; Tandem syncs ConnectWise attachments up to %.1f MB. Share larger files another way.",
		name, float64(size)/(1<<20), float64(c.opts.MaxAttachmentBytes)/(1<<20)), platform.ErrFileRefused)
}

func fromDocument(d document, ticketID string) platform.Attachment {
	name := d.FileName
	if name == "" {
		name = d.Title
	}
	return platform.Attachment{
		ID:          strconv.FormatInt(d.ID, 10),
		TicketID:    ticketID,
		Name:        name,
		ContentType: mime.TypeByExtension(path.Ext(name)),
		Size:        d.Size,
		Public:      d.PublicFlag,
	}
}
