// Package dynamostore keeps Tandem's records in one DynamoDB table through
// aws-sdk-go-v2. The table has a string partition key "pk", a string sort key
// "sk", and the TTL attribute "ttl" (epoch seconds; the stack enables TTL).
//
// Access patterns (item layout):
//
//	connection by id          pk=CONN#<id>        sk=CONN
//	connections of an org     pk=ORG#<org>        sk=CONN#<id>      (a copy per side, written in the same transaction)
//	connection by code        pk=CODE#<sha256>    sk=CODE           ttl = code expiry
//	failed accepts of an org  pk=ORG#<org>        sk=FAIL#<window>  ttl = window end + slack
//	platform account of org   pk=ORG#<org>        sk=PLATFORM
//	one side's integration    pk=CONN#<id>        sk=CONFIG#<org>   JSON document + numeric version; put conditional on the version read
//	link of a synced ticket   pk=CONN#<id>        sk=LINK#<org>#<ticket>   keyed by its source ticket; each side in its own attribute with its own version (linkitem.go); conditional writes
//	ticket → its link         pk=CONN#<id>        sk=TICKET#<org>#<ticket> linkKey; written once, with the link write that first names the ticket (a partner or follow-up ticket)
//	sync log                  pk=CONN#<id>        sk=LOG#<unix nanos>#<rand>  ttl = 90 days; read newest first
//	log cursor signing key    pk=KEY#log-cursor   sk=KEY            created once by the first reader (conditional put)
//	applied command ledger    pk=CMD#<id>         sk=CMD            ttl = 30 days
//	webhook endpoint          pk=HOOK#<id>        sk=HOOK           (and pk=ORG#<org> sk=HOOK#<id> to list an org's)
//	active connections        pk=ACTIVE           sk=CONN#<id>      (a copy while active, written with the status)
//	stamp of an org's list    pk=ORG#<org>        sk=STAMP          counter, moved by every connection write of the org
//	stamp of configurations   pk=CONN#<id>        sk=STAMP          counter, moved by every configuration write of the connection
//	failure of a command      pk=CONN#<id>        sk=FAILURE#<fid>  JSON document + held counter
//	command held behind it    pk=CONN#<id>        sk=HELD#<fid>#<seq>  JSON document, in order
//	initial sync progress     pk=CONN#<id>        sk=SYNC           run, start date, counters (a new run replaces it)
//	sweep mark of a side      pk=CONN#<id>        sk=SWEEP#<org>    watermark and last run (JSON document)
//	attention item            pk=CONN#<id>        sk=ATTN#<aid>     JSON document + firstSeen, lastSeen (unix nanos), count; one atomic update per raise
//	webhook watch of a side   pk=CONN#<id>        sk=WATCH#<org>    firstMissed, lastMissed (unix nanos), missed counter
//	platform calls of an hour pk=ORG#<org>        sk=CALLS#<hour>   counter (atomic ADD)  ttl = hour + 48 h
//
// Every query is keyed by the caller's organisation or by an id the domain
// checks against it; nothing scans. Expiry is decided by the code that reads
// (TTL deletion can lag by days); "ttl" only keeps the table tidy.
package dynamostore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/ttlcache"
)

// Store is the DynamoDB adapter. Safe for concurrent use.
type Store struct {
	db    *dynamodb.Client
	table string
	// linkKeys remembers, per process, the link key a partner ticket's
	// index item names (linkKeyCache).
	linkKeys *ttlcache.Cache[string, string]
}

// New returns a Store on table.
func New(db *dynamodb.Client, table string) *Store {
	return &Store{db: db, table: table, linkKeys: ttlcache.New[string, string](time.Hour, maxCachedLinkKeys, nil)}
}

// CreateTable creates the table with the layout above if it does not exist.
// Production tables come from the CDK stack; this is for the local runner and
// tests.
func (s *Store) CreateTable(ctx context.Context) error {
	_, err := s.db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(s.table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", s.table, err)
	}
	return nil
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk},
		"sk": &types.AttributeValueMemberS{Value: sk},
	}
}

// conditionFailed reports whether err is a lost condition, alone or inside a
// cancelled transaction (including a conflicting concurrent transaction).
func conditionFailed(err error) bool {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return true
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if c := aws.ToString(r.Code); c == "ConditionalCheckFailed" || c == "TransactionConflict" {
				return true
			}
		}
	}
	var tc *types.TransactionConflictException
	return errors.As(err, &tc)
}
