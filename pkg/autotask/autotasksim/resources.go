package autotasksim

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Resource is the simulator's Resources entity (a subset of the real
// fields, REST/Entities/ResourcesEntity.htm): one per user, Integration and
// Agent. It can be queried and read, not created or deleted.
type Resource struct {
	ID        int64  `json:"id"`
	UserName  string `json:"userName"`
	FirstName string `json:"firstName"`
	LastName  string `json:"lastName"`
	Email     string `json:"email"`
	IsActive  bool   `json:"isActive"`
}

// Resources returns the instance's resources, by id.
func (s *Server) Resources() []Resource {
	var out []Resource
	for _, u := range []User{s.Integration, s.Agent} {
		out = append(out, Resource{ID: u.ResourceID, UserName: u.Username, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, IsActive: true})
	}
	slices.SortFunc(out, func(a, b Resource) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func (s *Server) resource(rid int64) (Resource, bool) {
	for _, r := range s.Resources() {
		if r.ID == rid {
			return r, true
		}
	}
	return Resource{}, false
}

// getResource answers GET Resources/{id}: {"item":null} when there is none,
// as for other entities.
func (s *Server) getResource(w http.ResponseWriter, rid int64) {
	if r, ok := s.resource(rid); ok {
		writeJSON(w, http.StatusOK, map[string]any{"item": r})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": nil})
}

// queryResources answers POST Resources/query with the query as the body,
// and GET Resources/query?search= with it in the URL.
func (s *Server) queryResources(w http.ResponseWriter, r *http.Request) {
	filter, size, ok := s.readQuery(w, r)
	if !ok {
		return
	}
	ids, ok := selectIDs(w, filter, s.Resources(), func(r Resource) int64 { return r.ID }, resourceMatches)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeResourcePage(w, ids, size)
}

// writeResourcePage is writePage for resources; the caller holds s.mu.
func (s *Server) writeResourcePage(w http.ResponseWriter, ids []int64, size int) {
	page, next := s.paginate("resources", "Resources", ids, size)
	items := make([]Resource, 0, len(page))
	for _, rid := range page {
		if r, ok := s.resource(rid); ok {
			items = append(items, r)
		}
	}
	writeItems(w, items, size, next)
}

// resourceMatches applies one comparison to a resource. Strings compare
// case-insensitively, as the live service's database collation does.
func resourceMatches(c condition, r Resource) (bool, string) {
	op := strings.ToLower(c.Op)
	var have any
	switch strings.ToLower(c.Field) {
	case "id":
		have = r.ID
	case "username":
		have = r.UserName
	case "firstname":
		have = r.FirstName
	case "lastname":
		have = r.LastName
	case "email":
		have = r.Email
	case "isactive":
		have = r.IsActive
	default:
		return false, fmt.Sprintf("Unable to find %s in the Resource entity.", c.Field)
	}
	switch op {
	case "exist":
		return have != "", ""
	case "notexist":
		return have == "", ""
	case "in", "notin":
		var values []json.RawMessage
		if err := json.Unmarshal(c.Value, &values); err != nil {
			return false, fmt.Sprintf("The value for %s is not a list.", c.Field)
		}
		in := false
		for _, v := range values {
			order, msg := compareValue(c.Field, have, v)
			if msg != "" {
				return false, msg
			}
			in = in || order == 0
		}
		return in == (op == "in"), ""
	case "beginswith", "endswith", "contains":
		h, ok := have.(string)
		var want string
		if !ok || json.Unmarshal(c.Value, &want) != nil {
			return false, fmt.Sprintf("The operator %s is not supported for %s.", c.Op, c.Field)
		}
		h, want = strings.ToLower(h), strings.ToLower(want)
		switch op {
		case "beginswith":
			return strings.HasPrefix(h, want), ""
		case "endswith":
			return strings.HasSuffix(h, want), ""
		}
		return strings.Contains(h, want), ""
	}
	order, msg := compareValue(c.Field, have, c.Value)
	if msg != "" {
		return false, msg
	}
	return compareOp(op, order)
}

// compareOp applies a query comparison operator to a three-way order, with
// Autotask's answer for an operator it does not know.
func compareOp(op string, order int) (bool, string) {
	switch op {
	case "eq":
		return order == 0, ""
	case "noteq":
		return order != 0, ""
	case "gt":
		return order > 0, ""
	case "gte":
		return order >= 0, ""
	case "lt":
		return order < 0, ""
	case "lte":
		return order <= 0, ""
	}
	return false, fmt.Sprintf("The operator %s is not supported.", op)
}

// compareValue orders a field's value against a filter value, which may be
// a JSON string, number or boolean (Autotask accepts "5" for 5).
func compareValue(field string, have any, raw json.RawMessage) (int, string) {
	text := strings.Trim(string(raw), `"`)
	switch h := have.(type) {
	case int64:
		want, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return 0, fmt.Sprintf("The value for %s is not a number.", field)
		}
		return cmp.Compare(h, want), ""
	case bool:
		want, err := strconv.ParseBool(text)
		if err != nil {
			return 0, fmt.Sprintf("The value for %s is not a boolean.", field)
		}
		if h == want {
			return 0, ""
		}
		return 1, ""
	case time.Time:
		// A date compares as a date, whatever its precision: the REST API
		// takes yyyy-mm-ddThh:mm:ss.ms in UTC (Autotask developer help,
		// REST API calls; public syncs filter lastActivityDate with gt/gte).
		var want string
		_ = json.Unmarshal(raw, &want)
		w, err := time.Parse(time.RFC3339Nano, want)
		if err != nil {
			if w, err = time.Parse("2006-01-02T15:04:05.000", want); err != nil {
				return 0, fmt.Sprintf("The value for %s is not a date.", field)
			}
		}
		return h.Compare(w.UTC()), ""
	case string:
		var want string
		if err := json.Unmarshal(raw, &want); err != nil {
			want = string(raw) // a number compared with a string field
		}
		return strings.Compare(strings.ToLower(h), strings.ToLower(want)), ""
	}
	return 0, fmt.Sprintf("Unable to compare %s.", field)
}
