package platform

import "context"

type orgKey struct{}

// WithOrg says which organisation a platform call is made for, so a client
// built from credentials alone can reach what belongs to that organisation
// (a Zendesk client stores its rotated OAuth tokens there).
func WithOrg(ctx context.Context, org string) context.Context {
	return context.WithValue(ctx, orgKey{}, org)
}

// OrgFrom returns the organisation WithOrg set, if any.
func OrgFrom(ctx context.Context) (string, bool) {
	org, ok := ctx.Value(orgKey{}).(string)
	return org, ok && org != ""
}
