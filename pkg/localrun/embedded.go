package localrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	minidyn "github.com/truora/minidyn/server"
)

// EmbeddedDynamoDB starts the in-process DynamoDB-compatible store (minidyn)
// and returns an SDK client for it — the same adapter code path as against
// DynamoDB: each call is serialised, signed and sent as an HTTP request, and
// its response decoded, by the SDK — and the function that drops the store's
// data. opts apply after the embedded store's own settings.
//
// Two things sit between the SDK and minidyn, both for speed (BENCHMARKS.md,
// "Local runner's embedded store"): the HTTP client's transport hands each
// request to the store's handler in-process instead of over a loopback TCP
// connection, and TransactWriteItems runs as minidyn's own item operations
// with an undo log (embeddedStore.transactWriteItems) instead of minidyn's copy of the
// whole table per transaction.
func EmbeddedDynamoDB(opts ...func(*dynamodb.Options)) (*dynamodb.Client, func()) {
	srv := minidyn.NewServer()
	store := &embeddedStore{minidyn: srv, keys: map[string][]string{}}
	cfg := aws.Config{
		// A region the SDK knows: for an unknown one its endpoint rules
		// compile every partition's regular expression on each request.
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
		// Never dialled: the transport serves every request in-process.
		BaseEndpoint: aws.String("http://embedded-dynamodb.invalid"),
		HTTPClient:   &http.Client{Transport: handlerTransport{store}},
	}
	// minidyn sends no CRC32 header; real DynamoDB does.
	opts = append([]func(*dynamodb.Options){func(o *dynamodb.Options) { o.DisableValidateResponseChecksum = true }}, opts...)
	return dynamodb.NewFromConfig(cfg, opts...), func() { _ = srv.Reset() }
}

// handlerTransport is an http.RoundTripper that serves each request with an
// in-process handler: what the SDK builds and parses is unchanged, only the
// loopback socket (two syscalls and a goroutine hand-off each way) is gone.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, req)
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// embeddedStore serves minidyn's HTTP API, except that TransactWriteItems of
// puts, updates and deletes runs as minidyn's single-item operations with an
// undo log. minidyn rolls a transaction back by restoring a deep copy of every
// table it touches, taken before each transaction, so its cost grows with
// the table: Tandem keeps one table, and at a few thousand items the copy
// was most of the local runner's CPU time. Conditions, update expressions
// and validation are still minidyn's; this type only decides the order and
// undoes on failure.
//
// Isolation: a transaction holds mu exclusively, every other request holds
// it shared (minidyn serialises those on its own lock), so no request sees a
// transaction half applied — as minidyn's own transactions, which hold its
// lock throughout.
type embeddedStore struct {
	minidyn *minidyn.Server
	mu      sync.RWMutex
	keys    map[string][]string // table → key attribute names, from DescribeTable; under mu held exclusively
}

const targetPrefix = "DynamoDB_20120810."

func (s *embeddedStore) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Header.Get("X-Amz-Target") {
	case targetPrefix + "TransactWriteItems":
		s.transactWriteItems(w, r)
		return
	case targetPrefix + "CreateTable", targetPrefix + "DeleteTable":
		s.mu.Lock()
		defer s.mu.Unlock()
		s.minidyn.ServeHTTP(w, r)
		clear(s.keys)
		return
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.minidyn.ServeHTTP(w, r)
}

func (s *embeddedStore) transactWriteItems(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		writeStoreError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	// Attribute values stay raw JSON: each operation's object is already
	// the body of its single-item request (a transaction's Put, Update and
	// Delete carry a subset of PutItem's, UpdateItem's and DeleteItem's
	// fields), so nothing is decoded into values and encoded again.
	var in struct{ TransactItems []map[string]json.RawMessage }
	if err := json.Unmarshal(body, &in); err != nil {
		writeStoreError(w, http.StatusBadRequest, "SerializationException", err.Error())
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ops, ok := s.plan(in.TransactItems)
	if !ok {
		// A condition check (no single-item operation evaluates a condition
		// without writing), an empty or oversized transaction, or two
		// operations on one item: minidyn's own path, which answers these
		// as DynamoDB does. Only the sweep's index repair sends a check.
		r.Body = io.NopCloser(bytes.NewReader(body))
		s.minidyn.ServeHTTP(w, r)
		return
	}
	var undo []txOp
	rollback := func() {
		for _, u := range slices.Backward(undo) {
			if u.old != nil {
				s.call("PutItem", struct {
					TableName string
					Item      json.RawMessage
				}{u.table, u.old}, nil)
			} else {
				s.call("DeleteItem", struct {
					TableName string
					Key       map[string]json.RawMessage
				}{u.table, u.key}, nil)
			}
		}
	}
	for i, op := range ops {
		var got struct{ Item json.RawMessage }
		res := s.call("GetItem", struct {
			TableName      string
			Key            map[string]json.RawMessage
			ConsistentRead bool
		}{op.table, op.key, true}, &got)
		if res.Code != http.StatusOK {
			rollback()
			forward(w, res)
			return
		}
		if res = s.call(op.name, op.body, nil); res.Code != http.StatusOK {
			rollback()
			if !cancelled(w, res, i, len(ops)) {
				forward(w, res)
			}
			return
		}
		op.old = got.Item
		undo = append(undo, op)
	}
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write([]byte("{}"))
}

// txOp is one transaction item as the single-item operation that applies it,
// with the item's key and, once applied, its image before (nil: absent).
type txOp struct {
	name  string          // PutItem, UpdateItem or DeleteItem
	body  json.RawMessage // its request
	table string
	key   map[string]json.RawMessage
	old   json.RawMessage
}

// singleItemOps names the request that applies each kind of transaction
// item on its own.
var singleItemOps = map[string]string{"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem"}

// plan turns the transaction's items into single-item operations; false
// leaves the transaction to minidyn (see transactWriteItems).
func (s *embeddedStore) plan(items []map[string]json.RawMessage) ([]txOp, bool) {
	if len(items) == 0 || len(items) > 100 {
		return nil, false
	}
	ops := make([]txOp, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		if len(it) != 1 {
			return nil, false
		}
		var op txOp
		for kind, raw := range it {
			name, ok := singleItemOps[kind]
			if !ok {
				return nil, false
			}
			var fields struct {
				TableName string
				Key, Item map[string]json.RawMessage
			}
			if json.Unmarshal(raw, &fields) != nil {
				return nil, false
			}
			op = txOp{name: name, body: raw, table: fields.TableName, key: fields.Key}
			if kind == "Put" {
				names, ok := s.keyNames(fields.TableName)
				if !ok {
					return nil, false
				}
				op.key = map[string]json.RawMessage{}
				for _, n := range names {
					if v, ok := fields.Item[n]; ok {
						op.key[n] = v
					}
				}
			}
		}
		id, err := json.Marshal(op.key) // map keys marshal sorted
		if err != nil || seen[op.table+"\x00"+string(id)] {
			return nil, false
		}
		seen[op.table+"\x00"+string(id)] = true
		ops = append(ops, op)
	}
	return ops, true
}

// keyNames is the table's key attribute names; false if it has none to
// report (no such table: minidyn's path answers that).
func (s *embeddedStore) keyNames(table string) ([]string, bool) {
	if names, ok := s.keys[table]; ok {
		return names, true
	}
	var out struct {
		Table struct {
			KeySchema []struct{ AttributeName string }
		}
	}
	if res := s.call("DescribeTable", minidyn.DescribeTableInput{TableName: &table}, &out); res.Code != http.StatusOK {
		return nil, false
	}
	var names []string
	for _, k := range out.Table.KeySchema {
		names = append(names, k.AttributeName)
	}
	if len(names) == 0 {
		return nil, false
	}
	s.keys[table] = names // until a table is created or deleted
	return names, true
}

// call sends one operation to minidyn's handler in-process and decodes a
// successful answer into out.
func (s *embeddedStore) call(op string, in, out any) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	body, ok := in.(json.RawMessage)
	var err error
	if !ok {
		body, err = json.Marshal(in)
	}
	if err != nil {
		writeStoreError(rec, http.StatusBadRequest, "SerializationException", err.Error())
		return rec
	}
	req, err := http.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	if err != nil {
		writeStoreError(rec, http.StatusInternalServerError, "InternalServerError", err.Error())
		return rec
	}
	req.Header.Set("X-Amz-Target", targetPrefix+op)
	s.minidyn.ServeHTTP(rec, req)
	if rec.Code == http.StatusOK && out != nil {
		if err := json.Unmarshal(rec.Body.Bytes(), out); err != nil {
			rec = httptest.NewRecorder()
			writeStoreError(rec, http.StatusInternalServerError, "InternalServerError", "decode "+op+": "+err.Error())
		}
	}
	return rec
}

// cancelled answers a transaction whose item i lost its condition as
// DynamoDB does: TransactionCanceledException with one reason per item, None
// for the others; false if res is another error.
func cancelled(w http.ResponseWriter, res *httptest.ResponseRecorder, i, n int) bool {
	var failed struct {
		Type    string          `json:"__type"`
		Message string          `json:"message"`
		Item    json.RawMessage `json:"Item,omitempty"`
	}
	if json.Unmarshal(res.Body.Bytes(), &failed) != nil || !strings.HasSuffix(failed.Type, "ConditionalCheckFailedException") {
		return false
	}
	type reason struct {
		Code    string          `json:"Code"`
		Message string          `json:"Message,omitempty"`
		Item    json.RawMessage `json:"Item,omitempty"`
	}
	reasons := make([]reason, n)
	codes := make([]string, n)
	for j := range reasons {
		reasons[j], codes[j] = reason{Code: "None"}, "None"
	}
	reasons[i] = reason{Code: "ConditionalCheckFailed", Message: failed.Message, Item: failed.Item}
	codes[i] = "ConditionalCheckFailed"
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(struct {
		Type                string   `json:"__type"`
		Message             string   `json:"message"`
		CancellationReasons []reason `json:"CancellationReasons"`
	}{"TransactionCanceledException",
		fmt.Sprintf("Transaction cancelled, please refer cancellation reasons for specific reasons [%s]", strings.Join(codes, ", ")),
		reasons})
	return true
}

// forward copies minidyn's answer to w.
func forward(w http.ResponseWriter, res *httptest.ResponseRecorder) {
	for k, v := range res.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(res.Code)
	_, _ = w.Write(res.Body.Bytes())
}

func writeStoreError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Type    string `json:"__type"`
		Message string `json:"message"`
	}{typ, msg})
}
