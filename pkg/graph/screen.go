package graph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
)

// SkippedCategory marks a mail Tandem left out as noise: later reads of
// its conversation leave it out too, and a person reading the mailbox sees
// why it became no ticket or note.
const SkippedCategory = "Tandem: not synced"

// messageClassID is PidTagMessageClass (0x001A, [MS-OXPROPS]) as a Graph
// extended property; expanding it is how Graph shows a message's class.
const messageClassID = "String 0x001A"

// screenQuery reads what screening needs: the headers (Graph returns them
// only when selected, message-get.md) and the message class.
var screenQuery = "$select=" + strings.TrimPrefix(messageSelect, "$select=") + ",internetMessageHeaders" +
	"&$expand=" + url.QueryEscape("singleValueExtendedProperties($filter=id eq '"+messageClassID+"')")

func (m message) class() string {
	for _, p := range m.Extended {
		if strings.EqualFold(p.ID, messageClassID) || strings.EqualFold(p.ID, "String 0x1a") {
			return p.Value
		}
	}
	return ""
}

func (m message) header(name string) string {
	for _, h := range m.Headers {
		if strings.EqualFold(h.Name, name) {
			return strings.TrimSpace(h.Value)
		}
	}
	return ""
}

// noise says why a received mail must never become a ticket or note, or
// "" for a mail a person wrote:
//   - mail from the support mailbox itself: Tandem's own replies and the
//     mailbox's copies of them, and agents answering from Outlook;
//   - automatic replies: Auto-Submitted other than "no" (RFC 3834 §5),
//     X-Auto-Response-Suppress (set by Exchange on automatic replies and
//     other machine mail, [MS-OXCMAIL] 2.2.3.2.20), and Outlook's automatic
//     reply classes IPM.Note.Rules.OofTemplate.Microsoft and
//     IPM.Note.Rules.ReplyTemplate.Microsoft ([MS-OXOMSG] 2.2.1.1);
//   - bounces: non-delivery reports, class REPORT.IPM.Note.NDR, or a
//     multipart/report delivery-status message (RFC 3464), or mail from
//     MAILER-DAEMON or postmaster.
func (c *Client) noise(m message) string {
	from := m.sender()
	class := strings.ToLower(m.class())
	local, _, _ := strings.Cut(from, "@")
	switch {
	case from == c.creds.Mailbox:
		return "sent by the support mailbox itself"
	case strings.HasPrefix(class, "report.") && strings.Contains(class, ".ndr"),
		strings.Contains(strings.ToLower(m.header("Content-Type")), "report-type=delivery-status"),
		local == "mailer-daemon" || local == "postmaster":
		return "bounce (non-delivery report)"
	case strings.HasPrefix(class, "ipm.note.rules.ooftemplate") || strings.HasPrefix(class, "ipm.note.rules.replytemplate"):
		return "automatic reply (Outlook message class " + m.class() + ")"
	}
	if v := m.header("Auto-Submitted"); v != "" && !strings.EqualFold(v, "no") {
		return "automatic reply (Auto-Submitted: " + v + ")"
	}
	if v := m.header("X-Auto-Response-Suppress"); v != "" {
		return "automatic reply (X-Auto-Response-Suppress: " + v + ")"
	}
	return ""
}

// Screen reads a notified mail and decides whether it may become a ticket
// or a note. It returns what the mail is and, for noise, why it is left
// out; a mail left out is marked with SkippedCategory. A mail to sync gets
// its category and service type as Outlook categories, for the people
// working in the mailbox.
func (c *Client) Screen(ctx context.Context, messageID string) (what, skip string, err error) {
	op := "screen mail " + messageID
	var m message
	if err := c.getJSON(ctx, op, c.messagePath(messageID, "?"+screenQuery), &m); err != nil {
		return "", "", err
	}
	what = fmt.Sprintf("mail %q from %s", m.Subject, m.sender())
	skip = c.noise(m)
	if skip == "" {
		n, err := c.sentBefore(ctx, op, m)
		if err != nil {
			return "", "", err
		}
		if limit := c.creds.Desk.senderLimit(); n > limit {
			skip = fmt.Sprintf("the sender sent more than %d mails within an hour (the per-sender limit)", limit)
		}
	}
	cats := slices.Clone(m.Categories)
	if skip != "" {
		if !slices.Contains(cats, SkippedCategory) {
			cats = append(cats, SkippedCategory)
		}
	} else {
		cat, typ := c.creds.Desk.Classify(m.sender(), m.recipients(), m.Subject)
		for _, v := range []string{cat, typ} {
			if v != "" && !slices.Contains(cats, v) {
				cats = append(cats, v)
			}
		}
	}
	if len(cats) != len(m.Categories) && m.sender() != c.creds.Mailbox {
		if err := c.callJSON(ctx, op, http.MethodPatch, c.messagePath(messageID, ""), map[string]any{"categories": cats}, nil); err != nil {
			return "", "", err
		}
	}
	return what, skip, nil
}

// sentBefore counts the sender's mails in the inbox in the hour up to and
// including m: the same count whenever m is screened, so a redelivered
// notification decides the same way.
func (c *Client) sentBefore(ctx context.Context, op string, m message) (int, error) {
	at := m.ReceivedDateTime.UTC()
	filter := fmt.Sprintf("from/emailAddress/address eq '%s' and receivedDateTime ge %s and receivedDateTime le %s",
		strings.ReplaceAll(m.sender(), "'", "''"), at.Add(-time.Hour).Format(time.RFC3339), at.Format(time.RFC3339))
	limit := c.creds.Desk.senderLimit()
	q := url.Values{"$filter": {filter}, "$select": {"id"}, "$top": {fmt.Sprint(limit + 1)}}
	var p page[message]
	if err := c.getJSON(ctx, op, c.userPath("/mailFolders/inbox/messages?"+q.Encode()), &p); err != nil {
		return 0, err
	}
	return len(p.Value), nil
}

// ScreenEvent is Screen for a notification: lifecycle notifications and
// other changes are not mail to screen.
func (c *Client) ScreenEvent(ctx context.Context, ev platform.Event) (what, skip string, err error) {
	if ev.Type != platform.EventMailReceived || ev.TicketID == "" {
		return "", "", nil
	}
	return c.Screen(ctx, ev.TicketID)
}
