package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/tandemsync/tandem/pkg/dynamostore"
)

// backfillActive runs dynamostore's BackfillActiveIndex on the deployed
// table and prints how many connections it added.
func backfillActive(args []string) {
	fs := flag.NewFlagSet("tandem backfill-active", flag.ExitOnError)
	table := fs.String("table", os.Getenv("TANDEM_TABLE"), "the stack's TableName output (or TANDEM_TABLE)")
	_ = fs.Parse(args)
	if *table == "" {
		fmt.Fprintln(os.Stderr, "tandem backfill-active: -table is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tandem backfill-active: AWS configuration:", err)
		os.Exit(1)
	}
	added, err := dynamostore.New(dynamodb.NewFromConfig(cfg, dynamostore.Retries), *table).BackfillActiveIndex(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tandem backfill-active:", err)
		os.Exit(1)
	}
	fmt.Printf("added %d connection(s) to the active-connection index\n", added)
}
