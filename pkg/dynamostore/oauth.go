package dynamostore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/tandemsync/tandem/pkg/oauthflow"
)

// Item layout (in addition to the package comment's):
//
//	pending OAuth authorization   pk=OAUTH#<sha256(state)>  sk=STATE   ttl = expiry; put if absent, taken by a conditional delete
//	token refresh lease of an org pk=ORG#<org>              sk=LEASE#<name>  owner + until; put if absent or expired, deleted by its owner

var _ oauthflow.Store = (*Store)(nil)

// PutOAuthState stores a pending authorization; a hash collision is refused.
func (s *Store) PutOAuthState(ctx context.Context, st oauthflow.State) error {
	doc, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode oauth state: %w", err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{"pk": str("OAUTH#" + st.Hash), "sk": str("STATE"), "doc": str(string(doc)),
			"ttl": num(st.ExpiresAt.Unix())},
		ConditionExpression: aws.String("attribute_not_exists(pk)"),
	})
	if err != nil {
		return fmt.Errorf("put oauth state: %w", err)
	}
	return nil
}

// TakeOAuthState deletes the pending authorization and returns what it
// held; of two callbacks with the same state, only one gets it.
func (s *Store) TakeOAuthState(ctx context.Context, hash string) (oauthflow.State, error) {
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key("OAUTH#"+hash, "STATE"),
		ConditionExpression: aws.String("attribute_exists(pk)"), ReturnValues: types.ReturnValueAllOld,
	})
	if conditionFailed(err) {
		return oauthflow.State{}, oauthflow.ErrUnknownState
	}
	if err != nil {
		return oauthflow.State{}, fmt.Errorf("take oauth state: %w", err)
	}
	var st oauthflow.State
	if err := json.Unmarshal([]byte(getS(out.Attributes, "doc")), &st); err != nil {
		return oauthflow.State{}, fmt.Errorf("decode oauth state: %w", err)
	}
	return st, nil
}

// AcquireLease takes org's lease called name for owner until until, if
// nobody holds it or its holder's time ran out; ok is false otherwise.
func (s *Store) AcquireLease(ctx context.Context, org, name, owner string, now, until time.Time) (bool, error) {
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{"pk": str(orgPK(org)), "sk": str("LEASE#" + name), "owner": str(owner),
			"until": num(until.UnixMilli()), "ttl": num(until.Add(time.Hour).Unix())},
		ConditionExpression:       aws.String("attribute_not_exists(pk) OR #until < :now"),
		ExpressionAttributeNames:  map[string]string{"#until": "until"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)}},
	})
	if conditionFailed(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("acquire lease %s of %s: %w", name, org, err)
	}
	return true, nil
}

// ReleaseLease gives the lease up if owner still holds it.
func (s *Store) ReleaseLease(ctx context.Context, org, name, owner string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName: aws.String(s.table), Key: key(orgPK(org), "LEASE#"+name),
		ConditionExpression:       aws.String("#owner = :owner"),
		ExpressionAttributeNames:  map[string]string{"#owner": "owner"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":owner": str(owner)},
	})
	if err != nil && !conditionFailed(err) {
		return fmt.Errorf("release lease %s of %s: %w", name, org, err)
	}
	return nil
}
