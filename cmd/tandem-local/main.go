// Command tandem-local runs Tandem on a developer machine: `make dev`
// (add DEMO=1 for two connected demo organisations).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/tandemsync/tandem/pkg/localrun"
)

func main() {
	addr := os.Getenv("TANDEM_ADDR")
	if addr == "" {
		addr = "127.0.0.1:8080"
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	r, err := localrun.Start(ctx, localrun.Options{Addr: addr, Log: log, Simulators: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "tandem-local:", err)
		os.Exit(1)
	}
	defer r.Close()
	store := "embedded DynamoDB-compatible store (minidyn) + in-memory secrets"
	if !r.Embedded {
		store = "AWS endpoint " + os.Getenv("AWS_ENDPOINT_URL")
	}
	fmt.Printf(`
Tandem is running locally on %[1]s
  console:    %[1]s/ (sign in as any organisation, e.g. acme and northwind in two tabs)
  storage:    %[2]s
  queues:     in-process FIFO queues feeding the sync functions
  platforms:  simulated Autotask, ConnectWise, Halo and Microsoft 365 (credentials: GET %[1]s/dev/simulators/<platform>/credentials)
  auth:       local dev mode — send "Authorization: Bearer dev:<orgId>" instead of a Cognito token

Try it:
  curl -s -X POST %[1]s/v1/connections \
    -H 'Authorization: Bearer dev:acme' -H 'Content-Type: application/json' \
    -d '{"role":"source","contractName":"Acme managed service"}'
`, r.URL, store)
	if os.Getenv("DEMO") != "" {
		demo, err := r.SetUpDemo(ctx)
		if err != nil {
			fmt.Fprintln(os.Stderr, "tandem-local: demo:", err)
			os.Exit(1)
		}
		at := r.Sims.Autotask
		fmt.Printf(`
Demo: %[2]q (customer, simulated Autotask) and %[3]q (MSP, simulated Halo) are connected (%[4]s),
configured, and their webhooks are installed. Raise a ticket as an Acme agent would, in Autotask's own API
(queue %[5]s, "Level II Support", is escalated to the MSP):

  curl -s -X POST %[6]s/ATServicesRest/V1.0/Tickets -H 'Content-Type: application/json' \
    -H 'ApiIntegrationCode: %[7]s' -H 'UserName: %[8]s' -H 'Secret: %[9]s' \
    -d '{"companyID":0,"title":"Printer on floor 3 jams","description":"Every job since Monday","queueID":%[5]s,"status":1,"priority":1,"ticketType":2,"dueDateTime":"2030-01-01T00:00:00Z"}'

Then watch it cross to the MSP's Halo, and read the sync log:

  curl -s %[1]s/dev/simulators/halo/tickets
  curl -s %[1]s/v1/connections/%[4]s/log -H 'Authorization: Bearer dev:%[3]s'

%[10]q (a Microsoft 365 support mailbox, simulated) is connected to %[3]q too (%[11]s). Send a mail into
it as a requester would; every new conversation becomes a ticket in the MSP's Halo, with the category and
service type the mailbox's rules choose (printer trouble from fabrikam.example: Hardware, Incident):

  curl -s -X POST %[1]s/dev/simulators/graph/mail -H 'Content-Type: application/json' \
    -d '{"from":"dana@fabrikam.example","subject":"Printer on floor 3 jams","text":"Every job since Monday"}'

A public note on the Halo ticket comes back to dana as a reply from the mailbox:

  curl -s %[1]s/dev/simulators/graph/tickets
`, r.URL, localrun.DemoCustomer, localrun.DemoMSP, demo.ConnectionID, localrun.DemoEscalationQueue,
			at.URL, at.Agent.IntegrationCode, at.Agent.Username, at.Agent.Secret, localrun.DemoMailbox, demo.MailboxConnectionID)
	}
	fmt.Println("\nCtrl-C stops.")
	<-ctx.Done()
	fmt.Println("\nstopping")
}
