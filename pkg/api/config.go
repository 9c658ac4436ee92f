package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/tandemsync/tandem/pkg/configuration"
	"github.com/tandemsync/tandem/pkg/integration"
	"github.com/tandemsync/tandem/pkg/platform"
)

// maxParentLen bounds ?board=, which is an id on every platform.
const maxParentLen = 64

// ConfigRoutes registers a connection's configuration routes on rt. Every
// route addresses the caller's own side: there is no parameter that names an
// organisation, so the partner's side cannot be read or written.
func ConfigRoutes(rt *Router, svc *configuration.Service) {
	rt.Handle(http.MethodGet, "/v1/connections/{id}/config", func(ctx context.Context, r *Request) (Result, error) {
		cfg, err := svc.Get(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: cfg}, nil
	})
	rt.Handle(http.MethodPut, "/v1/connections/{id}/config", func(ctx context.Context, r *Request) (Result, error) {
		var cfg integration.Config
		if err := r.Decode(&cfg); err != nil {
			return Result{}, err
		}
		saved, err := svc.Put(ctx, r.Caller, r.Params["id"], cfg)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: saved}, nil
	})
	rt.Handle(http.MethodGet, "/v1/connections/{id}/options/{kind}", func(ctx context.Context, r *Request) (Result, error) {
		q := r.Raw.QueryStringParameters
		parent := strings.TrimSpace(q["board"])
		if len(parent) > maxParentLen {
			return Result{}, &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "board is too long: pass the board id from the queues list"}
		}
		kind := platform.PicklistKind(r.Params["kind"])
		var (
			list configuration.Picklist
			err  error
		)
		switch q["side"] {
		case "", "mine":
			list, err = svc.Options(ctx, r.Caller, r.Params["id"], kind, parent)
		case "partner":
			list, err = svc.PartnerOptions(ctx, r.Caller, r.Params["id"], kind, parent)
		default:
			return Result{}, &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: `side must be "mine" (your platform, the default) or "partner"`}
		}
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: list}, nil
	})
}

// configProblems is the message of a configuration that failed validation:
// every offending row, by its JSON path.
func configProblems(err error) string {
	var inv *configuration.InvalidError
	if errors.As(err, &inv) {
		return inv.Problems.Error()
	}
	return err.Error()
}

// platformProblem is what to fix when the caller's own platform could not
// be read; platform.Error messages are written to be credential-free.
func platformProblem(err error) string {
	var pe *platform.Error
	if errors.As(err, &pe) {
		return "your platform could not be read: " + pe.Message
	}
	return "your platform could not be read; test your platform settings (POST /v1/settings/platform/test), then try again"
}

// picklistKinds lists the kinds for the unknown-kind message.
func picklistKinds() string {
	names := make([]string, len(configuration.Kinds))
	for i, k := range configuration.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}
