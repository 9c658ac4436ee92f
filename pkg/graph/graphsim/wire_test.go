package graphsim_test

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/tandemsync/tandem/pkg/graph/graphsim"
)

// send posts body to path with the given Content-Encoding, compressing it
// with gzip when asked, and returns the status and the error code if any.
func send(t *testing.T, a *app, method, path, encoding string, body []byte) (int, string, string) {
	t.Helper()
	return sendRaw(t, a, method, path, encoding, body, encoding == "gzip")
}

func sendRaw(t *testing.T, a *app, method, path, encoding string, body []byte, compress bool) (int, string, string) {
	t.Helper()
	payload := body
	if compress {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(body); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		payload = buf.Bytes()
	}
	req, err := http.NewRequest(method, a.s.GraphURL+path, bytes.NewReader(payload))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	req.Header.Set("Content-Type", "application/json")
	if encoding != "" {
		req.Header.Set("Content-Encoding", encoding)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out.Error.Code, out.Error.Message
}

func inboxOf(sim *graphsim.Server, mailbox string) []graphsim.Message {
	var in []graphsim.Message
	for _, m := range sim.Messages(mailbox) {
		if m.Folder == "inbox" {
			in = append(in, m)
		}
	}
	return in
}

// Request bodies as Microsoft's SDK sends them (gzip, Pascal-case action
// parameters) and as the API reference writes them, and the bodies Graph
// refuses: an unknown Content-Encoding (415, which the SDK's compression
// handler falls back from), a broken gzip stream, and an entity property
// named in the wrong case.
func TestRequestBodyEncodingAndNames(t *testing.T) {
	pdf := []byte("%PDF-1.4 fake")
	mail := func(params, subjectKey string) []byte {
		b, _ := json.Marshal(map[string]any{
			params[:strings.Index(params, ",")]: map[string]any{
				subjectKey:     "Toner",
				"body":         map[string]any{"contentType": "Text", "content": "Out of toner"},
				"toRecipients": []any{map[string]any{"emailAddress": map[string]any{"address": "alex@contoso.example"}}},
				"attachments": []any{map[string]any{
					"@odata.type": "#microsoft.graph.fileAttachment", "name": "quote.pdf",
					"contentType": "application/pdf", "contentBytes": base64.StdEncoding.EncodeToString(pdf),
				}},
			},
			params[strings.Index(params, ",")+1:]: true,
		})
		return b
	}
	tests := []struct {
		name      string
		encoding  string
		body      []byte
		status    int
		code      string
		delivered bool
	}{
		{"SDK: gzip and Pascal-case parameters", "gzip", mail("Message,SaveToSentItems", "subject"), 202, "", true},
		{"reference: plain JSON, camel-case parameters", "", mail("message,saveToSentItems", "subject"), 202, "", true},
		{"identity coding", "identity", mail("message,saveToSentItems", "subject"), 202, "", true},
		{"unsupported coding", "br", mail("message,saveToSentItems", "subject"), 415, "UnsupportedMediaType", false},
		{"deflate", "deflate", mail("message,saveToSentItems", "subject"), 415, "UnsupportedMediaType", false},
		{"entity property in the wrong case", "gzip", mail("Message,SaveToSentItems", "Subject"), 400, "RequestBodyRead", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := graphsim.New(t)
			a := signIn(t, sim, sim.Integration)
			before := len(inboxOf(sim, "alex@contoso.example"))
			status, code, msg := send(t, a, "POST", "/users/"+sim.Integration.Mailbox+"/sendMail", tt.encoding, tt.body)
			if status != tt.status || code != tt.code {
				t.Fatalf("sendMail: %d %s %q, want %d %q", status, code, msg, tt.status, tt.code)
			}
			if tt.code == "RequestBodyRead" && !strings.Contains(msg, "'Subject' does not exist on type 'microsoft.graph.message'") {
				t.Errorf("message %q does not name the property and type", msg)
			}
			in := inboxOf(sim, "alex@contoso.example")
			if got := len(in) - before; (got == 1) != tt.delivered {
				t.Fatalf("%d messages delivered, want delivered=%v", got, tt.delivered)
			}
			if !tt.delivered {
				return
			}
			m := in[len(in)-1]
			if m.Subject != "Toner" || len(m.Attachments) != 1 || !bytes.Equal(m.Attachments[0].Data, pdf) || m.Attachments[0].Name != "quote.pdf" {
				t.Fatalf("delivered %q with attachments %+v, want the subject and quote.pdf", m.Subject, m.Attachments)
			}
		})
	}
	t.Run("broken gzip stream", func(t *testing.T) {
		sim := graphsim.New(t)
		a := signIn(t, sim, sim.Integration)
		status, code, _ := sendRaw(t, a, "POST", "/users/"+sim.Integration.Mailbox+"/sendMail", "gzip", []byte{0x1f, 0x8b, 0, 1, 2}, false)
		if status != 400 || code != "BadRequest" {
			t.Fatalf("broken gzip: %d %s, want 400 BadRequest", status, code)
		}
	})
}

// Attachments arrive only through the routes Graph documents for them; an
// update carrying attachments is refused rather than half applied.
func TestAttachmentRoutes(t *testing.T) {
	sim := graphsim.New(t)
	a := signIn(t, sim, sim.Integration)
	box := "/users/" + sim.Integration.Mailbox
	data := []byte("col1,col2\n1,2\n")
	resp, out := a.call("POST", box+"/messages", map[string]any{
		"subject": "With a file",
		"attachments": []any{map[string]any{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.csv",
			"contentType": "text/csv", "contentBytes": base64.StdEncoding.EncodeToString(data)}},
	})
	if resp.StatusCode != 201 {
		t.Fatalf("create draft with attachment: %d %s", resp.StatusCode, out)
	}
	var draft struct{ ID string }
	if err := json.Unmarshal(out, &draft); err != nil {
		t.Fatal(err)
	}
	resp, out = a.call("GET", box+"/messages/"+draft.ID+"/attachments", nil)
	var list struct{ Value []struct{ ID, Name string } }
	if err := json.Unmarshal(out, &list); err != nil || resp.StatusCode != 200 || len(list.Value) != 1 || list.Value[0].Name != "a.csv" {
		t.Fatalf("list attachments: %d %s", resp.StatusCode, out)
	}

	req, _ := http.NewRequest("GET", sim.GraphURL+box+"/messages/"+draft.ID+"/attachments/"+list.Value[0].ID+"/$value", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	raw, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(raw.Body)
	raw.Body.Close()
	if raw.StatusCode != 200 || raw.Header.Get("Content-Type") != "text/csv" || !bytes.Equal(got, data) {
		t.Fatalf("$value: %d %s %q", raw.StatusCode, raw.Header.Get("Content-Type"), got)
	}
	resp, _ = a.call("GET", box+"/messages/"+draft.ID+"/attachments/nope/$value", nil)
	if resp.StatusCode != 404 {
		t.Fatalf("$value of an unknown attachment: %d", resp.StatusCode)
	}

	resp, out = a.call("PATCH", box+"/messages/"+draft.ID, map[string]any{"attachments": []any{}})
	if resp.StatusCode != 400 {
		t.Fatalf("PATCH with attachments: %d %s", resp.StatusCode, out)
	}

	resp, out = a.call("GET", box+"/mailFolders/inbox/messages", nil)
	var inbox struct {
		Value []struct{ Subject string }
	}
	if err := json.Unmarshal(out, &inbox); err != nil || resp.StatusCode != 200 || len(inbox.Value) != 1 || inbox.Value[0].Subject != "Printer on floor 3 jams on every job" {
		t.Fatalf("list the inbox folder: %d %s", resp.StatusCode, out)
	}
}
