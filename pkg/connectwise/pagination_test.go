package connectwise

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tandemsync/tandem/pkg/platform"
)

func TestLinkRel(t *testing.T) {
	cases := []struct {
		name   string
		values []string
		want   string
	}{
		{"connectwise style", []string{`<https://h/a?page=2&pageSize=25>; rel="next", <https://h/a?page=9&pageSize=25>; rel="last"`}, "https://h/a?page=2&pageSize=25"},
		{"next not first", []string{`<https://h/a?page=1>; rel="first", <https://h/a?page=3>; rel="next"`}, "https://h/a?page=3"},
		{"separate header values", []string{`<https://h/p1>; rel="prev"`, `<https://h/p3>; rel=next`}, "https://h/p3"},
		{"comma inside url", []string{`<https://h/a?conditions=id in (1,2)&page=2>; rel="next"`}, "https://h/a?conditions=id in (1,2)&page=2"},
		{"several rels", []string{`<https://h/x>; rel="last next"`}, "https://h/x"},
		{"last page", []string{`<https://h/a?page=1>; rel="first", <https://h/a?page=1>; rel="last"`}, ""},
		{"garbage", []string{`nonsense; rel=next`, ``}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := linkRel(c.values, "next"); got != c.want {
				t.Fatalf("linkRel = %q, want %q", got, c.want)
			}
		})
	}
}

// fakeSite serves codebase discovery and one list endpoint whose Link header
// is chosen by the test.
func fakeSite(t *testing.T, link func(base string) string) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if strings.HasPrefix(r.URL.Path, "/login/companyinfo/") {
			_ = json.NewEncoder(w).Encode(map[string]string{"Codebase": "v2025_1/"})
			return
		}
		if l := link(srv.URL); l != "" {
			w.Header().Set("Link", l)
		}
		_, _ = w.Write([]byte(`[{"id":1,"name":"Help Desk"}]`))
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestPaginationStaysOnSite(t *testing.T) {
	cases := []struct {
		name   string
		link   func(base string) string
		reason platform.Reason
		hits   int64
	}{
		{"foreign next link refused", func(string) string { return `<https://evil.example/steal?page=2>; rel="next"` }, platform.ReasonServer, 2},
		{"endless next links stop", func(base string) string {
			return "<" + base + `/v2025_1/apis/3.0/service/boards?page=2>; rel="next"`
		}, platform.ReasonServer, 1 + maxPages},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, hits := fakeSite(t, c.link)
			f := validFields()
			f["site"] = srv.URL
			creds, err := ParseCredentials(f, true)
			if err != nil {
				t.Fatal(err)
			}
			_, err = New(creds, Options{AllowPrivate: true}).Picklist(testCtx(t), platform.PickQueues, "")
			platformErr(t, err, c.reason)
			if hits.Load() != c.hits {
				t.Fatalf("hits = %d, want %d", hits.Load(), c.hits)
			}
		})
	}
}
