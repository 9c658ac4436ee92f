package halosim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// ExternalLink ties a Halo record to a record in another system (swagger
// schema ExternalLink_List: halo_id, table_id, module_id, third_party_id,
// third_party_type, third_party_desc…). A ticket posted with
// new_external_link gets one.
type ExternalLink struct {
	ID             int    `json:"id"`
	HaloID         int    `json:"halo_id"`
	TableID        int    `json:"table_id,omitempty"`
	ThirdPartyID   string `json:"third_party_id"`
	ThirdPartyType string `json:"third_party_type"`
	ThirdPartyDesc string `json:"third_party_desc,omitempty"`
}

// ExternalLinks returns copies of every external link.
func (s *Server) ExternalLinks() []ExternalLink {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ExternalLink, len(s.links))
	copy(out, s.links)
	return out
}

// linkLocked records the new_external_link of a posted ticket, if any; the
// caller holds s.mu.
func (s *Server) linkLocked(ticketID int, raw json.RawMessage) (string, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", true
	}
	var l ExternalLink
	if err := json.Unmarshal(raw, &l); err != nil {
		return "new_external_link must be an ExternalLink object", false
	}
	if strings.TrimSpace(l.ThirdPartyID) == "" {
		return "new_external_link needs a third_party_id", false
	}
	s.nextLink++
	l.ID, l.HaloID = s.nextLink, ticketID
	s.links = append(s.links, l)
	return "", true
}

// listExternalLinks answers GET /api/ExternalLink filtered by the swagger's
// query parameters third_party_id, third_party_type and halo_id. The
// swagger documents no response body; a bare array is assumed (UNCERTAIN).
func (s *Server) listExternalLinks(w http.ResponseWriter, r *http.Request, _ APIUser, _ string) {
	q := r.URL.Query()
	s.mu.Lock()
	out := []ExternalLink{}
	for _, l := range s.links {
		if v := q.Get("third_party_id"); v != "" && v != l.ThirdPartyID {
			continue
		}
		if v := q.Get("third_party_type"); v != "" && !strings.EqualFold(v, l.ThirdPartyType) {
			continue
		}
		if v := q.Get("halo_id"); v != "" && v != strconv.Itoa(l.HaloID) {
			continue
		}
		out = append(out, l)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
