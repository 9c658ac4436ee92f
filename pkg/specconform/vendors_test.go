package specconform_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/tandemsync/tandem/pkg/connectwise"
	"github.com/tandemsync/tandem/pkg/connectwise/connectwisesim"
	"github.com/tandemsync/tandem/pkg/halo"
	"github.com/tandemsync/tandem/pkg/halo/halosim"
	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/specconform"
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
	{connectwiseSpec, connectwise.Provider, platform.Ticket{Account: strconv.Itoa(connectwisesim.CustomerCompanyID)}, func(t *testing.T) (platform.Credentials, string) {
		s := connectwisesim.New(t)
		return s.Credentials(s.Integration), "site"
	}},
	{haloSpec, halo.Provider, platform.Ticket{}, func(t *testing.T) (platform.Credentials, string) {
		s := halosim.New(t, halosim.Options{})
		return s.Credentials(halosim.Integration), "url"
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
