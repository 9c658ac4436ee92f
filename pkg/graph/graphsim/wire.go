package graphsim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Graph reads request bodies with OData's rules, which treat two kinds of
// name differently, and the simulator follows both deliberately (Go's
// encoding/json alone would match every name case-insensitively):
//
//   - The parameters of an action (sendMail's message and saveToSentItems,
//     reply's comment and message, createUploadSession's attachmentItem)
//     match in any case. The API reference writes them in lower camel case
//     (user-sendmail.md, message-reply.md, attachment-createuploadsession.md)
//     while Microsoft's SDKs, generated from Graph's CSDL, send them as the
//     metadata declares them, in Pascal case ("Message", "SaveToSentItems",
//     "AttachmentItem": msgraph-sdk-go v1.89.0,
//     users/item_send_mail_post_request_body.go), and Graph accepts both.
//   - The properties of an entity (a message, an attachment) must be named
//     exactly as the type declares them. Anything else is an unknown
//     property, which Graph refuses with 400 RequestBodyRead "The property
//     '…' does not exist on type 'microsoft.graph.message'. Make sure to only
//     use property names that are defined by the type or mark the type as
//     open type." (OData JSON format §4.5; the error text as Graph returns it).
//
// Instance annotations and bindings ("@odata.type", "x@odata.bind") are not
// properties and pass.

// messageProperties are the declared properties of microsoft.graph.message,
// with those it inherits from outlookItem and entity (v1.0 metadata, as
// msgraph-sdk-go v1.89.0 models/message.go, outlook_item.go and entity.go
// serialise them).
var messageProperties = propertySet("id categories changeKey createdDateTime lastModifiedDateTime " +
	"attachments bccRecipients body bodyPreview ccRecipients conversationId conversationIndex extensions flag " +
	"from hasAttachments importance inferenceClassification internetMessageHeaders internetMessageId " +
	"isDeliveryReceiptRequested isDraft isRead isReadReceiptRequested multiValueExtendedProperties parentFolderId " +
	"receivedDateTime replyTo sender sentDateTime singleValueExtendedProperties subject toRecipients uniqueBody webLink")

// fileAttachmentProperties are microsoft.graph.fileAttachment's, with
// attachment's and entity's (models/file_attachment.go, attachment.go).
var fileAttachmentProperties = propertySet("id contentType isInline lastModifiedDateTime name size " +
	"contentBytes contentId contentLocation")

func propertySet(names string) map[string]bool {
	set := map[string]bool{}
	for _, n := range strings.Fields(names) {
		set[n] = true
	}
	return set
}

// propertyError is an entity property name the type does not declare.
type propertyError struct{ name, typ string }

func (e *propertyError) Error() string {
	return fmt.Sprintf("The property '%s' does not exist on type '%s'. Make sure to only use property names that are defined by the type or mark the type as open type.", e.name, e.typ)
}

// checkProperties refuses a JSON object naming a property outside declared,
// matching names exactly.
func checkProperties(data []byte, typ string, declared map[string]bool) error {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return err
	}
	for k := range obj {
		if !declared[k] && !strings.Contains(k, "@") {
			return &propertyError{name: k, typ: typ}
		}
	}
	return nil
}

func (in *messageIn) UnmarshalJSON(data []byte) error {
	if err := checkProperties(data, "microsoft.graph.message", messageProperties); err != nil {
		return err
	}
	type plain messageIn
	return json.Unmarshal(data, (*plain)(in))
}

// attachmentIn is a file attachment in a request: POST .../attachments, or
// inside a message given to create, sendMail, reply or createReply
// (user-sendmail.md example 2 "send a message with a file attachment").
type attachmentIn struct {
	ODataType    string `json:"@odata.type"`
	Name         string `json:"name"`
	ContentType  string `json:"contentType"`
	ContentBytes string `json:"contentBytes"`
	IsInline     bool   `json:"isInline"`
}

func (in *attachmentIn) UnmarshalJSON(data []byte) error {
	if err := checkProperties(data, "microsoft.graph.fileAttachment", fileAttachmentProperties); err != nil {
		return err
	}
	type plain attachmentIn
	return json.Unmarshal(data, (*plain)(in))
}

// attachment checks in as Graph does for an inline (under 3 MB) file
// attachment and gives it an id; the caller holds s.mu.
func (s *Server) attachment(w http.ResponseWriter, in attachmentIn) (Attachment, bool) {
	if in.ODataType != "#microsoft.graph.fileAttachment" {
		writeError(w, http.StatusBadRequest, "ErrorInvalidRequest", "Only #microsoft.graph.fileAttachment is simulated.")
		return Attachment{}, false
	}
	data, err := base64.StdEncoding.DecodeString(in.ContentBytes)
	if err != nil {
		writeError(w, http.StatusBadRequest, "RequestBodyRead", "Cannot convert the literal to the expected type 'Edm.Binary'.")
		return Attachment{}, false
	}
	if len(data) >= maxInline {
		writeError(w, http.StatusRequestEntityTooLarge, "ErrorRequestEntityTooLarge", "The attachment is too large: use an upload session for files of 3 MB or more.")
		return Attachment{}, false
	}
	return Attachment{ID: s.itemID("AAMkAG"), Name: in.Name, ContentType: in.ContentType, Data: data, IsInline: in.IsInline}, true
}

// addAttachments puts a message body's attachments on m; the caller holds
// s.mu.
func (s *Server) addAttachments(w http.ResponseWriter, m *Message, in []attachmentIn) bool {
	for _, ai := range in {
		a, ok := s.attachment(w, ai)
		if !ok {
			return false
		}
		m.Attachments = append(m.Attachments, a)
	}
	return true
}
