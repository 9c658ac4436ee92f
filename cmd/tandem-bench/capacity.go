package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// capacityMeter stands between Tandem's DynamoDB client and the store and
// counts the read and write request units each request would consume on an
// on-demand table, from the items it reads and writes (the embedded store
// answers no ReturnConsumedCapacity):
//
//   - a read costs one unit per 4 KB of what it returns (a Query: of all the
//     items together), at least one; half that when eventually consistent.
//     A BatchGetItem is one such read per key it asks for, each rounded up
//     on its own, found or not, with the consistency asked for its table
//     ("If you perform a read operation on an item that doesn't exist,
//     DynamoDB will still consume read throughput", DynamoDB developer
//     guide, "DynamoDB read and write operations");
//   - a write costs one unit per 1 KB of the larger of the item before and
//     after, at least one, whether its condition holds or not;
//   - every item of a transaction costs twice that.
//
// The after-image of an update and the before-images of a put and a delete
// are read with a GetItem of the meter's own, which the request counter
// behind it sees: own counts them, for the bench to take off Tandem's
// figures (bench.ddbRequests). Counting is switched on only while a
// costed run is measured.
type capacityMeter struct {
	next dynamodb.HTTPClient
	on   atomic.Bool
	// own counts the size reads the meter sent itself.
	own atomic.Int64

	mu       sync.Mutex
	rru, wru float64
	// by splits the requests and units by what they read or write
	// (requestLabel), to say where each request of a change comes from.
	by map[string]opUse
	// endpoint is the store's URL, for the RSS replay's binaries.
	endpoint string
}

func (m *capacityMeter) wrap(next dynamodb.HTTPClient) dynamodb.HTTPClient {
	m.next = next
	return m
}

// ddbRequests is how many DynamoDB requests Tandem has sent: the runner's
// count without the meter's own size reads.
func (b *bench) ddbRequests() int64 { return b.r.DynamoDBRequests() - b.ddb.own.Load() }

func (m *capacityMeter) totals() (rru, wru float64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rru, m.wru
}

func (m *capacityMeter) url() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.endpoint
}

// serve puts the store behind the meter on a loopback address, for the
// function binaries of the RSS replay: the local runner's embedded store
// answers in-process, at an address nothing can dial
// (http://embedded-dynamodb.invalid), so without it every store request of
// a replayed event failed and the peak covered no store work.
func (m *capacityMeter) serve() (*httptest.Server, error) {
	to, err := url.Parse(m.url())
	if err != nil {
		return nil, fmt.Errorf("DynamoDB endpoint %q: %w", m.url(), err)
	}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := r.Clone(r.Context())
		out.RequestURI = ""
		out.URL.Scheme, out.URL.Host, out.Host = to.Scheme, to.Host, to.Host
		resp, err := m.Do(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		maps.Copy(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	})), nil
}

// opUse is what the requests of one kind (requestLabel) consumed; bytes
// adds up the largest item each one wrote (before or after), so the
// report can say how close a write is to its next unit.
type opUse struct {
	n               int64
	rru, wru, bytes float64
}

func (m *capacityMeter) add(label string, rru, wru, bytes float64) {
	m.mu.Lock()
	m.rru += rru
	m.wru += wru
	if m.by == nil {
		m.by = map[string]opUse{}
	}
	u := m.by[label]
	u.n, u.rru, u.wru, u.bytes = u.n+1, u.rru+rru, u.wru+wru, u.bytes+bytes
	m.by[label] = u
	m.mu.Unlock()
}

// breakdown is a copy of what each kind of request has consumed so far.
func (m *capacityMeter) breakdown() map[string]opUse {
	m.mu.Lock()
	defer m.mu.Unlock()
	return maps.Clone(m.by)
}

// since is what each kind of request consumed between two breakdowns.
func since(before, after map[string]opUse) map[string]opUse {
	out := map[string]opUse{}
	for k, a := range after {
		b := before[k]
		if a.n != b.n {
			out[k] = opUse{n: a.n - b.n, rru: a.rru - b.rru, wru: a.wru - b.wru, bytes: a.bytes - b.bytes}
		}
	}
	return out
}

// ddbRequest is the part of every DynamoDB request the meter reads.
type ddbRequest struct {
	TableName      string
	Key            map[string]json.RawMessage
	Item           map[string]json.RawMessage
	ConsistentRead bool
	TransactItems  []struct {
		Put, Update, Delete, ConditionCheck *struct {
			TableName string
			Key       map[string]json.RawMessage
			Item      map[string]json.RawMessage
		}
		Get *struct {
			TableName string
			Key       map[string]json.RawMessage
		}
	}
	RequestItems map[string]json.RawMessage
}

type ddbResponse struct {
	Item      map[string]json.RawMessage
	Items     []map[string]json.RawMessage
	Responses json.RawMessage
}

func (m *capacityMeter) Do(req *http.Request) (*http.Response, error) {
	m.mu.Lock()
	if m.endpoint == "" {
		m.endpoint = req.URL.Scheme + "://" + req.URL.Host
	}
	m.mu.Unlock()
	if !m.on.Load() {
		return m.next.Do(req)
	}
	op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	var body []byte
	if req.Body != nil {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
	}
	var in ddbRequest
	_ = json.Unmarshal(body, &in)
	label := requestLabel(op, body)
	// Before-images, read before the write changes them.
	var before []float64
	switch op {
	case "DeleteItem":
		before = append(before, m.itemSize(req, in.TableName, in.Key))
	case "PutItem":
		before = append(before, m.itemSize(req, in.TableName, keyOf(in.Item)))
	case "TransactWriteItems":
		for _, t := range in.TransactItems {
			if t.Delete != nil {
				before = append(before, m.itemSize(req, t.Delete.TableName, t.Delete.Key))
			}
		}
	}
	resp, err := m.next.Do(req)
	if err != nil {
		return resp, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	if err != nil {
		return resp, err
	}
	var out ddbResponse
	_ = json.Unmarshal(raw, &out)
	read := func(size float64, consistent bool) float64 {
		u := math.Max(1, math.Ceil(size/4096))
		if !consistent {
			u /= 2
		}
		return u
	}
	var largest float64
	write := func(size float64) float64 {
		largest = math.Max(largest, size)
		return math.Max(1, math.Ceil(size/1024))
	}
	switch op {
	case "GetItem":
		m.add(label, read(itemSize(out.Item), in.ConsistentRead), 0, 0)
	case "Query", "Scan":
		var sum float64
		for _, it := range out.Items {
			sum += itemSize(it)
		}
		m.add(label, read(sum, in.ConsistentRead), 0, 0)
	case "PutItem":
		w := write(math.Max(before[0], itemSize(in.Item)))
		m.add(label, 0, w, largest)
	case "UpdateItem":
		// The item after the update, read past the counter.
		w := write(m.itemSize(req, in.TableName, in.Key))
		m.add(label, 0, w, largest)
	case "DeleteItem":
		w := write(before[0])
		m.add(label, 0, w, largest)
	case "TransactWriteItems":
		var w float64
		d := 0
		for _, t := range in.TransactItems {
			switch {
			case t.Put != nil:
				w += write(itemSize(t.Put.Item))
			case t.Update != nil:
				w += write(m.itemSize(req, t.Update.TableName, t.Update.Key))
			case t.Delete != nil:
				w += write(before[d])
				d++
			case t.ConditionCheck != nil:
				w += write(m.itemSize(req, t.ConditionCheck.TableName, t.ConditionCheck.Key))
			}
		}
		m.add(label, 0, 2*w, largest)
	case "TransactGetItems":
		var r struct {
			Responses []struct{ Item map[string]json.RawMessage }
		}
		_ = json.Unmarshal(raw, &r)
		var u float64
		for _, it := range r.Responses {
			u += read(itemSize(it.Item), true)
		}
		m.add(label, 2*u, 0, 0)
	case "BatchGetItem":
		var asked map[string]struct {
			Keys           []map[string]json.RawMessage
			ConsistentRead bool
		}
		_ = json.Unmarshal(body, &struct {
			RequestItems *map[string]struct {
				Keys           []map[string]json.RawMessage
				ConsistentRead bool
			}
		}{&asked})
		var r struct {
			Responses map[string][]map[string]json.RawMessage
		}
		_ = json.Unmarshal(raw, &r)
		var u float64
		for table, a := range asked {
			sizes := map[string]float64{}
			for _, it := range r.Responses[table] {
				sizes[keyID(keyOf(it))] = itemSize(it)
			}
			for _, k := range a.Keys {
				u += read(sizes[keyID(k)], a.ConsistentRead)
			}
		}
		m.add(label, u, 0, 0)
	case "BatchWriteItem":
		var reqs map[string][]struct {
			PutRequest    *struct{ Item map[string]json.RawMessage }
			DeleteRequest *struct{ Key map[string]json.RawMessage }
		}
		_ = json.Unmarshal(body, &struct {
			RequestItems *map[string][]struct {
				PutRequest    *struct{ Item map[string]json.RawMessage }
				DeleteRequest *struct{ Key map[string]json.RawMessage }
			}
		}{&reqs})
		var w float64
		for _, rs := range reqs {
			for _, r := range rs {
				if r.PutRequest != nil {
					w += write(itemSize(r.PutRequest.Item))
				} else {
					w++
				}
			}
		}
		m.add(label, 0, w, largest)
	}
	return resp, nil
}

// keyOf is the primary key of an item of Tandem's table.
func keyOf(item map[string]json.RawMessage) map[string]json.RawMessage {
	return map[string]json.RawMessage{"pk": item["pk"], "sk": item["sk"]}
}

// keyID names a key for comparison, whatever the spacing of its JSON.
func keyID(k map[string]json.RawMessage) string {
	var pk, sk map[string]string
	_ = json.Unmarshal(k["pk"], &pk)
	_ = json.Unmarshal(k["sk"], &sk)
	return pk["S"] + "\x00" + sk["S"]
}

// itemSize reads one item from the store, as the meter's own request, and
// returns its size (0 when it is not there).
func (m *capacityMeter) itemSize(orig *http.Request, table string, key map[string]json.RawMessage) float64 {
	body, _ := json.Marshal(map[string]any{"TableName": table, "Key": key, "ConsistentRead": true})
	req, err := http.NewRequestWithContext(orig.Context(), http.MethodPost, orig.URL.String(), bytes.NewReader(body))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.0")
	req.Header.Set("X-Amz-Target", "DynamoDB_20120810.GetItem")
	req.Header.Set("Authorization", orig.Header.Get("Authorization"))
	m.own.Add(1)
	resp, err := m.next.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out ddbResponse
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return 0
	}
	return itemSize(out.Item)
}

// itemSize is DynamoDB's item size: each attribute's name plus its value
// (strings and binaries by their bytes, numbers about one byte per two
// digits plus one, a boolean or null one byte, a list or map three bytes
// plus one per element plus its elements).
func itemSize(item map[string]json.RawMessage) float64 {
	var n float64
	for name, v := range item {
		n += float64(len(name)) + valueSize(v)
	}
	return n
}

func valueSize(raw json.RawMessage) float64 {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	for typ, val := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(val, &s)
			return float64(len(s))
		case "N":
			var s string
			_ = json.Unmarshal(val, &s)
			return numberSize(s)
		case "B":
			var s string
			_ = json.Unmarshal(val, &s)
			return float64(base64.StdEncoding.DecodedLen(len(s)))
		case "BOOL", "NULL":
			return 1
		case "SS", "NS", "BS":
			var ss []string
			_ = json.Unmarshal(val, &ss)
			var n float64
			for _, s := range ss {
				switch typ {
				case "NS":
					n += numberSize(s)
				case "BS":
					n += float64(base64.StdEncoding.DecodedLen(len(s)))
				default:
					n += float64(len(s))
				}
			}
			return n
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(val, &l)
			n := 3.0
			for _, e := range l {
				n += 1 + valueSize(e)
			}
			return n
		case "M":
			var mm map[string]json.RawMessage
			_ = json.Unmarshal(val, &mm)
			n := 3.0
			for k, e := range mm {
				n += 1 + float64(len(k)) + valueSize(e)
			}
			return n
		}
	}
	return 0
}

func numberSize(s string) float64 {
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return math.Ceil(float64(digits)/2) + 1
}

// requestLabel names a request by its operation and the kinds of item it
// reads or writes, from their keys (keyKind), e.g. "TransactWriteItems
// link+index": the bench reports where a change's requests come from
// without any help from the code that makes them.
func requestLabel(op string, body []byte) string {
	type key = map[string]struct{ S string }
	var in struct {
		Key, Item     key
		TransactItems []struct {
			Put, Update, Delete, ConditionCheck *struct{ Key, Item key }
			Get                                 *struct{ Key key }
		}
		RequestItems map[string]json.RawMessage
		// Query: the partition and sort key values of the condition.
		ExpressionAttributeValues key
	}
	_ = json.Unmarshal(body, &in)
	var kinds []string
	item := func(k key) {
		if k != nil {
			kinds = append(kinds, keyKind(k["pk"].S, k["sk"].S))
		}
	}
	switch op {
	case "GetItem", "DeleteItem", "UpdateItem":
		item(in.Key)
	case "PutItem":
		item(in.Item)
	case "Query", "Scan":
		sk := ""
		for name, v := range in.ExpressionAttributeValues {
			if name != ":pk" {
				sk = v.S
			}
		}
		kinds = append(kinds, keyKind(in.ExpressionAttributeValues[":pk"].S, sk))
	case "TransactWriteItems", "TransactGetItems":
		for _, t := range in.TransactItems {
			for _, p := range []*struct{ Key, Item key }{t.Put, t.Update, t.Delete, t.ConditionCheck} {
				if p != nil {
					item(p.Key)
					item(p.Item)
				}
			}
			if t.Get != nil {
				item(t.Get.Key)
			}
		}
	case "BatchGetItem":
		for _, raw := range in.RequestItems {
			var r struct{ Keys []key }
			_ = json.Unmarshal(raw, &r)
			for _, k := range r.Keys {
				item(k)
			}
		}
	case "BatchWriteItem":
		for _, raw := range in.RequestItems {
			var rs []struct {
				PutRequest    *struct{ Item key }
				DeleteRequest *struct{ Key key }
			}
			_ = json.Unmarshal(raw, &rs)
			for _, r := range rs {
				if r.PutRequest != nil {
					item(r.PutRequest.Item)
				}
				if r.DeleteRequest != nil {
					item(r.DeleteRequest.Key)
				}
			}
		}
	}
	count := map[string]int{}
	for _, k := range kinds {
		count[k]++
	}
	parts := make([]string, 0, len(count))
	for _, k := range slices.Sorted(maps.Keys(count)) {
		if count[k] > 1 {
			k += "×" + strconv.Itoa(count[k])
		}
		parts = append(parts, k)
	}
	return op + " " + strings.Join(parts, "+")
}

// keyKind names what an item of the table is, from its key (the layout of
// pkg/dynamostore).
func keyKind(pk, sk string) string {
	if strings.HasPrefix(pk, "CMD#") {
		return "ledger"
	}
	prefix, _, _ := strings.Cut(sk, "#")
	switch prefix {
	case "HOOK":
		return "endpoint"
	case "STAMP":
		return "stamp"
	case "LINK":
		return "link"
	case "TICKET":
		return "index"
	case "LOG":
		return "log"
	case "CONFIG":
		return "config"
	case "CONN":
		return "connection"
	case "CALLS":
		return "budget"
	case "ATTN":
		return "attention"
	case "":
		return "?"
	}
	return strings.ToLower(prefix)
}
