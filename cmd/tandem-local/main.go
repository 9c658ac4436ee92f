// Command tandem-local runs Tandem on a developer machine: `make dev`.
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
	r, err := localrun.Start(ctx, localrun.Options{Addr: addr, Log: log})
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
  storage: %[2]s
  auth:    local dev mode — send "Authorization: Bearer dev:<orgId>" instead of a Cognito token

Try it:
  curl -s -X POST %[1]s/v1/connections \
    -H 'Authorization: Bearer dev:acme' -H 'Content-Type: application/json' \
    -d '{"role":"source","contractName":"Acme managed service"}'

The README walks through the rest (credentials, accepting, listing). Ctrl-C stops.
`, r.URL, store)
	<-ctx.Done()
	fmt.Println("\nstopping")
}
