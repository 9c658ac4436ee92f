// Package filestore keeps attachment content between the two sync functions
// in Amazon S3: the relay.Files of a deployed Tandem. The bucket (infra:
// files.go) expires objects after a day, encrypts them and refuses plain
// http; objects are also written with SSE-S3 explicitly. The in-memory
// store of the local runner and the unit tests is filestoretest.Memory;
// both pass the same contract (filestoretest.RunContract).
package filestore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/tandemsync/tandem/pkg/relay"
)

// S3 stores files as objects of one bucket.
type S3 struct {
	// client is built on first use: most cold starts of a sync function
	// move no attachment (only files over the queue message's limit cross
	// the bucket), and building the client at start-up cost each of them
	// about 2.5 ms (BENCHMARKS.md, "Init and binary size, third pass").
	client func() *s3.Client
	bucket string
}

var _ relay.Files = (*S3)(nil)

// NewFromConfig configures the client from the SDK's standard configuration
// (region, credentials, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3). When an
// endpoint is set — moto_server, LocalStack, MinIO — it uses path-style
// addressing, since those answer on one host rather than one per bucket.
func NewFromConfig(cfg aws.Config, bucket string) *S3 {
	custom := cfg.BaseEndpoint != nil || os.Getenv("AWS_ENDPOINT_URL_S3") != ""
	return &S3{client: sync.OnceValue(func() *s3.Client {
		return s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = custom })
	}), bucket: bucket}
}

// Put writes data at key, replacing what was there, encrypted at rest with
// S3-managed keys.
func (s *S3) Put(ctx context.Context, key string, data []byte) error {
	_, err := s.client().PutObject(ctx, &s3.PutObjectInput{
		Bucket:               aws.String(s.bucket),
		Key:                  aws.String(key),
		Body:                 bytes.NewReader(data),
		ContentLength:        aws.Int64(int64(len(data))),
		ContentType:          aws.String("application/octet-stream"),
		ServerSideEncryption: types.ServerSideEncryptionAes256,
	})
	if err != nil {
		return fmt.Errorf("put file %s: %w", key, err)
	}
	return nil
}

// Get reads the object at key; a missing one is relay.ErrNoFile.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	out, err := s.client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	var nk *types.NoSuchKey
	if errors.As(err, &nk) {
		return nil, fmt.Errorf("get file %s: %w", key, relay.ErrNoFile)
	}
	if err != nil {
		return nil, fmt.Errorf("get file %s: %w", key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("get file %s: %w", key, err)
	}
	return data, nil
}

// Delete removes the object at key; S3 answers a missing key with success.
func (s *S3) Delete(ctx context.Context, key string) error {
	if _, err := s.client().DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)}); err != nil {
		return fmt.Errorf("delete file %s: %w", key, err)
	}
	return nil
}
