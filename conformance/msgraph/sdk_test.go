package msgraph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	abstractions "github.com/microsoft/kiota-abstractions-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	core "github.com/microsoftgraph/msgraph-sdk-go-core"
	graphauth "github.com/microsoftgraph/msgraph-sdk-go-core/authentication"
	"github.com/microsoftgraph/msgraph-sdk-go-core/fileuploader"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/subscriptions"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/tandemsync/tandem/pkg/graph/graphsim"
)

// simCredential is an azcore.TokenCredential that runs the client
// credentials grant against the simulator's token endpoint, standing in for
// azidentity.ClientSecretCredential (which insists on Entra's https
// authority and its discovery documents).
type simCredential struct {
	sim *graphsim.Server
	acc graphsim.Account
}

func (c simCredential) GetToken(ctx context.Context, _ policy.TokenRequestOptions) (azcore.AccessToken, error) {
	form := url.Values{"client_id": {c.acc.ClientID}, "client_secret": {c.acc.ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}, "grant_type": {"client_credentials"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.sim.URL+"/"+c.sim.TenantID+"/oauth2/v2.0/token", strings.NewReader(form.Encode()))
	if err != nil {
		return azcore.AccessToken{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return azcore.AccessToken{}, err
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK {
		return azcore.AccessToken{}, fmt.Errorf("token endpoint: %d %v", resp.StatusCode, err)
	}
	return azcore.AccessToken{Token: tok.AccessToken, ExpiresOn: time.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)}, nil
}

// wire records what reached the network after the SDK's middleware ran.
type wire struct {
	mu   sync.Mutex
	sent []sentRequest
}

type sentRequest struct {
	method, host, path, encoding string
	authorized                   bool
}

func (w *wire) RoundTrip(r *http.Request) (*http.Response, error) {
	w.mu.Lock()
	w.sent = append(w.sent, sentRequest{r.Method, r.URL.Hostname(), r.URL.Path, r.Header.Get("Content-Encoding"), r.Header.Get("Authorization") != ""})
	w.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (w *wire) requests() []sentRequest {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]sentRequest(nil), w.sent...)
}

// newClient builds the SDK's client the way its README does, with its stock
// middleware; the one change is allowing the simulator's loopback host name
// (the stock list names graph.microsoft.com and the national clouds). The
// wire transport only observes, below the middleware.
func newClient(t *testing.T, sim *graphsim.Server) (*msgraphsdk.GraphServiceClient, *wire) {
	t.Helper()
	base, err := url.Parse(sim.GraphURL)
	if err != nil {
		t.Fatal(err)
	}
	auth, err := graphauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(simCredential{sim, sim.Integration},
		[]string{"https://graph.microsoft.com/.default"}, []string{base.Hostname()})
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{}
	opts := msgraphsdk.GetDefaultClientOptions()
	hc := &http.Client{Transport: khttp.NewCustomTransportWithParentTransport(w, core.GetDefaultMiddlewaresWithOptions(&opts)...)}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		t.Fatal(err)
	}
	adapter.SetBaseUrl(sim.GraphURL)
	return msgraphsdk.NewGraphServiceClient(adapter), w
}

func ptr[T any](v T) *T { return &v }

func recipient(addr string) models.Recipientable {
	e := models.NewEmailAddress()
	e.SetAddress(ptr(addr))
	r := models.NewRecipient()
	r.SetEmailAddress(e)
	return r
}

func textBody(s string) models.ItemBodyable {
	b := models.NewItemBody()
	ct := models.TEXT_BODYTYPE
	b.SetContentType(&ct)
	b.SetContent(ptr(s))
	return b
}

// receiver answers Graph's validation handshake and takes notifications.
func receiver(t *testing.T) (string, *int) {
	t.Helper()
	var mu sync.Mutex
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok := r.URL.Query().Get("validationToken"); tok != "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, tok)
			return
		}
		mu.Lock()
		n++
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/graph", &n
}

// The support mailbox's calls, made by Microsoft's SDK against the
// simulator: each step's result is checked against the simulator's state,
// and the wire against Graph's rules (gzip bodies accepted, no token sent to
// the pre-authenticated upload host).
func TestMailboxThroughMicrosoftSDK(t *testing.T) {
	ctx := context.Background()
	sim := graphsim.New(t)
	client, w := newClient(t, sim)
	box := client.Users().ByUserId(sim.Integration.Mailbox)
	mailbox := sim.Integration.Mailbox

	// List the inbox.
	page, err := box.MailFolders().ByMailFolderId("inbox").Messages().Get(ctx, nil)
	if err != nil {
		t.Fatalf("list inbox: %v", err)
	}
	if len(page.GetValue()) != 1 || *page.GetValue()[0].GetSubject() != "Printer on floor 3 jams on every job" {
		t.Fatalf("inbox: %d messages", len(page.GetValue()))
	}
	orig := *page.GetValue()[0].GetId()

	// Get it with immutable ids.
	headers := abstractions.NewRequestHeaders()
	headers.Add("Prefer", `IdType="ImmutableId"`)
	msg, err := box.Messages().ByMessageId(orig).Get(ctx, &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{Headers: headers})
	if err != nil {
		t.Fatalf("get message: %v", err)
	}
	if *msg.GetId() != orig || *msg.GetFrom().GetEmailAddress().GetAddress() != "alex@contoso.example" || msg.GetConversationId() == nil {
		t.Fatalf("get message: id %s from %s", *msg.GetId(), *msg.GetFrom().GetEmailAddress().GetAddress())
	}

	// Reply.
	reply := users.NewItemMessagesItemReplyPostRequestBody()
	reply.SetComment(ptr("We are on it."))
	if err := box.Messages().ByMessageId(orig).Reply().Post(ctx, reply, nil); err != nil {
		t.Fatalf("reply: %v", err)
	}
	replied := false
	for _, m := range sim.Conversation(orig) {
		replied = replied || (m.Mailbox == mailbox && m.Folder == "sentitems" && strings.HasPrefix(m.Body, "We are on it."))
	}
	if !replied {
		t.Fatal("the reply is not in Sent Items")
	}

	// createReply, PATCH the draft, send it.
	draft, err := box.Messages().ByMessageId(orig).CreateReply().Post(ctx, users.NewItemMessagesItemCreateReplyPostRequestBody(), nil)
	if err != nil {
		t.Fatalf("createReply: %v", err)
	}
	patch := models.NewMessage()
	patch.SetBody(textBody("Technician booked for 3pm."))
	if _, err := box.Messages().ByMessageId(*draft.GetId()).Patch(ctx, patch, nil); err != nil {
		t.Fatalf("patch draft: %v", err)
	}
	if err := box.Messages().ByMessageId(*draft.GetId()).Send().Post(ctx, nil); err != nil {
		t.Fatalf("send draft: %v", err)
	}
	if m, ok := sim.Message(*draft.GetId()); !ok || m.IsDraft || m.Body != "Technician booked for 3pm." {
		t.Fatalf("sent draft: %+v", m)
	}

	// Patch categories.
	cat := models.NewMessage()
	cat.SetCategories([]string{"In Progress"})
	if _, err := box.Messages().ByMessageId(orig).Patch(ctx, cat, nil); err != nil {
		t.Fatalf("patch categories: %v", err)
	}
	if m, _ := sim.Message(orig); len(m.Categories) != 1 || m.Categories[0] != "In Progress" {
		t.Fatalf("categories: %v", m.Categories)
	}

	// sendMail with a small attachment, delivered to alex@.
	att := models.NewFileAttachment()
	att.SetOdataType(ptr("#microsoft.graph.fileAttachment"))
	att.SetName(ptr("notes.txt"))
	att.SetContentType(ptr("text/plain"))
	att.SetContentBytes([]byte("floor 3 printer: fuser replaced"))
	out := models.NewMessage()
	out.SetSubject(ptr("Job sheet"))
	out.SetBody(textBody("Attached."))
	out.SetToRecipients([]models.Recipientable{recipient("alex@contoso.example")})
	out.SetAttachments([]models.Attachmentable{att})
	sm := users.NewItemSendMailPostRequestBody()
	sm.SetMessage(out)
	sm.SetSaveToSentItems(ptr(true))
	if err := box.SendMail().Post(ctx, sm, nil); err != nil {
		t.Fatalf("sendMail: %v", err)
	}
	var delivered *graphsim.Message
	for _, m := range sim.Messages("alex@contoso.example") {
		if m.Subject == "Job sheet" && m.Folder == "inbox" {
			delivered = &m
		}
	}
	if delivered == nil || len(delivered.Attachments) != 1 || string(delivered.Attachments[0].Data) != "floor 3 printer: fuser replaced" {
		t.Fatalf("sendMail delivered %+v", delivered)
	}

	// A large attachment through an upload session, on a new draft.
	nd := models.NewMessage()
	nd.SetSubject(ptr("Logs"))
	nd.SetToRecipients([]models.Recipientable{recipient("alex@contoso.example")})
	big, err := box.Messages().Post(ctx, nd, nil)
	if err != nil {
		t.Fatalf("create draft: %v", err)
	}
	item := models.NewAttachmentItem()
	ft := models.FILE_ATTACHMENTTYPE
	item.SetAttachmentType(&ft)
	item.SetName(ptr("logs.bin"))
	data := bytes.Repeat([]byte("0123456789abcdef"), (5<<20)/16)
	item.SetSize(ptr(int64(len(data))))
	cus := users.NewItemMessagesItemAttachmentsCreateUploadSessionPostRequestBody()
	cus.SetAttachmentItem(item)
	session, err := box.Messages().ByMessageId(*big.GetId()).Attachments().CreateUploadSession().Post(ctx, cus, nil)
	if err != nil {
		t.Fatalf("createUploadSession: %v", err)
	}
	file := filepath.Join(t.TempDir(), "logs.bin")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	task := fileuploader.NewLargeFileUploadTask[models.FileAttachmentable](client.GetAdapter(), session, f, 10*320<<10,
		models.CreateFileAttachmentFromDiscriminatorValue, nil)
	if res := task.Upload(func(int64, int64) {}); !res.GetUploadSucceeded() {
		t.Fatalf("upload session did not succeed")
	}

	// List the draft's attachments, get one, and its raw bytes.
	list, err := box.Messages().ByMessageId(*big.GetId()).Attachments().Get(ctx, nil)
	if err != nil || len(list.GetValue()) != 1 {
		t.Fatalf("list attachments: %v", err)
	}
	aid := *list.GetValue()[0].GetId()
	got, err := box.Messages().ByMessageId(*big.GetId()).Attachments().ByAttachmentId(aid).Get(ctx, nil)
	if err != nil {
		t.Fatalf("get attachment: %v", err)
	}
	fa, ok := got.(models.FileAttachmentable)
	if !ok || !bytes.Equal(fa.GetContentBytes(), data) || *fa.GetName() != "logs.bin" {
		t.Fatalf("get attachment: %T", got)
	}
	// The SDK has no builder for .../$value on message attachments; its
	// request adapter sends the documented URL.
	ri := abstractions.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abstractions.GET,
		"{+baseurl}/users/{user}/messages/{message}/attachments/{attachment}/$value",
		map[string]string{"baseurl": sim.GraphURL, "user": mailbox, "message": *big.GetId(), "attachment": aid})
	raw, err := client.GetAdapter().SendPrimitive(ctx, ri, "[]byte", nil)
	if err != nil {
		t.Fatalf("$value: %v", err)
	}
	if b, _ := raw.([]byte); !bytes.Equal(b, data) {
		t.Fatalf("$value: %d bytes, want %d", len(b), len(data))
	}

	// Subscription: create (the simulator does the handshake), renew, delete.
	hook, _ := receiver(t)
	sub := models.NewSubscription()
	sub.SetChangeType(ptr("created,updated"))
	sub.SetNotificationUrl(ptr(hook))
	sub.SetLifecycleNotificationUrl(ptr(hook))
	sub.SetResource(ptr("users/" + mailbox + "/mailFolders('inbox')/messages"))
	sub.SetExpirationDateTime(ptr(time.Now().Add(time.Hour)))
	sub.SetClientState(ptr("tandem-state"))
	created, err := client.Subscriptions().Post(ctx, sub, nil)
	if err != nil {
		t.Fatalf("create subscription: %v", err)
	}
	renew := models.NewSubscription()
	later := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	renew.SetExpirationDateTime(&later)
	renewed, err := client.Subscriptions().BySubscriptionId(*created.GetId()).Patch(ctx, renew, nil)
	if err != nil || !renewed.GetExpirationDateTime().Equal(later) {
		t.Fatalf("renew subscription: %v", err)
	}
	if err := client.Subscriptions().BySubscriptionId(*created.GetId()).Delete(ctx, nil); err != nil {
		t.Fatalf("delete subscription: %v", err)
	}
	if _, err := client.Subscriptions().BySubscriptionId(*created.GetId()).Get(ctx, &subscriptions.SubscriptionItemRequestBuilderGetRequestConfiguration{}); err == nil {
		t.Fatal("deleted subscription still readable")
	}

	// The wire: every write with a body went gzipped to Graph (the SDK's
	// default), and the upload host got byte ranges without a token.
	graphHost, _ := url.Parse(sim.GraphURL)
	uploadHost, _ := url.Parse(sim.UploadURL)
	var gz, uploads int
	for _, r := range w.requests() {
		switch r.host {
		case graphHost.Hostname():
			if r.encoding == "gzip" {
				gz++
			}
			if !r.authorized {
				t.Errorf("%s %s went to Graph without a token", r.method, r.path)
			}
		case uploadHost.Hostname():
			uploads++
			if r.authorized {
				t.Errorf("%s %s sent a bearer token to the pre-authenticated upload host", r.method, r.path)
			}
		}
	}
	if gz < 8 || uploads < 2 {
		t.Fatalf("%d gzip bodies to Graph and %d upload requests, want every write gzipped and a chunked upload", gz, uploads)
	}
}
