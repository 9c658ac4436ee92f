package autotasksim

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) createNote(w http.ResponseWriter, r *http.Request, u User, ticketID int64) {
	f, ok := readFields(w, r)
	if !ok {
		return
	}
	n := Note{TicketID: ticketID}
	desc, ok, err := pick[string](f, "description")
	if err != nil || !ok || desc == "" {
		writeErrors(w, statusRule, "Missing Required Field: description")
		return
	}
	if len(desc) > 32000 {
		writeErrors(w, statusRule, "description must be at most 32000 characters.")
		return
	}
	n.Description = desc
	if n.Title, _, err = pick[string](f, "title"); err != nil || len(n.Title) > 250 {
		writeErrors(w, statusRule, "title must be at most 250 characters.")
		return
	}
	for _, p := range []struct {
		key    string
		values []PicklistValue
		dst    *int
	}{{"notetype", noteTypes, &n.NoteType}, {"publish", publishes, &n.Publish}} {
		v, ok, err := number(f, p.key)
		if err != nil || !ok {
			writeErrors(w, statusRule, "Missing Required Field: "+p.key)
			return
		}
		if !validPick(p.values, v) {
			writeErrors(w, statusRule, fmt.Sprintf("Value %d does not exist for the field %s.", v, p.key))
			return
		}
		*p.dst = int(v)
	}
	if v, ok, _ := number(f, "ticketid"); ok && v != ticketID {
		writeErrors(w, statusRule, "ticketID does not match the parent ticket.")
		return
	}
	s.mu.Lock()
	t := s.ticketFor(w, ticketID)
	if t == nil {
		s.mu.Unlock()
		return
	}
	now := nowMillis()
	n.ID, n.CreateDateTime, n.LastActivityDate, n.CreatorResourceID = s.newID(), now, now, u.ResourceID
	s.notes[n.ID] = &n
	t.LastActivityDate, t.LastActivityResourceID = now, u.ResourceID
	s.emitNote(u, &n)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]int64{"itemId": n.ID})
}

type pageState struct {
	entity string // the query path segment: "ticketnotes", "tickets" or "resources"
	ids    []int64
	size   int
}

func (s *Server) queryNotes(w http.ResponseWriter, r *http.Request) {
	filter, size, ok := s.readQuery(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	notes := make([]*Note, 0, len(s.notes))
	for _, nid := range sortedKeys(s.notes) {
		notes = append(notes, s.notes[nid])
	}
	if ids, ok := selectIDs(w, filter, notes, func(n *Note) int64 { return n.ID }, noteMatches); ok {
		s.writePage(w, ids, size)
	}
}

// nextPage answers GET {Entity}/query/next?paging= for the entity whose
// query parked the token.
func (s *Server) nextPage(w http.ResponseWriter, r *http.Request, entity string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	token := r.URL.Query().Get("paging")
	st, ok := s.pages[token]
	if !ok || st.entity != entity {
		writeErrors(w, http.StatusBadRequest, "The paging token is not valid.")
		return
	}
	delete(s.pages, token)
	switch entity {
	case "resources":
		s.writeResourcePage(w, st.ids, st.size)
	case "tickets":
		s.writeTicketPage(w, st.ids, st.size)
	case "timeentries":
		s.writeTimeEntryPage(w, st.ids, st.size)
	default:
		s.writePage(w, st.ids, st.size)
	}
}

// writePage answers one page of notes and parks the rest behind a
// nextPageUrl; the caller holds s.mu.
func (s *Server) writePage(w http.ResponseWriter, ids []int64, size int) {
	page, next := s.paginate("ticketnotes", "TicketNotes", ids, size)
	items := make([]Note, 0, len(page))
	for _, nid := range page {
		if n, ok := s.notes[nid]; ok {
			items = append(items, *n)
		}
	}
	writeItems(w, items, size, next)
}

// paginate splits ids into this page and the rest, parking the rest behind
// a nextPageUrl (nil when there is none); the caller holds s.mu.
func (s *Server) paginate(entity, pathName string, ids []int64, size int) ([]int64, any) {
	if len(ids) <= size {
		return ids, nil
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	s.pages[token] = pageState{entity: entity, ids: ids[size:], size: size}
	return ids[:size], s.URL + "/ATServicesRest/V1.0/" + pathName + "/query/next?paging=" + url.QueryEscape(token)
}

func writeItems[T any](w http.ResponseWriter, items []T, size int, next any) {
	writeJSON(w, http.StatusOK, map[string]any{
		"items":       items,
		"pageDetails": map[string]any{"count": len(items), "requestCount": size, "prevPageUrl": nil, "nextPageUrl": next},
	})
}

// noteMatches applies one comparison to a note.
func noteMatches(c condition, n *Note) (bool, string) {
	var order int
	switch strings.ToLower(c.Field) {
	case "id", "ticketid", "notetype", "publish", "creatorresourceid":
		want, err := strconv.ParseInt(strings.Trim(string(c.Value), `"`), 10, 64)
		if err != nil {
			return false, fmt.Sprintf("The value for %s is not a number.", c.Field)
		}
		have := map[string]int64{"id": n.ID, "ticketid": n.TicketID, "notetype": int64(n.NoteType),
			"publish": int64(n.Publish), "creatorresourceid": n.CreatorResourceID}[strings.ToLower(c.Field)]
		order = cmp.Compare(have, want)
	case "createdatetime", "lastactivitydate":
		var want time.Time
		if err := json.Unmarshal(c.Value, &want); err != nil {
			return false, fmt.Sprintf("The value for %s is not a date.", c.Field)
		}
		have := n.CreateDateTime
		if strings.EqualFold(c.Field, "lastactivitydate") {
			have = n.LastActivityDate
		}
		order = have.Compare(want)
	default:
		return false, fmt.Sprintf("Unable to find %s in the TicketNote entity.", c.Field)
	}
	return compareOp(strings.ToLower(c.Op), order)
}

func sortedKeys[V any](m map[int64]V) []int64 {
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	return keys
}
