package graph

import (
	"strings"
	"time"
)

// message is the subset of Graph's message resource Tandem reads.
type message struct {
	ID                string      `json:"id"`
	Subject           string      `json:"subject"`
	Body              itemBody    `json:"body"`
	Categories        []string    `json:"categories"`
	Importance        string      `json:"importance"`
	Flag              flag        `json:"flag"`
	ConversationID    string      `json:"conversationId"`
	InternetMessageID string      `json:"internetMessageId"`
	From              *recipient  `json:"from"`
	ToRecipients      []recipient `json:"toRecipients"`
	CcRecipients      []recipient `json:"ccRecipients"`
	// Headers and Extended are only read when screening a mail.
	Headers              []header           `json:"internetMessageHeaders"`
	Extended             []extendedProperty `json:"singleValueExtendedProperties"`
	IsDraft              bool               `json:"isDraft"`
	HasAttachments       bool               `json:"hasAttachments"`
	ReceivedDateTime     time.Time          `json:"receivedDateTime"`
	LastModifiedDateTime time.Time          `json:"lastModifiedDateTime"`
}

type itemBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

type flag struct {
	FlagStatus string `json:"flagStatus"`
}

type recipient struct {
	EmailAddress emailAddress `json:"emailAddress"`
}

type emailAddress struct {
	Address string `json:"address"`
	Name    string `json:"name,omitempty"`
}

// messageSelect keeps responses small; Graph returns every property
// (including the full body of every message in a list) without $select.
const messageSelect = "$select=id,subject,body,categories,importance,flag,conversationId,internetMessageId,from,toRecipients,ccRecipients,isDraft,hasAttachments,receivedDateTime,lastModifiedDateTime"

type header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func (m message) sender() string {
	if m.From == nil {
		return ""
	}
	return strings.ToLower(m.From.EmailAddress.Address)
}

// text is the body as plain text: Graph answers HTML for most mail
// (Tandem asks for it, to convert it itself, see HTMLToText).
func (m message) text() string {
	if strings.EqualFold(m.Body.ContentType, "html") {
		return HTMLToText(m.Body.Content)
	}
	return m.Body.Content
}

// recipients are the To and Cc addresses, lower case.
func (m message) recipients() []string {
	var out []string
	for _, r := range append(append([]recipient{}, m.ToRecipients...), m.CcRecipients...) {
		if a := strings.ToLower(strings.TrimSpace(r.EmailAddress.Address)); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// Importance values are Graph's; the picklist offers exactly these.
var importances = []string{"low", "normal", "high"}

func normaliseImportance(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, v := range importances {
		if s == v {
			return v, true
		}
	}
	return "", false
}
