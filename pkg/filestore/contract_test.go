package filestore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tandemsync/tandem/pkg/filestore"
	"github.com/tandemsync/tandem/pkg/filestore/filestoretest"
	"github.com/tandemsync/tandem/pkg/mototest"
	"github.com/tandemsync/tandem/pkg/relay"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// The in-memory store and the S3 adapter over moto_server pass one
// contract, so the local runner's store cannot drift from production's.
func TestFilesContract(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		filestoretest.RunContract(t, func(*testing.T) relay.Files { return filestoretest.NewMemory() })
	})
	t.Run("s3 over moto", func(t *testing.T) {
		filestoretest.RunContract(t, func(t *testing.T) relay.Files {
			cfg := mototest.Shared(t).Config(t)
			return filestore.NewFromConfig(cfg, newBucket(t, cfg))
		})
	})
}

// Objects are written with server-side encryption, whatever the bucket's
// default; a key with a space and a '+' names the object the SDK's client
// names by it.
func TestS3WritesEncrypted(t *testing.T) {
	ctx := context.Background()
	cfg := mototest.Shared(t).Config(t)
	bucket := newBucket(t, cfg)
	const key = "attachments/c 1/a+b"
	if err := filestore.NewFromConfig(cfg, bucket).Put(ctx, key, []byte("scan.pdf")); err != nil {
		t.Fatal(err)
	}
	head, err := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true }).HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatal(err)
	}
	if head.ServerSideEncryption != types.ServerSideEncryptionAes256 {
		t.Fatalf("object encryption %q, want AES256", head.ServerSideEncryption)
	}
	if aws.ToString(head.ContentType) != "application/octet-stream" || aws.ToInt64(head.ContentLength) != 8 {
		t.Fatalf("object %s, %d bytes; want application/octet-stream, 8", aws.ToString(head.ContentType), aws.ToInt64(head.ContentLength))
	}
}

func newBucket(t *testing.T, cfg aws.Config) string {
	t.Helper()
	name := fmt.Sprintf("tandem-files-%d", time.Now().UnixNano())
	c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	_, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{
		Bucket:                    aws.String(name),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraint(cfg.Region)},
	})
	if err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return name
}
