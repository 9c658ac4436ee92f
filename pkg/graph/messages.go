package graph

import (
	"strings"
	"time"
)

// message is the subset of Graph's message resource Tandem reads.
type message struct {
	ID                   string     `json:"id"`
	Subject              string     `json:"subject"`
	Body                 itemBody   `json:"body"`
	Categories           []string   `json:"categories"`
	Importance           string     `json:"importance"`
	Flag                 flag       `json:"flag"`
	ConversationID       string     `json:"conversationId"`
	InternetMessageID    string     `json:"internetMessageId"`
	From                 *recipient `json:"from"`
	IsDraft              bool       `json:"isDraft"`
	HasAttachments       bool       `json:"hasAttachments"`
	ReceivedDateTime     time.Time  `json:"receivedDateTime"`
	LastModifiedDateTime time.Time  `json:"lastModifiedDateTime"`
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
const messageSelect = "$select=id,subject,body,categories,importance,flag,conversationId,internetMessageId,from,isDraft,hasAttachments,receivedDateTime,lastModifiedDateTime"

func (m message) sender() string {
	if m.From == nil {
		return ""
	}
	return strings.ToLower(m.From.EmailAddress.Address)
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
