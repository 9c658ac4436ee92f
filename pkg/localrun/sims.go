package localrun

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/tandemsync/tandem/pkg/api"
	"github.com/tandemsync/tandem/pkg/app"
	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/graph/graphsim"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
	"github.com/tandemsync/tandem/pkg/zendesk"
	"github.com/tandemsync/tandem/pkg/zendesk/zendesksim"
)

// Simulators are in-process stand-ins for the four partner platforms, so a
// newcomer can save credentials, install webhooks and watch a ticket cross
// without any vendor account.
type Simulators struct {
	Autotask    *autotasksim.Server
	ConnectWise *connectwisesim.Server
	Halo        *halosim.Server
	Graph       *graphsim.Server
	Zendesk     *zendesksim.Server
}

func startSimulators() *Simulators {
	return &Simulators{
		Autotask:    autotasksim.Start(autotasksim.Options{}),
		ConnectWise: connectwisesim.NewServer(connectwisesim.Options{}),
		Halo:        halosim.New(nil, halosim.Options{}),
		Graph:       graphsim.Start(graphsim.Options{}),
		Zendesk:     zendesksim.New(nil, zendesksim.Options{}),
	}
}

// Close stops every simulator.
func (s *Simulators) Close() {
	s.Autotask.Close()
	s.ConnectWise.Close()
	s.Halo.Close()
	s.Graph.Close()
	s.Zendesk.Close()
}

// Flush waits until every webhook delivery the simulators started has been
// answered, so a test can then drain the queues without sleeping.
func (s *Simulators) Flush() {
	s.Autotask.Flush()
	s.ConnectWise.Flush()
	s.Halo.Flush()
	s.Graph.Flush()
	s.Zendesk.Flush()
}

// IntegrationCredentials are the settings fields of the integration's API
// user on the simulator of kind.
func (s *Simulators) IntegrationCredentials(kind platform.Kind) (platform.Credentials, bool) {
	switch kind {
	case platform.Autotask:
		return s.Autotask.Credentials(s.Autotask.Integration), true
	case platform.ConnectWise:
		return s.ConnectWise.Credentials(s.ConnectWise.Integration), true
	case platform.Halo:
		return s.Halo.Credentials(halosim.Integration), true
	case platform.Graph:
		return s.Graph.Credentials(s.Graph.Integration), true
	case zendesk.Kind:
		return s.Zendesk.Credentials(zendesksim.Integration), true
	}
	return nil, false
}

// serveSimulators answers, for a developer's walk-through:
//
//	GET /dev/simulators/{platform}/credentials  a body ready for PUT /v1/settings/platform
//	GET /dev/simulators/{platform}/tickets      what the simulated platform holds now
//	POST /dev/simulators/graph/mail             a mail from outside arriving in the support mailbox
func (r *Runner) serveSimulators(w http.ResponseWriter, req *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	rest := strings.TrimPrefix(req.URL.Path, "/dev/simulators/")
	name, tail, _ := strings.Cut(rest, "/")
	if rest == "graph/mail" && req.Method == http.MethodPost && r.Sims != nil {
		r.receiveMail(w, req)
		return
	}
	kind := platform.Kind(name)
	var creds platform.Credentials
	known := false
	if r.Sims != nil {
		creds, known = r.Sims.IntegrationCredentials(kind)
	}
	if !known || req.Method != http.MethodGet || (tail != "credentials" && tail != "tickets") {
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"GET /dev/simulators/{autotask|connectwise|halo|graph|zendesk}/{credentials|tickets} (make dev starts the simulators)"}}`))
		return
	}
	if tail == "tickets" {
		_ = json.NewEncoder(w).Encode(map[string]any{"platform": kind, "tickets": r.Sims.tickets(kind)})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"platform": kind, "credentials": creds})
}

// receiveMail delivers {"from","subject","text","html","cc","inReplyTo"}
// to the simulated support mailbox, as a requester's mail server would.
func (r *Runner) receiveMail(w http.ResponseWriter, req *http.Request) {
	var in struct {
		From      string   `json:"from"`
		Cc        []string `json:"cc"`
		Subject   string   `json:"subject"`
		Text      string   `json:"text"`
		HTML      string   `json:"html"`
		InReplyTo string   `json:"inReplyTo"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, req.Body, 1<<20)).Decode(&in); err != nil || in.From == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"invalid_request","message":"send {\"from\":\"dana@fabrikam.example\",\"subject\":\"…\",\"text\":\"…\"}"}}`))
		return
	}
	g := r.Sims.Graph
	m, err := g.Receive(g.Integration.Mailbox, graphsim.Mail{From: in.From, Cc: in.Cc, Subject: in.Subject, Text: in.Text, HTML: in.HTML, InReplyTo: in.InReplyTo})
	if err != nil {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "invalid_request", "message": err.Error()}})
		return
	}
	w.WriteHeader(http.StatusCreated)
	_ = json.NewEncoder(w).Encode(map[string]any{"id": m.ID, "conversationId": m.ConversationID, "mailbox": m.Mailbox})
}

func (s *Simulators) tickets(kind platform.Kind) any {
	switch kind {
	case platform.Autotask:
		return s.Autotask.Tickets()
	case platform.ConnectWise:
		return s.ConnectWise.Tickets()
	case platform.Halo:
		return s.Halo.Tickets()
	case zendesk.Kind:
		return s.Zendesk.Tickets()
	}
	return s.Graph.Messages(s.Graph.Integration.Mailbox)
}

// Count is the number of tickets on the simulator of kind.
func (s *Simulators) Count(kind platform.Kind) int {
	switch kind {
	case platform.Autotask:
		return len(s.Autotask.Tickets())
	case platform.ConnectWise:
		return len(s.ConnectWise.Tickets())
	case platform.Halo:
		return len(s.Halo.Tickets())
	case zendesk.Kind:
		return len(s.Zendesk.Tickets())
	}
	return len(s.Graph.Messages(s.Graph.Integration.Mailbox))
}

// zendeskOAuth configures the deployment's Zendesk OAuth client as the one
// the simulated account registered, with this runner's callback, so
// "Generate token" works against the simulator.
func (s *Simulators) zendeskOAuth(ctx context.Context, secrets settings.SecretStore, baseURL string) error {
	raw, err := json.Marshal(zendesk.App{ClientID: zendesksim.Tandem.ID, ClientSecret: zendesksim.Tandem.Secret, RedirectURL: baseURL + api.ZendeskCallbackPath})
	if err != nil {
		return err
	}
	return secrets.PutSecret(ctx, app.ZendeskOAuthSecret, raw)
}
