package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/tandemsync/tandem/pkg/platform"
	"github.com/tandemsync/tandem/pkg/settings"
)

type platformBody struct {
	Platform    string               `json:"platform"`
	Credentials platform.Credentials `json:"credentials"`
}

// testBody optionally names the service board the ConnectWise checklist
// checks; the other platforms ignore it.
type testBody struct {
	Board string `json:"board"`
}

type accountView struct {
	Platform    platform.Kind        `json:"platform"`
	Credentials map[string]string    `json:"credentials"`
	UpdatedAt   time.Time            `json:"updatedAt"`
	LastTest    *settings.TestResult `json:"lastTest"`
}

func viewAccount(a settings.Account) accountView {
	return accountView{Platform: a.Platform, Credentials: a.Masked, UpdatedAt: a.UpdatedAt, LastTest: a.LastTest}
}

// SettingsRoutes registers the platform settings routes on rt.
func SettingsRoutes(rt *Router, svc *settings.Service) {
	rt.Handle(http.MethodPut, "/v1/settings/platform", func(ctx context.Context, r *Request) (Result, error) {
		var body platformBody
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		kind := platform.Kind(body.Platform)
		if len(body.Credentials) == 0 {
			return Result{}, &Error{Status: http.StatusBadRequest, Code: "invalid_credentials", Message: "credentials are required"}
		}
		a, err := svc.Save(ctx, r.Caller.OrgID, kind, body.Credentials)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: viewAccount(a)}, nil
	})
	rt.Handle(http.MethodGet, "/v1/settings/platform", func(ctx context.Context, r *Request) (Result, error) {
		a, err := svc.Get(ctx, r.Caller.OrgID)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: viewAccount(a)}, nil
	})
	rt.Handle(http.MethodPost, "/v1/settings/platform/test", func(ctx context.Context, r *Request) (Result, error) {
		var body testBody
		// The body is optional: without one the test checks no particular board.
		if strings.TrimSpace(r.Raw.Body) != "" {
			if err := r.Decode(&body); err != nil {
				return Result{}, err
			}
		}
		res, err := svc.Test(ctx, r.Caller.OrgID, body.Board)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: res}, nil
	})
	rt.Handle(http.MethodDelete, "/v1/settings/platform", func(ctx context.Context, r *Request) (Result, error) {
		if err := svc.Delete(ctx, r.Caller.OrgID); err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusNoContent}, nil
	})
}
