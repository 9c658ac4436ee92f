package specconform_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tandemsync/tandem/pkg/autotask"
	"github.com/tandemsync/tandem/pkg/autotask/autotasksim"
	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/specconform"
	"github.com/tandemsync/tandem/pkg/zendesk"
	"github.com/tandemsync/tandem/pkg/zendesk/zendesksim"
)

// vendor is one platform judged by its vendor's specification: the
// specification, the provider whose client is driven, and a simulator
// started with the credential key that holds its URL.
type vendor struct {
	spec     specconform.Vendor
	provider platform.Provider
	ticket   platform.Ticket
	start    func(t *testing.T) (creds platform.Credentials, urlKey string)
}

var vendors = []vendor{
	{autotaskSpec, autotask.Provider, platform.Ticket{}, func(t *testing.T) (platform.Credentials, string) {
		s := autotasksim.New(t, autotasksim.Options{})
		return s.Credentials(s.Integration), "apiUrl"
	}},
	{connectwiseSpec, connectwise.Provider, platform.Ticket{Account: strconv.Itoa(connectwisesim.CustomerCompanyID)}, func(t *testing.T) (platform.Credentials, string) {
		s := connectwisesim.New(t)
		return s.Credentials(s.Integration), "site"
	}},
	{haloSpec, halo.Provider, platform.Ticket{}, func(t *testing.T) (platform.Credentials, string) {
		s := halosim.New(t, halosim.Options{})
		return s.Credentials(halosim.Integration), "url"
	}},
	{zendeskSpec, zendesk.Provider, platform.Ticket{}, func(t *testing.T) (platform.Credentials, string) {
		s := zendesksim.New(t, zendesksim.Options{})
		return s.Credentials(zendesksim.Integration), "subdomain"
	}},
}

// Each client, driven through every operation Tandem uses, against its
// simulator behind a proxy that checks both directions against the vendor's
// own specification.
func TestClientsAndSimulatorsConformToVendorSpecifications(t *testing.T) {
	for _, v := range vendors {
		t.Run(v.spec.Name, func(t *testing.T) {
			checker := specconform.Load(t, v.spec)
			creds, key := v.start(t)
			creds[key] = checker.Proxy(creds[key])
			c, err := v.provider.NewClient(creds, true)
			if err != nil {
				t.Fatal(err)
			}
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
			t.Cleanup(hook.Close)
			if err := specconform.Exercise(context.Background(), c, v.provider.Picklists, v.ticket, hook.URL+"/hook"); err != nil {
				t.Fatal(err)
			}
			r := checker.Finish()
			t.Logf("%s: %d operations, %d requests and %d responses validated", v.spec.Name, r.Operations, r.Requests, r.Responses)
			if r.Operations == 0 || r.Requests == 0 {
				t.Fatal("nothing was validated")
			}
		})
	}
}

// Autotask's time entries, as the sync writes and reads them, against the
// TimeEntries operations of Autotask's own document.
func TestAutotaskTimeEntriesConformToTheVendorSpecification(t *testing.T) {
	spec := autotaskSpec
	nullable := "Autotask answers an unset field as null, which Swagger 2.0 cannot declare"
	spec.Name, spec.Allow = "Autotask time entries", []specconform.Allowance{
		{Op: "GET /v1.0/tickets/{id}", Kind: specconform.Response, Match: "Value is not nullable", Reason: nullable,
			Source: "live capture in pkg/autotask/testdata/ticket-get.json (contractika-org/contractika)"},
		{Op: "POST /v1.0/timeentries/query", Kind: specconform.Response, Match: "Value is not nullable", Reason: nullable,
			Source: "pkg/autotask/testdata/timeentries-query.json (django-autotask): taskID null"},
		{Op: "POST /v1.0/timeentries/query", Kind: specconform.Request, Match: "/value: value must be an object",
			Reason: "the document types a filter's value as the C# ValueItem wrapper; the API takes the plain value",
			Source: atHelp + `, "Basic query calls": {"op":"eq","field":"id","value":...}`},
	}
	checker := specconform.Load(t, spec)
	s := autotasksim.New(t, autotasksim.Options{})
	creds := s.Credentials(s.Integration)
	creds["apiUrl"] = checker.Proxy(creds["apiUrl"])
	c, err := autotask.Provider.NewClient(creds, true)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tk, err := c.CreateTicket(ctx, platform.Ticket{Summary: "Printer on floor 3 jams", Priority: "2"})
	if err != nil {
		t.Fatal(err)
	}
	w := c.(interface {
		AddTimeEntry(context.Context, string, platform.TimeEntry) (platform.TimeEntry, error)
		ListTimeEntries(context.Context, string) ([]platform.TimeEntry, error)
	})
	start := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	end := start.Add(90 * time.Minute)
	if _, err := w.AddTimeEntry(ctx, tk.ID, platform.TimeEntry{Start: &start, End: &end, Minutes: 90, Note: "Fuser replaced",
		WorkerID: strconv.FormatInt(s.Agent.ResourceID, 10), WorkType: strconv.Itoa(autotasksim.BillingRemote)}); err != nil {
		t.Fatal(err)
	}
	if got, err := w.ListTimeEntries(ctx, tk.ID); err != nil || len(got) != 1 {
		t.Fatalf("listed %+v, %v", got, err)
	}
	r := checker.Finish()
	if r.Requests < 3 || r.Responses < 3 {
		t.Fatalf("validated %d requests and %d responses, want the create, the time entry and its query", r.Requests, r.Responses)
	}
}
