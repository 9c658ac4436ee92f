package graph

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/tandemsync/tandem/pkg/platform"
)

const (
	// Graph takes a file inline (contentBytes) only under 3 MB and through
	// an upload session from 3 MB to 150 MB ("Attach large files to Outlook
	// messages or events", learn.microsoft.com/graph/outlook-large-attachments).
	maxInlineAttachment = 3 << 20
	// MaxAttachmentSize is the largest file AddAttachment accepts; a larger
	// one is refused with platform.ErrFileRefused as the cause.
	MaxAttachmentSize = 150 << 20
	// Upload session chunks must be multiples of 320 KiB.
	uploadChunk = 12 * 320 << 10
	// attachmentSep joins message and attachment ids: attachments belong to
	// messages, and '.' is outside the base64 alphabets Graph ids use.
	attachmentSep = "."
)

type attachment struct {
	ODataType    string `json:"@odata.type"`
	ID           string `json:"id"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType"`
	Size         int64  `json:"size"`
	IsInline     bool   `json:"isInline"`
	ContentBytes string `json:"contentBytes,omitempty"`
}

const fileAttachmentType = "#microsoft.graph.fileAttachment"

// ListAttachments lists the file attachments of every message of the
// conversation; an attachment's NoteID is its message unless that is the
// ticket message itself.
func (c *Client) ListAttachments(ctx context.Context, ticketID string) ([]platform.Attachment, error) {
	op := "list attachments of ticket " + ticketID
	_, msgs, err := c.conversation(ctx, op, ticketID)
	if err != nil {
		return nil, err
	}
	var out []platform.Attachment
	for _, m := range msgs {
		if !m.HasAttachments {
			continue
		}
		atts, err := listAll[attachment](ctx, c, op, c.messagePath(m.ID, "/attachments?$select=id,name,contentType,size,isInline"))
		if err != nil {
			return nil, err
		}
		for _, a := range atts {
			if a.ODataType != "" && a.ODataType != fileAttachmentType {
				continue // item and reference attachments are not files
			}
			out = append(out, toAttachment(ticketID, m.ID, a))
		}
	}
	return out, nil
}

func toAttachment(ticketID, messageID string, a attachment) platform.Attachment {
	p := platform.Attachment{
		ID: messageID + attachmentSep + a.ID, TicketID: ticketID, Name: a.Name,
		ContentType: a.ContentType, Size: a.Size, Public: true,
	}
	if messageID != ticketID {
		p.NoteID = messageID
	}
	return p
}

// GetAttachment downloads one file. A bare Graph attachment id is taken to
// belong to the ticket message.
func (c *Client) GetAttachment(ctx context.Context, ticketID, attachmentID string) (platform.Attachment, error) {
	op := "get attachment " + attachmentID
	msgID, attID, ok := strings.Cut(attachmentID, attachmentSep)
	if !ok {
		msgID, attID = ticketID, attachmentID
	}
	var a attachment
	if err := c.getJSON(ctx, op, c.messagePath(msgID, "/attachments/"+url.PathEscape(attID)), &a); err != nil {
		return platform.Attachment{}, err
	}
	if a.ODataType != "" && a.ODataType != fileAttachmentType {
		return platform.Attachment{}, newError(platform.ReasonInvalid, 0, op+": not a file attachment (an attached mail item or a cloud link)", nil)
	}
	data, err := base64.StdEncoding.DecodeString(a.ContentBytes)
	if err != nil {
		return platform.Attachment{}, newError(platform.ReasonServer, 0, op+": Microsoft Graph returned undecodable content", err)
	}
	p := toAttachment(ticketID, msgID, a)
	p.Data = data
	p.Size = int64(len(data))
	return p, nil
}

// AddAttachment mails the file to the requester as a reply: attachments can
// only be added to drafts, and a file on a ticket should reach its requester.
func (c *Client) AddAttachment(ctx context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	op := "add attachment to ticket " + ticketID
	switch {
	case len(a.Data) == 0:
		return platform.Attachment{}, newError(platform.ReasonInvalid, 0, op+": the file is empty", nil)
	case len(a.Data) > MaxAttachmentSize:
		return platform.Attachment{}, newError(platform.ReasonInvalid, 0, fmt.Sprintf("%s: %q is %d bytes; Microsoft 365 mail accepts attachments up to 150 MB", op, a.Name, len(a.Data)), platform.ErrFileRefused)
	case strings.TrimSpace(a.Name) == "":
		return platform.Attachment{}, newError(platform.ReasonInvalid, 0, op+": the file has no name", nil)
	}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	draft, err := c.replyDraft(ctx, op, ticketID, "Attached: "+a.Name, "")
	if err != nil {
		return platform.Attachment{}, err
	}
	var attID string
	if len(a.Data) < maxInlineAttachment {
		attID, err = c.attachInline(ctx, op, draft.ID, a)
	} else {
		attID, err = c.attachLarge(ctx, op, draft.ID, a)
	}
	if err != nil {
		return platform.Attachment{}, err
	}
	if err := c.sendDraft(ctx, op, draft.ID); err != nil {
		return platform.Attachment{}, err
	}
	return platform.Attachment{
		ID: draft.ID + attachmentSep + attID, TicketID: ticketID, NoteID: draft.ID,
		Name: a.Name, ContentType: a.ContentType, Size: int64(len(a.Data)), Public: true,
	}, nil
}

func (c *Client) attachInline(ctx context.Context, op, draftID string, a platform.Attachment) (string, error) {
	in := attachment{
		ODataType: fileAttachmentType, Name: a.Name, ContentType: a.ContentType,
		ContentBytes: base64.StdEncoding.EncodeToString(a.Data),
	}
	var out attachment
	if err := c.callJSON(ctx, op, http.MethodPost, c.messagePath(draftID, "/attachments"), in, &out); err != nil {
		return "", err
	}
	return out.ID, nil
}

type uploadSession struct {
	UploadURL string `json:"uploadUrl"`
}

// locationID reads the attachment id from the Location header of the last
// upload answer: .../Attachments('<id>').
// Compiled on first use rather than at package init, where every function
// binary would pay for it at cold start (BENCHMARKS.md, "Function binaries").
var locationID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`(?i)attachments\('([^']+)'\)`) })

// attachLarge uploads through an upload session. The upload URL is
// pre-authorised: sending the bearer token to it is refused (and would leak
// the token to another host), so the chunks go out without it.
func (c *Client) attachLarge(ctx context.Context, op, draftID string, a platform.Attachment) (string, error) {
	in := map[string]any{"AttachmentItem": map[string]any{
		"attachmentType": "file", "name": a.Name, "size": len(a.Data), "contentType": a.ContentType,
	}}
	var s uploadSession
	if err := c.callJSON(ctx, op, http.MethodPost, c.messagePath(draftID, "/attachments/createUploadSession"), in, &s); err != nil {
		return "", err
	}
	total := len(a.Data)
	for start := 0; start < total; start += uploadChunk {
		end := min(start+uploadChunk, total)
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, s.UploadURL, bytes.NewReader(a.Data[start:end]))
		if err != nil {
			return "", newError(platform.ReasonServer, 0, op+": Microsoft Graph returned an invalid upload URL", err)
		}
		req.Header.Set("Content-Type", "application/octet-stream")
		req.Header.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end-1, total))
		resp, err := c.http.Do(req)
		if err != nil {
			return "", transportError(op, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return "", apiError(op, resp, body)
		}
		if end == total {
			if m := locationID().FindStringSubmatch(resp.Header.Get("Location")); m != nil {
				return m[1], nil
			}
			return "", newError(platform.ReasonServer, resp.StatusCode, op+": upload finished without naming the attachment", nil)
		}
	}
	return "", newError(platform.ReasonServer, 0, op+": upload did not finish", nil)
}

// TicketsCarryFiles: a mail arrives with its attachments and inline
// images, so they cross with the ticket it becomes.
func (c *Client) TicketsCarryFiles() bool { return true }
