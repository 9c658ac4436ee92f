package main

import (
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
)

// awsStub answers the Secrets Manager and SQS calls of the function
// binaries during the RSS replay: secrets come from the local runner's
// secret store, and queued messages are accepted and counted (the replay
// measures the function, not the pipeline after it). DynamoDB is the local
// runner's own store, reached directly.
type awsStub struct {
	srv     *httptest.Server
	secrets func(ctx context.Context, name string) ([]byte, error)
	sent    atomic.Int64
}

func newAWSStub(secrets func(ctx context.Context, name string) ([]byte, error)) *awsStub {
	s := &awsStub{secrets: secrets}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

func (s *awsStub) Close() { s.srv.Close() }

func awsError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Query-Error", typ+";Sender")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

func (s *awsStub) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	switch {
	case target == "secretsmanager.GetSecretValue":
		var in struct {
			SecretID string `json:"SecretId"`
		}
		_ = json.Unmarshal(body, &in)
		v, err := s.secrets(r.Context(), in.SecretID)
		if err != nil {
			awsError(w, http.StatusBadRequest, "ResourceNotFoundException", err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:" + in.SecretID, "Name": in.SecretID,
			"SecretBinary": base64.StdEncoding.EncodeToString(v), "VersionId": "bench",
		})
	case strings.HasPrefix(target, "secretsmanager."):
		awsError(w, http.StatusBadRequest, "InvalidRequestException", "the RSS replay only reads secrets")
	case target == "AmazonSQS.SendMessageBatch":
		var in struct {
			Entries []struct {
				ID          string `json:"Id"`
				MessageBody string
			}
		}
		_ = json.Unmarshal(body, &in)
		type ok struct {
			ID               string `json:"Id"`
			MessageID        string `json:"MessageId"`
			MD5OfMessageBody string
			SequenceNumber   string
		}
		out := struct {
			Successful []ok
			Failed     []any
		}{Failed: []any{}}
		for _, e := range in.Entries {
			n := s.sent.Add(1)
			sum := md5.Sum([]byte(e.MessageBody))
			out.Successful = append(out.Successful, ok{e.ID, fmt.Sprintf("bench-%d", n), hex.EncodeToString(sum[:]), fmt.Sprintf("%020d", n)})
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_ = json.NewEncoder(w).Encode(out)
	case target == "AmazonSQS.SendMessage":
		var in struct{ MessageBody string }
		_ = json.Unmarshal(body, &in)
		n := s.sent.Add(1)
		sum := md5.Sum([]byte(in.MessageBody))
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_ = json.NewEncoder(w).Encode(map[string]string{"MessageId": fmt.Sprintf("bench-%d", n),
			"MD5OfMessageBody": hex.EncodeToString(sum[:]), "SequenceNumber": fmt.Sprintf("%020d", n)})
	default:
		awsError(w, http.StatusBadRequest, "UnknownOperationException", "not stubbed: "+target)
	}
}
