package zendesk

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// MaxAttachmentSize is the largest file Tandem sends to or fetches from
// Zendesk: Zendesk's attachment limit is 50 MB (support.zendesk.com,
// "Attachment size limit"); a larger file is refused with
// platform.ErrFileRefused as the cause.
const MaxAttachmentSize = 50 << 20

// attachment is a comment attachment (Attachments API).
type attachment struct {
	ID          zid    `json:"id"`
	FileName    string `json:"file_name"`
	ContentURL  string `json:"content_url"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

func (a attachment) neutral(ticketID, noteID string, public bool) platform.Attachment {
	ct := a.ContentType
	if ct == "" {
		ct = contentType(a.FileName)
	}
	return platform.Attachment{ID: string(a.ID), TicketID: ticketID, NoteID: noteID, Name: a.FileName,
		ContentType: ct, Size: a.Size, Public: public}
}

func contentType(name string) string {
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		return ct
	}
	return "application/octet-stream"
}

// ListAttachments lists the files of every comment; each file belongs to
// its comment (NoteID) and shares its visibility.
func (c *Client) ListAttachments(ctx context.Context, ticketID string) ([]platform.Attachment, error) {
	all, err := c.comments(ctx, ticketID)
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, err)
	}
	var out []platform.Attachment
	for _, cm := range all {
		for _, a := range cm.Attachments {
			out = append(out, a.neutral(ticketID, string(cm.ID), cm.Public))
		}
	}
	return out, nil
}

// GetAttachment reads the attachment's record and downloads its content_url.
// Zendesk serves files from another host (zdusercontent.com) through a
// signed URL: Tandem's credentials go only to the account's own host.
func (c *Client) GetAttachment(ctx context.Context, ticketID, attachmentID string) (platform.Attachment, error) {
	n, err := recordID("attachment", attachmentID)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, err)
	}
	var rec struct{ Attachment attachment }
	op := "read attachment " + attachmentID
	if err := c.call(ctx, http.MethodGet, "/api/v2/attachments/"+strconv.FormatInt(n, 10), nil, nil, &rec, op); err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, err)
	}
	if rec.Attachment.Size > MaxAttachmentSize {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, tooLarge(rec.Attachment.FileName, rec.Attachment.Size))
	}
	data, err := c.download(ctx, rec.Attachment.ContentURL, "download "+rec.Attachment.FileName)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s: %w", attachmentID, err)
	}
	out := rec.Attachment.neutral(ticketID, "", false)
	out.Size, out.Data = int64(len(data)), data
	return out, nil
}

// download fetches a content_url: with credentials on the account's host,
// without them anywhere else.
func (c *Client) download(ctx context.Context, raw, op string) ([]byte, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, unreadable(op, err)
	}
	base, _ := url.Parse(c.creds.BaseURL)
	var resp *http.Response
	if base != nil && strings.EqualFold(u.Host, base.Host) {
		resp, err = c.send(ctx, http.MethodGet, raw, nil, nil, "", op)
	} else {
		req, rerr := http.NewRequestWithContext(ctx, http.MethodGet, raw, nil)
		if rerr != nil {
			return nil, unreadable(op, rerr)
		}
		resp, err = c.http.Do(req)
		if err != nil {
			err = c.transportError(err, op)
		} else if resp.StatusCode < 200 || resp.StatusCode > 299 {
			defer resp.Body.Close()
			return nil, c.statusError(resp, op)
		}
	}
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAttachmentSize+1))
	if err != nil {
		return nil, c.transportError(err, op)
	}
	if len(data) > MaxAttachmentSize {
		return nil, tooLarge(op, int64(len(data)))
	}
	return data, nil
}

// AddAttachment uploads the file (POST /api/v2/uploads?filename=, the raw
// bytes) and attaches its token to a new comment whose visibility is the
// file's: Zendesk keeps files on comments only.
func (c *Client) AddAttachment(ctx context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	switch {
	case strings.TrimSpace(a.Name) == "":
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, invalid("the file has no name"))
	case len(a.Data) > MaxAttachmentSize:
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, tooLarge(a.Name, int64(len(a.Data))))
	}
	if _, err := recordID("ticket", ticketID); err != nil {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
	}
	ct := a.ContentType
	if ct == "" {
		ct = contentType(a.Name)
	}
	op := "upload " + a.Name
	resp, err := c.send(egress.NotIdempotent(ctx), http.MethodPost, c.creds.BaseURL+"/api/v2/uploads", url.Values{"filename": {a.Name}}, a.Data, ct, op)
	if err != nil {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
	}
	var up struct {
		Upload struct {
			Token      string     `json:"token"`
			Attachment attachment `json:"attachment"`
		} `json:"upload"`
	}
	err = decodeBody(resp, &up)
	if err != nil || up.Upload.Token == "" {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, unreadable(op, err))
	}
	var out updateAnswer
	body := map[string]any{"comment": map[string]any{"body": AttachmentComment(a.Name), "public": a.Public, "uploads": []string{up.Upload.Token}}}
	if err := c.putTicket(egress.NotIdempotent(ctx), ticketID, body, "attach "+a.Name+" to ticket "+ticketID, &out); err != nil {
		return platform.Attachment{}, err
	}
	res := up.Upload.Attachment.neutral(ticketID, out.commentID(), a.Public)
	res.Size = int64(len(a.Data))
	if res.Name == "" {
		res.Name = a.Name
	}
	return res, nil
}

// AttachmentComment is the text of the comment that carries a file.
func AttachmentComment(name string) string { return "Attached file: " + name }

func decodeBody(resp *http.Response, out any) error {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return err
	}
	return json.Unmarshal(data, out)
}

func tooLarge(name string, size int64) *platform.Error {
	e := invalid(fmt.Sprintf("%s is %d bytes; Zendesk takes files up to %d MB", name, size, MaxAttachmentSize>>20))
	e.Err = platform.ErrFileRefused
	return e
}
