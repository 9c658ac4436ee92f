package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// capacityMeter counts the read and write capacity units Tandem's DynamoDB
// requests would consume on an on-demand table, from what each request and
// answer carry on the wire (the embedded store returns no
// ConsumedCapacity): items' sizes as DynamoDB reckons them (attribute name
// plus value; numbers by their digits), 4 KB per read unit (half for an
// eventually consistent read), 1 KB per write unit, transactions doubled.
// An UpdateItem's or a transactional Update's item is not on the wire; the
// updates Tandem makes are of counters and stamps well under 1 KB, counted
// as one unit.
type capacityMeter struct {
	// milli-units, so halves and sums stay exact
	read, write atomic.Int64
}

func (m *capacityMeter) totals() (rru, wru float64) {
	return float64(m.read.Load()) / 1000, float64(m.write.Load()) / 1000
}

func (m *capacityMeter) wrap(next dynamodb.HTTPClient) dynamodb.HTTPClient {
	return capacityClient{next: next, m: m}
}

type capacityClient struct {
	next dynamodb.HTTPClient
	m    *capacityMeter
}

func (c capacityClient) Do(req *http.Request) (*http.Response, error) {
	var in []byte
	if req.Body != nil {
		in, _ = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(in))
	}
	resp, err := c.next.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	out, rerr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(out))
	if rerr == nil {
		op := strings.TrimPrefix(req.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
		r, w := units(op, in, out)
		c.m.read.Add(r)
		c.m.write.Add(w)
	}
	return resp, err
}

type item = map[string]json.RawMessage

// units is one request's read and write milli-units.
func units(op string, in, out []byte) (read, write int64) {
	var req struct {
		ConsistentRead bool
		Item           item
		TransactItems  []map[string]struct{ Item item }
		RequestItems   map[string]json.RawMessage
	}
	var resp struct {
		Item      item
		Items     []item
		Responses json.RawMessage
	}
	_ = json.Unmarshal(in, &req)
	_ = json.Unmarshal(out, &resp)
	readUnit := int64(500)
	if req.ConsistentRead {
		readUnit = 1000
	}
	switch op {
	case "GetItem":
		return readUnit * ceil(size(resp.Item), 4096), 0
	case "Query", "Scan":
		var total int64
		for _, it := range resp.Items {
			total += size(it)
		}
		return readUnit * ceil(total, 4096), 0
	case "BatchGetItem":
		var byTable map[string][]item
		_ = json.Unmarshal(resp.Responses, &byTable)
		var keys map[string]struct{ ConsistentRead bool }
		_ = json.Unmarshal(in, &struct{ RequestItems any }{&keys})
		for table, items := range byTable {
			u := int64(500)
			if keys[table].ConsistentRead {
				u = 1000
			}
			for _, it := range items {
				read += u * ceil(size(it), 4096)
			}
		}
		return read, 0
	case "TransactGetItems":
		var items []struct{ Item item }
		_ = json.Unmarshal(resp.Responses, &items)
		for _, it := range items {
			read += 2000 * ceil(size(it.Item), 4096)
		}
		return read, 0
	case "PutItem":
		return 0, 1000 * ceil(size(req.Item), 1024)
	case "UpdateItem", "DeleteItem":
		return 0, 1000
	case "BatchWriteItem":
		var byTable map[string][]struct{ PutRequest *struct{ Item item } }
		_ = json.Unmarshal(in, &struct{ RequestItems any }{&byTable})
		for _, reqs := range byTable {
			for _, r := range reqs {
				if r.PutRequest != nil {
					write += 1000 * ceil(size(r.PutRequest.Item), 1024)
				} else {
					write += 1000
				}
			}
		}
		return 0, write
	case "TransactWriteItems":
		for _, ti := range req.TransactItems {
			for kind, v := range ti {
				if kind == "Put" {
					write += 2000 * ceil(size(v.Item), 1024)
				} else {
					write += 2000
				}
			}
		}
		return 0, write
	}
	return 0, 0
}

func ceil(n, per int64) int64 { return max(1, (n+per-1)/per) }

// size is an item's size as DynamoDB reckons it.
func size(it item) int64 {
	var n int64
	for name, v := range it {
		n += int64(len(name)) + valueSize(v)
	}
	return n
}

func valueSize(raw json.RawMessage) int64 {
	var v map[string]json.RawMessage
	if json.Unmarshal(raw, &v) != nil {
		return 0
	}
	var n int64
	for typ, val := range v {
		switch typ {
		case "S":
			var s string
			_ = json.Unmarshal(val, &s)
			n += int64(len(s))
		case "N":
			var s string
			_ = json.Unmarshal(val, &s)
			n += int64(len(strings.Trim(s, "-.0")))/2 + 1
		case "B":
			var s string
			_ = json.Unmarshal(val, &s)
			b, _ := base64.StdEncoding.DecodeString(s)
			n += int64(len(b))
		case "BOOL", "NULL":
			n++
		case "M":
			var m item
			_ = json.Unmarshal(val, &m)
			n += 3 + size(m)
		case "L":
			var l []json.RawMessage
			_ = json.Unmarshal(val, &l)
			n += 3
			for _, e := range l {
				n += 1 + valueSize(e)
			}
		case "SS", "NS", "BS":
			var l []string
			_ = json.Unmarshal(val, &l)
			for _, e := range l {
				n += int64(len(e))
			}
		}
	}
	return n
}
