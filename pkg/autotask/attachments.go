package autotask

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/tandemsync/tandem/pkg/egress"
	"github.com/tandemsync/tandem/pkg/platform"
)

// MaxAttachmentSize is the largest file Tandem sends: "The API size limit
// for individual attachment files is 6 to 7 MB, with a maximum of
// 10,000,000 bytes within a five-minute period" (Autotask developer help,
// AttachmentInfo (REST API), ww1.autotask.net/help/DeveloperHelp/Content/
// APIs/REST/Entities/AttachmentInfoEntity.htm), so 6 MB is accepted
// everywhere. A larger file is refused before anything is sent, with
// platform.ErrFileRefused as the cause.
const MaxAttachmentSize = 6 << 20

type attachmentWire struct {
	ID           int64       `json:"id"`
	TicketID     json.Number `json:"ticketID"`
	ParentID     json.Number `json:"parentID"`
	TicketNoteID json.Number `json:"ticketNoteID"`
	Title        string      `json:"title"`
	FullPath     string      `json:"fullPath"`
	ContentType  string      `json:"contentType"`
	FileSize     int64       `json:"fileSize"`
	Publish      json.Number `json:"publish"`
	Data         []byte      `json:"data"`
}

func (w attachmentWire) toPlatform(ticketID string) platform.Attachment {
	name := w.FullPath
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		name = w.Title
	}
	a := platform.Attachment{
		ID:          strconv.FormatInt(w.ID, 10),
		TicketID:    ticketID,
		NoteID:      w.TicketNoteID.String(),
		Name:        name,
		ContentType: w.ContentType,
		Size:        w.FileSize,
		Public:      w.Publish.String() == strconv.Itoa(publishAll),
		Data:        w.Data,
	}
	if a.Size == 0 {
		a.Size = int64(len(w.Data))
	}
	return a
}

// ListAttachments reads the ticket's attachment child collection. File data
// is not kept: GetAttachment downloads one file.
func (c *Client) ListAttachments(ctx context.Context, ticketID string) ([]platform.Attachment, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return nil, err
	}
	var out []platform.Attachment
	path := "Tickets/" + strconv.FormatInt(tid, 10) + "/Attachments"
	err = c.walk(ctx, http.MethodGet, path, nil, func(raw json.RawMessage) error {
		var w attachmentWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return err
		}
		a := w.toPlatform(ticketID)
		a.Data = nil
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list attachments of ticket %s: %w", ticketID, err)
	}
	return out, nil
}

// GetAttachment downloads one attachment with its data. Autotask answers a
// child item with {"items":[...]}; {"item":{...}} is accepted as well.
func (c *Client) GetAttachment(ctx context.Context, ticketID, attachmentID string) (platform.Attachment, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return platform.Attachment{}, err
	}
	aid, err := c.parseID("attachment", attachmentID)
	if err != nil {
		return platform.Attachment{}, err
	}
	var out struct {
		Item  *attachmentWire  `json:"item"`
		Items []attachmentWire `json:"items"`
	}
	p := "Tickets/" + strconv.FormatInt(tid, 10) + "/Attachments/" + strconv.FormatInt(aid, 10)
	if err := c.call(ctx, http.MethodGet, p, nil, &out); err != nil {
		return platform.Attachment{}, fmt.Errorf("get attachment %s of ticket %s: %w", attachmentID, ticketID, err)
	}
	switch {
	case out.Item != nil:
		return out.Item.toPlatform(ticketID), nil
	case len(out.Items) > 0:
		return out.Items[0].toPlatform(ticketID), nil
	}
	return platform.Attachment{}, c.newError(platform.ReasonNotFound, http.StatusOK, fmt.Sprintf("Autotask has no attachment %s on ticket %s.", attachmentID, ticketID), nil)
}

// AddAttachment uploads a file to the ticket (base64 in the JSON body).
// Files over MaxAttachmentSize are refused before anything is sent.
func (c *Client) AddAttachment(ctx context.Context, ticketID string, a platform.Attachment) (platform.Attachment, error) {
	tid, err := c.parseID("ticket", ticketID)
	if err != nil {
		return platform.Attachment{}, err
	}
	if len(a.Data) == 0 {
		return platform.Attachment{}, c.newError(platform.ReasonInvalid, 0, "the attachment has no data", nil)
	}
	if len(a.Data) > MaxAttachmentSize {
		return platform.Attachment{}, c.newError(platform.ReasonInvalid, 0,
			fmt.Sprintf("%s is %.1f MB; the Autotask API accepts files of at most 6 MB", a.Name, float64(len(a.Data))/(1<<20)), platform.ErrFileRefused)
	}
	name := path.Base(strings.ReplaceAll(a.Name, `\`, "/"))
	if name == "" || name == "." || name == "/" {
		name = "attachment"
	}
	publish := publishInternal
	if a.Public {
		publish = publishAll
	}
	body := map[string]any{
		"attachmentType": "FILE_ATTACHMENT",
		"fullPath":       name,
		"title":          clip(name, 255),
		"publish":        publish,
		"data":           a.Data, // encoding/json writes []byte as base64
	}
	if a.ContentType != "" {
		body["contentType"] = a.ContentType
	}
	var res struct {
		ItemID int64 `json:"itemId"`
	}
	if err := c.call(egress.NotIdempotent(ctx), http.MethodPost, "Tickets/"+strconv.FormatInt(tid, 10)+"/Attachments", body, &res); err != nil {
		return platform.Attachment{}, fmt.Errorf("add attachment to ticket %s: %w", ticketID, err)
	}
	out := a
	out.ID = strconv.FormatInt(res.ItemID, 10)
	out.TicketID = ticketID
	out.Name = name
	out.Size = int64(len(a.Data))
	out.Data = nil
	return out, nil
}
