package autotasksim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// condition is one element of a query filter; "and"/"or" nest items.
type condition struct {
	Op    string          `json:"op"`
	Field string          `json:"field"`
	Value json.RawMessage `json:"value"`
	Items []condition     `json:"items"`
}

type query struct {
	Filter     []condition `json:"filter"`
	MaxRecords int         `json:"MaxRecords"`
}

// readQuery reads a query, from the body or, for GET, the search parameter,
// and the page size it asks for. A query without a filter is refused.
func (s *Server) readQuery(w http.ResponseWriter, r *http.Request) ([]condition, int, bool) {
	var data []byte
	var err error
	if r.Method == http.MethodGet {
		data = []byte(r.URL.Query().Get("search"))
	} else {
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	}
	var q query
	if err == nil {
		err = json.Unmarshal(data, &q)
	}
	if err != nil || len(q.Filter) == 0 {
		writeErrors(w, http.StatusBadRequest, "A query requires a filter.")
		return nil, 0, false
	}
	size := s.pageSize
	if q.MaxRecords > 0 && q.MaxRecords < size {
		size = q.MaxRecords
	}
	return q.Filter, size, true
}

// selectIDs returns the ids of the items the filter selects, in order, or
// answers 500 with Autotask's message for a filter it cannot apply. field
// applies one comparison to an item.
func selectIDs[T any](w http.ResponseWriter, filter []condition, items []T, id func(T) int64, field func(condition, T) (bool, string)) ([]int64, bool) {
	var ids []int64
	for _, it := range items {
		ok, msg := matchAll(filter, it, field)
		if msg != "" {
			writeErrors(w, http.StatusInternalServerError, msg)
			return nil, false
		}
		if ok {
			ids = append(ids, id(it))
		}
	}
	return ids, true
}

// matchAll reports whether v meets every condition; a message is Autotask's
// refusal of the filter.
func matchAll[T any](conds []condition, v T, field func(condition, T) (bool, string)) (bool, string) {
	for _, c := range conds {
		ok, msg := matchOne(c, v, field)
		if msg != "" || !ok {
			return false, msg
		}
	}
	return true, ""
}

func matchOne[T any](c condition, v T, field func(condition, T) (bool, string)) (bool, string) {
	switch strings.ToLower(c.Op) {
	case "and":
		return matchAll(c.Items, v, field)
	case "or":
		for _, it := range c.Items {
			if ok, msg := matchOne(it, v, field); msg != "" || ok {
				return ok, msg
			}
		}
		return false, ""
	}
	return field(c, v)
}
