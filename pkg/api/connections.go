package api

import (
	"context"
	"net/http"

	"github.com/tandemsync/tandem/pkg/connection"
)

type createBody struct {
	Role         connection.Role `json:"role"`
	ContractName string          `json:"contractName"`
}

type acceptBody struct {
	VerificationCode string `json:"verificationCode"`
}

// ConnectionRoutes registers the organisation connection routes on rt.
func ConnectionRoutes(rt *Router, svc *connection.Service) {
	rt.Handle(http.MethodPost, "/v1/connections", func(ctx context.Context, r *Request) (Result, error) {
		var body createBody
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		created, err := svc.Create(ctx, r.Caller, body.Role, body.ContractName)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusCreated, Body: created}, nil
	})
	rt.Handle(http.MethodPost, "/v1/connections/accept", func(ctx context.Context, r *Request) (Result, error) {
		var body acceptBody
		if err := r.Decode(&body); err != nil {
			return Result{}, err
		}
		if body.VerificationCode == "" {
			return Result{}, &Error{Status: http.StatusBadRequest, Code: "invalid_request", Message: "verificationCode is required: paste the code your partner shared"}
		}
		v, err := svc.Accept(ctx, r.Caller, body.VerificationCode)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: v}, nil
	})
	rt.Handle(http.MethodGet, "/v1/connections", func(ctx context.Context, r *Request) (Result, error) {
		pending, active, err := svc.List(ctx, r.Caller)
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: map[string]any{"pending": pending, "active": active}}, nil
	})
	rt.Handle(http.MethodPost, "/v1/connections/{id}/code", func(ctx context.Context, r *Request) (Result, error) {
		created, err := svc.NewCode(ctx, r.Caller, r.Params["id"])
		if err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusOK, Body: created}, nil
	})
	rt.Handle(http.MethodDelete, "/v1/connections/{id}", func(ctx context.Context, r *Request) (Result, error) {
		if err := svc.End(ctx, r.Caller, r.Params["id"]); err != nil {
			return Result{}, err
		}
		return Result{Status: http.StatusNoContent}, nil
	})
}
