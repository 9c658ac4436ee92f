package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// runtimeAPI is a stub of the Lambda Runtime API (2018-06-01), enough for
// aws-lambda-go's runtime client: a function polls GET .../invocation/next,
// gets one event with its request id and deadline, and posts the outcome to
// .../invocation/{id}/response or /error; an init failure posts
// .../init/error. The first poll marks the end of the function's init.
type runtimeAPI struct {
	srv *httptest.Server
	// URL is host:port, as AWS_LAMBDA_RUNTIME_API carries it.
	URL     string
	pending chan *invocation
	// polled is closed at the first GET .../next.
	polled   chan struct{}
	pollOnce sync.Once
	polledAt time.Time
	initErr  chan string

	mu       sync.Mutex
	inflight map[string]*invocation
	seq      int
}

// invocation is one event handed to the function and what it answered.
type invocation struct {
	payload []byte
	// Deadline is what the function's context ends at.
	deadline time.Time
	done     chan outcome
}

type outcome struct {
	body  []byte
	isErr bool
}

const runtimePrefix = "/2018-06-01/runtime/"

func newRuntimeAPI() *runtimeAPI {
	r := &runtimeAPI{pending: make(chan *invocation), polled: make(chan struct{}),
		initErr: make(chan string, 1), inflight: map[string]*invocation{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	r.URL = strings.TrimPrefix(r.srv.URL, "http://")
	return r
}

func (r *runtimeAPI) Close() { r.srv.Close() }

func (r *runtimeAPI) serve(w http.ResponseWriter, req *http.Request) {
	path, ok := strings.CutPrefix(req.URL.Path, runtimePrefix)
	if !ok {
		http.NotFound(w, req)
		return
	}
	switch {
	case req.Method == http.MethodGet && path == "invocation/next":
		r.pollOnce.Do(func() {
			r.polledAt = time.Now()
			close(r.polled)
		})
		var inv *invocation
		select {
		case inv = <-r.pending:
		case <-req.Context().Done():
			return
		}
		r.mu.Lock()
		r.seq++
		id := fmt.Sprintf("bench-%08d", r.seq)
		r.inflight[id] = inv
		r.mu.Unlock()
		h := w.Header()
		h.Set("Lambda-Runtime-Aws-Request-Id", id)
		h.Set("Lambda-Runtime-Deadline-Ms", strconv.FormatInt(inv.deadline.UnixMilli(), 10))
		h.Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:123456789012:function:tandem-bench")
		h.Set("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0")
		h.Set("Content-Type", "application/json")
		_, _ = w.Write(inv.payload)
	case req.Method == http.MethodPost && path == "init/error":
		body, _ := io.ReadAll(req.Body)
		select {
		case r.initErr <- string(body):
		default:
		}
		w.WriteHeader(http.StatusAccepted)
	case req.Method == http.MethodPost && strings.HasPrefix(path, "invocation/"):
		id, kind, ok := strings.Cut(strings.TrimPrefix(path, "invocation/"), "/")
		r.mu.Lock()
		inv := r.inflight[id]
		delete(r.inflight, id)
		r.mu.Unlock()
		if !ok || inv == nil || (kind != "response" && kind != "error") {
			http.Error(w, `{"errorType":"InvalidRequestID"}`, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(req.Body)
		inv.done <- outcome{body: body, isErr: kind == "error"}
		w.WriteHeader(http.StatusAccepted)
	default:
		http.NotFound(w, req)
	}
}

// invoke hands payload to the function at its next poll and returns its
// answer; an /error post comes back as an error carrying its body.
func (r *runtimeAPI) invoke(ctx context.Context, payload []byte, timeout time.Duration) ([]byte, error) {
	inv := &invocation{payload: bytes.Clone(payload), deadline: time.Now().Add(timeout), done: make(chan outcome, 1)}
	select {
	case r.pending <- inv:
	case msg := <-r.initErr:
		return nil, fmt.Errorf("init error: %s", msg)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case o := <-inv.done:
		if o.isErr {
			return o.body, fmt.Errorf("function error: %s", o.body)
		}
		return o.body, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// firstPoll waits for the function's first GET .../next (the end of its
// init) and returns when it came, or the init error it posted.
func (r *runtimeAPI) firstPoll(ctx context.Context) (time.Time, error) {
	select {
	case <-r.polled:
		return r.polledAt, nil
	case msg := <-r.initErr:
		return time.Time{}, fmt.Errorf("init error: %s", msg)
	case <-ctx.Done():
		return time.Time{}, ctx.Err()
	}
}
