package connectwisesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

const (
	defaultPageSize = 25
	maxPageSize     = 1000
)

// writeList applies conditions, orderBy, fields and page/pageSize to rows
// (wire records) and answers with a Link header like ConnectWise's
// navigable pagination.
func (s *Server) writeList(w http.ResponseWriter, r *http.Request, rows []any) {
	q := r.URL.Query()
	recs := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		recs = append(recs, generic(row))
	}
	if c := q.Get("conditions"); c != "" {
		cond, err := parseConditions(c)
		if err != nil {
			writeError(w, http.StatusBadRequest, "InvalidCondition", err.Error())
			return
		}
		kept := recs[:0]
		for _, rec := range recs {
			if cond.match(rec) {
				kept = append(kept, rec)
			}
		}
		recs = kept
	}
	if ob := q.Get("orderBy"); ob != "" {
		field, dir, _ := strings.Cut(strings.TrimSpace(ob), " ")
		desc := strings.EqualFold(strings.TrimSpace(dir), "desc")
		sort.SliceStable(recs, func(i, j int) bool {
			c := compare(lookup(recs[i], field), lookup(recs[j], field))
			if desc {
				return c > 0
			}
			return c < 0
		})
	}
	page, size := 1, defaultPageSize
	if v, err := strconv.Atoi(q.Get("page")); err == nil && v > 0 {
		page = v
	}
	if v, err := strconv.Atoi(q.Get("pageSize")); err == nil && v > 0 {
		size = min(v, maxPageSize)
	}
	last := max(1, (len(recs)+size-1)/size)
	start := min((page-1)*size, len(recs))
	end := min(start+size, len(recs))
	out := recs[start:end]
	if f := q.Get("fields"); f != "" {
		out = selectFields(out, f)
	}
	var links []string
	link := func(p int, rel string) {
		q2 := url.Values{}
		for k, v := range q {
			q2[k] = v
		}
		q2.Set("page", strconv.Itoa(p))
		q2.Set("pageSize", strconv.Itoa(size))
		links = append(links, fmt.Sprintf("<%s%s?%s>; rel=%q", s.URL, r.URL.Path, q2.Encode(), rel))
	}
	if page < last {
		link(page+1, "next")
	}
	if page > 1 {
		link(page-1, "prev")
	}
	link(1, "first")
	link(last, "last")
	w.Header().Set("Link", strings.Join(links, ", "))
	writeJSON(w, http.StatusOK, out)
}

func generic(v any) map[string]any {
	b, _ := json.Marshal(v)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return m
}

func selectFields(recs []map[string]any, fields string) []map[string]any {
	keep := map[string]bool{}
	for _, f := range strings.Split(fields, ",") {
		top, _, _ := strings.Cut(strings.TrimSpace(f), "/")
		keep[top] = true
	}
	out := make([]map[string]any, len(recs))
	for i, rec := range recs {
		m := map[string]any{}
		for k, v := range rec {
			if keep[k] {
				m[k] = v
			}
		}
		out[i] = m
	}
	return out
}

// lookup follows a ConnectWise field path such as "status/id".
func lookup(rec map[string]any, path string) any {
	var cur any = rec
	for _, seg := range strings.Split(path, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[seg]
	}
	return cur
}

// conditions is a parsed conditions expression: clauses joined by AND/OR,
// evaluated left to right. Parentheses, "in" and "contains" are not
// simulated and are refused, so a client relying on them notices here.
type conditions struct {
	clauses []clause
	joins   []string // "and"/"or" between clauses
}

type clause struct {
	field, op string
	value     any // float64, string, time.Time, bool or nil
}

func parseConditions(s string) (conditions, error) {
	var c conditions
	rest := strings.TrimSpace(s)
	for {
		cl, tail, err := parseClause(rest)
		if err != nil {
			return c, err
		}
		c.clauses = append(c.clauses, cl)
		tail = strings.TrimSpace(tail)
		if tail == "" {
			return c, nil
		}
		word, after, _ := strings.Cut(tail, " ")
		switch strings.ToLower(word) {
		case "and", "or":
			c.joins = append(c.joins, strings.ToLower(word))
			rest = strings.TrimSpace(after)
		default:
			return c, fmt.Errorf("conditions: expected AND or OR near %q", tail)
		}
	}
}

func parseClause(s string) (clause, string, error) {
	i := strings.IndexAny(s, "=!<> ")
	if i <= 0 {
		return clause{}, "", fmt.Errorf("conditions: expected a field name in %q", s)
	}
	cl := clause{field: s[:i]}
	rest := strings.TrimLeft(s[i:], " ")
	ops := []string{"!=", "<=", ">=", "=", "<", ">", "like ", "not like "}
	for _, op := range ops {
		if len(rest) >= len(op) && strings.EqualFold(rest[:len(op)], op) {
			cl.op = strings.TrimSpace(strings.ToLower(op))
			rest = strings.TrimLeft(rest[len(op):], " ")
			break
		}
	}
	if cl.op == "" {
		return clause{}, "", fmt.Errorf("conditions: unsupported operator in %q", s)
	}
	switch {
	case strings.HasPrefix(rest, `"`):
		end := strings.Index(rest[1:], `"`)
		if end < 0 {
			return clause{}, "", fmt.Errorf("conditions: unterminated string")
		}
		cl.value, rest = rest[1:end+1], rest[end+2:]
	case strings.HasPrefix(rest, "["):
		end := strings.Index(rest, "]")
		if end < 0 {
			return clause{}, "", fmt.Errorf("conditions: unterminated date")
		}
		t, err := time.Parse(time.RFC3339, rest[1:end])
		if err != nil {
			return clause{}, "", fmt.Errorf("conditions: bad date %q", rest[1:end])
		}
		cl.value, rest = t, rest[end+1:]
	default:
		word, tail, _ := strings.Cut(rest, " ")
		rest = tail
		switch strings.ToLower(word) {
		case "true", "false":
			cl.value = strings.EqualFold(word, "true")
		case "null":
			cl.value = nil
		default:
			n, err := strconv.ParseFloat(word, 64)
			if err != nil {
				return clause{}, "", fmt.Errorf("conditions: bad value %q", word)
			}
			cl.value = n
		}
	}
	return cl, rest, nil
}

func (c conditions) match(rec map[string]any) bool {
	ok := c.clauses[0].match(rec)
	for i, j := range c.joins {
		next := c.clauses[i+1].match(rec)
		if j == "and" {
			ok = ok && next
		} else {
			ok = ok || next
		}
	}
	return ok
}

func (cl clause) match(rec map[string]any) bool {
	got := lookup(rec, cl.field)
	if got == nil && strings.EqualFold(cl.field, "lastUpdated") {
		// Conditions name the record's _info dates without the prefix:
		// "lastUpdated>[…]" selects on _info/lastUpdated
		// (KerkhoffTechnologies/django-connectwise djconnectwise/sync.py).
		got = lookup(rec, "_info/lastUpdated")
	}
	if t, ok := cl.value.(time.Time); ok {
		s, _ := got.(string)
		gt, err := time.Parse(time.RFC3339, s)
		if err != nil {
			return false
		}
		return cmpResult(cl.op, gt.Compare(t))
	}
	if cl.op == "like" || cl.op == "not like" {
		s, _ := got.(string)
		p, _ := cl.value.(string)
		m := like(strings.ToLower(s), strings.ToLower(p))
		return m == (cl.op == "like")
	}
	return cmpResult(cl.op, compare(got, cl.value))
}

func cmpResult(op string, c int) bool {
	switch op {
	case "=":
		return c == 0
	case "!=":
		return c != 0
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// compare orders JSON values of the same kind; mismatched kinds compare
// unequal (non-zero).
func compare(a, b any) int {
	switch x := a.(type) {
	case float64:
		if y, ok := b.(float64); ok {
			switch {
			case x < y:
				return -1
			case x > y:
				return 1
			}
			return 0
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(strings.ToLower(x), strings.ToLower(y))
		}
	case bool:
		if y, ok := b.(bool); ok {
			if x == y {
				return 0
			}
			return 1
		}
	case nil:
		if b == nil {
			return 0
		}
		return -1
	}
	return 1
}

// like matches ConnectWise's % wildcard.
func like(s, pattern string) bool {
	parts := strings.Split(pattern, "%")
	if len(parts) == 1 {
		return s == pattern
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}
