package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/tandemsync/tandem/pkg/webhook"
)

// RenewBefore is how long before it expires a subscription is renewed.
// Outlook message subscriptions live at most 4,230 minutes (about 70 h);
// the schedule runs every 6 hours, so each is renewed about a day into its
// life and a missed run or two still leaves more than a day.
const RenewBefore = 48 * time.Hour

// RenewHandler is an alias so lambda.StartHandlerFunc checks it at compile time.
type RenewHandler = func(ctx context.Context, ev events.EventBridgeEvent) (webhook.RenewalReport, error)

// Renewal builds the keeper of expiring subscriptions.
func (d *Deps) Renewal() *webhook.Renewal {
	return &webhook.Renewal{Installer: d.Installer(), Endpoints: d.Store, Out: d.Queue, Before: RenewBefore}
}

// RenewHandler serves functions/renew-subscriptions, run by an EventBridge
// schedule: it renews every subscription of every platform that expires
// within RenewBefore (today only Microsoft Graph's expire).
func (d *Deps) RenewHandler() RenewHandler {
	r := d.Renewal()
	return func(ctx context.Context, ev events.EventBridgeEvent) (webhook.RenewalReport, error) {
		defer d.FlushCalls(ctx)
		if ev.DetailType != "Scheduled Event" {
			return webhook.RenewalReport{}, fmt.Errorf("renew subscriptions: unexpected event %q from %q", ev.DetailType, ev.Source)
		}
		var total webhook.RenewalReport
		var errs []error
		for _, k := range d.Kinds() {
			rep, err := r.Run(ctx, k)
			total.Checked += rep.Checked
			total.Renewed += rep.Renewed
			total.Recreated += rep.Recreated
			total.Failed += rep.Failed
			if err != nil {
				errs = append(errs, err)
			}
		}
		d.Log.InfoContext(ctx, "subscriptions renewed", "checked", total.Checked, "renewed", total.Renewed, "recreated", total.Recreated, "failed", total.Failed)
		return total, errors.Join(errs...)
	}
}
